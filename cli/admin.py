"""``sjt demo``, ``sjt invite``: demo data and invitations (staff accounts: ``cli/users.py``)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from assessment.access.demo_account import DEMO_ADMIN, ensure_demo_admin
from assessment.demo import seed_demo
from assessment.persistence.store import Store
from assessment.recruiting.invitations import invitation_link
from cli.errors import fail, user_errors
from cli.mail import invite_named, named_requests
from items import load_bank


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
        bool,
        typer.Option(
            "--demo-user/--no-demo-user",
            help="Create user demo-admin in a demo database (once; never reset).",
        ),
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
        _demo_admin(store)


def _demo_admin(store: Store) -> None:
    outcome = ensure_demo_admin(store)
    if outcome.refused:
        typer.echo(f"demo: no demo staff account: {outcome.refused}")
    elif outcome.password is not None:
        typer.echo(
            f"demo: this is a demo database; staff sign-in: user {DEMO_ADMIN}, password "
            f"{outcome.password}\n  (shown only now; you must choose a new password at the first "
            "sign-in)"
        )
    else:
        typer.echo(
            f"demo: staff account {DEMO_ADMIN} exists already; its password is unchanged "
            f"(forgotten? sjt user reset-password --username {DEMO_ADMIN})"
        )


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
    name: Annotated[str | None, typer.Option("--name", help="Invite this person.")] = None,
    email: Annotated[str | None, typer.Option("--email", help="The person's e-mail.")] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option("--csv", help="Invite everyone in FILE (name,email[,position][,language])."),
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="E-mail the invitations (SJT_SMTP_* settings).")
    ] = False,
) -> None:
    """Create invitations and print one link per line (tokens are shown only now).

    Without --name/--email or --csv, creates --count anonymous invitations. With --send, the
    named invitations are also e-mailed; the command fails if any e-mail failed.
    """
    if name is not None or email is not None or csv_file is not None:
        invite_named(
            named_requests(name, email, csv_file, position), send=send,
            language=language.value, form=form.value, days=days, time_limit=time_limit,
            extra_time=extra_time,
        )  # fmt: skip
        return
    if send:
        raise fail("--send needs --name and --email, or --csv FILE (to know whom to e-mail)")
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


__all__ = ["demo", "invite"]
