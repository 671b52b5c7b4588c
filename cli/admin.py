"""``sjt demo``, ``sjt invite``, ``sjt user add``: the database and access management."""

from __future__ import annotations

import secrets
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from assessment.access.accounts import ROLES, add_user, list_users
from assessment.demo import seed_demo
from assessment.errors import AssessmentError
from assessment.persistence.store import Store
from assessment.recruiting.invitations import (
    invitation_link,
    invite_candidates,
    link_base,
    parse_invitation_csv,
    request_from_form,
)
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
    base = link_base(store)
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
            typer.echo(f"  try the test as {candidate}: {invitation_link(token, base)}")
    _, token = store.create_invitation(
        store.add_candidate("Demo candidate (you)", synthetic=True), created_by="demo"
    )
    typer.echo(f"take the test yourself: {invitation_link(token, base)}")
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
    name: Annotated[
        str | None, typer.Option("--name", help="Invite one named person (with --email).")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Their e-mail address.")] = None,
    csv_file: Annotated[
        Path | None,
        typer.Option(
            "--csv", help="Invite everyone in a CSV file: name,email[,position][,language]."
        ),
    ] = None,
    count: Annotated[
        int | None, typer.Option("--count", min=1, max=10_000, help="N anonymous invitations.")
    ] = None,
    language: Annotated[
        Language, typer.Option("--language", help="Test language (a CSV row may set its own).")
    ] = Language.en,
    form: Annotated[FormName, typer.Option("--form")] = FormName.adaptive,
    days: Annotated[float, typer.Option("--days", min=0.01, help="Days until expiry.")] = 14,
    time_limit: Annotated[
        int | None, typer.Option("--time-limit", min=1, help="Minutes (none by default).")
    ] = None,
    extra_time: Annotated[
        float, typer.Option("--extra-time", min=1.0, max=4.0, help="Accommodation multiplier.")
    ] = 1.0,
    position: Annotated[str | None, typer.Option("--position")] = None,
) -> None:
    """Create invitations and print one link per line (tokens are shown only now).

    One named person (--name N --email E), everyone in a CSV file (--csv FILE, the format of
    the recruiter's upload), or N anonymous invitations (--count N, the default is 1). Links
    use the public URL setting (SJT_PUBLIC_URL or `sjt settings set public_url`).
    """
    named = name is not None or email is not None
    modes = [named, csv_file is not None, count is not None]
    if sum(modes) > 1:
        raise fail("use one of --name/--email, --csv or --count")
    if named and (name is None or email is None):
        raise fail("--name and --email go together: give both to invite a named person")
    store = Store.open()
    base = link_base(store)
    options: dict[str, Any] = {
        "language": language.value,
        "form": form.value,
        "days": days,
        "time_limit": time_limit,
        "extra_time": extra_time,
    }
    if named or csv_file is not None:
        if csv_file is not None:
            requests = parse_invitation_csv(csv_file.read_bytes())
        else:
            requests = [request_from_form(name or "", email or "", position, language.value)]
        created = invite_candidates(store, requests, actor="cli", **options)
        for (candidate, token), request in zip(created, requests, strict=True):
            typer.echo(
                f"{candidate}\t{request.name}\t{request.email}\t{invitation_link(token, base)}"
            )
        return
    anonymous = [_anonymous_invitation(store, position, options) for _ in range(count or 1)]
    for candidate, token in anonymous:
        typer.echo(f"{candidate}\t{invitation_link(token, base)}")
    store.audit("cli", "invite", None, {"count": len(anonymous), "language": language.value})


def _anonymous_invitation(
    store: Store, position: str | None, options: dict[str, Any]
) -> tuple[str, str]:
    """A candidate without name or e-mail and their invitation: (candidate id, token)."""
    candidate = store.add_candidate(position=position)
    _, token = store.create_invitation(
        candidate,
        language=options["language"],
        form=options["form"],
        expires_in_days=options["days"],
        time_limit_minutes=options["time_limit"],
        time_multiplier=options["extra_time"],
        created_by="cli",
    )
    return candidate, token


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
