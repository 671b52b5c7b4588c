"""``sjt settings``: the organisation settings (public URL, consent notice) stored once.

Environment variables override stored values; ``show`` says where each value comes from.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer

from assessment.persistence.store import Store
from assessment.settings import SETTINGS, resolve_settings, setting_problem, setting_values
from cli.errors import fail, user_errors

settings = typer.Typer(
    help="Organisation settings: public URL and the consent notice (see docs/settings.md).",
    no_args_is_help=True,
)


@settings.command("show")
@user_errors
def show() -> None:
    """List every setting with its value and source (environment, database or default)."""
    store = Store.open()
    stored = store.stored_settings()
    for value in setting_values(stored, os.environ):
        shown = value.value if value.value is not None else "(not set)"
        typer.echo(f"{value.key}\t{shown}\t{value.source}")
    resolve_settings(stored, os.environ)  # report invalid values (e.g. from the environment)


@settings.command("set")
@user_errors
def set_value(
    key: Annotated[str, typer.Argument(help="Setting key, e.g. employer_name.")],
    value: Annotated[str, typer.Argument(help="The value (quote it if it has spaces).")],
) -> None:
    """Store one setting (checked first; audited)."""
    if problem := setting_problem(key, value):
        raise fail(problem)
    store = Store.open()
    store.put_setting(key, value.strip(), actor="cli")
    spec = next(spec for spec in SETTINGS if spec.key == key)
    typer.echo(f"set {key}")
    if os.environ.get(spec.env):
        typer.echo(f"note: the environment variable {spec.env} overrides this stored value")


@settings.command("unset")
@user_errors
def unset(key: Annotated[str, typer.Argument(help="Setting key.")]) -> None:
    """Remove a stored setting; its default (or environment variable) applies again."""
    if key not in {spec.key for spec in SETTINGS}:
        raise fail(setting_problem(key, "") or key)
    removed = Store.open().delete_setting(key, actor="cli")
    typer.echo(f"unset {key}" if removed else f"{key} was not set")


__all__ = ["settings"]
