"""``sjt demo``, ``sjt invite``, ``sjt user add``: the database and access management."""

from __future__ import annotations

import secrets
import sys
from enum import StrEnum
from typing import Annotated

import typer

from assessment.access.accounts import ROLES, add_user, list_users
from assessment.demo import seed_demo
from assessment.errors import AssessmentError
from assessment.persistence.store import Store
from assessment.recruiting.invitations import invitation_link
from cli.errors import fail, user_errors
from items import load_bank

users = typer.Typer(help="Staff accounts.", no_args_is_help=True)


class Role(StrEnum):
    recruiter = "recruiter"
    psychometrician = "psychometrician"
    admin = "admin"


class Language(StrEnum):
    en = "en"
    zh = "zh"


class FormName(StrEnum):
    adaptive = "adaptive"
    fixed = "fixed"


@user_errors
def demo(
    candidates: Annotated[int, typer.Option("--candidates", min=1, max=5000)] = 60,
    seed: Annotated[int, typer.Option("--seed")] = 2026,
    demo_user: Annotated[
        bool, typer.Option("--demo-user/--no-demo-user", help="(Re)create user demo-admin.")
    ] = True,
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Add candidates only if there are no demo ones.")
    ] = False,
) -> None:
    """Fill the database with clearly labelled synthetic candidates (taken through the engine)."""
    store = Store.open()
    existing = store.count_candidates(synthetic=True)
    if if_empty and existing:
        typer.echo(f"demo: the database already has {existing} synthetic candidates")
    else:
        summary = seed_demo(store, load_bank(), candidates, seed + existing)
        typer.echo(
            f"demo: {summary.created} synthetic candidates ({summary.completed} completed, "
            f"{summary.in_progress} in progress, {summary.invited} invited); "
            f"scoring model {summary.model_label}"
        )
        for candidate, token in summary.links[:3]:
            typer.echo(f"  try the test as {candidate}: {invitation_link(token)}")
    _, token = store.create_invitation(
        store.add_candidate("Demo candidate (you)", synthetic=True), created_by="demo"
    )
    typer.echo(f"take the test yourself: {invitation_link(token)}")
    if demo_user:
        password = secrets.token_urlsafe(12)
        _reset_demo_admin(store, password)
        typer.echo(f"staff sign-in for this demo: user demo-admin, password {password}")


def _reset_demo_admin(store: Store, password: str) -> None:
    from sqlalchemy import delete

    from assessment.persistence.tables import User

    with store.transaction() as db:
        db.execute(delete(User).where(User.username == "demo-admin"))
    add_user(store, "demo-admin", password, "admin", actor="demo")


@user_errors
def invite(
    count: Annotated[int, typer.Option("--count", min=1, max=10_000)] = 1,
    language: Annotated[Language, typer.Option("--language")] = Language.en,
    form: Annotated[FormName, typer.Option("--form")] = FormName.adaptive,
    days: Annotated[
        float, typer.Option("--days", min=0.01, max=365, help="Days until expiry.")
    ] = 14,
    time_limit: Annotated[
        int | None, typer.Option("--time-limit", min=1, help="Minutes (none by default).")
    ] = None,
    extra_time: Annotated[
        float, typer.Option("--extra-time", min=1.0, max=4.0, help="Accommodation multiplier.")
    ] = 1.0,
    position: Annotated[str | None, typer.Option("--position")] = None,
) -> None:
    """Create N invitations and print one link per line (tokens are shown only now)."""
    store = Store.open()
    for _ in range(count):
        candidate = store.add_candidate(position=position)
        _, token = store.create_invitation(
            candidate,
            language=language.value,
            form=form.value,
            expires_in_days=days,
            time_limit_minutes=time_limit,
            time_multiplier=extra_time,
            created_by="cli",
        )
        typer.echo(f"{candidate}\t{invitation_link(token)}")
    store.audit("cli", "invite", None, {"count": count, "language": language.value})


@users.command("add")
@user_errors
def user_add(
    username: Annotated[str, typer.Option("--username")],
    role: Annotated[Role, typer.Option("--role")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Create a staff account; the password is read without echo (or from stdin)."""
    if password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        add_user(Store.open(), username, password, role.value)
    except AssessmentError as error:
        raise fail(str(error)) from None
    typer.echo(f"created {role.value} {username}")


@users.command("list")
@user_errors
def user_list() -> None:
    """List staff accounts and their roles."""
    for user in list_users(Store.open()):
        typer.echo(f"{user.username}\t{user.role}")


__all__ = ["ROLES", "demo", "invite", "users"]
