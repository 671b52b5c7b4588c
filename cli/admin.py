"""``sjt demo``, ``sjt invite``: demo data and invitations (staff accounts: ``cli/users.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from assessment.access.demo_account import DEMO_ADMIN, ensure_demo_admin
from assessment.demo import seed_demo
from assessment.persistence.store import Store
from assessment.recruiting.invitations import (
    invitation_link,
    invite_candidates,
    link_base,
    parse_invitation_csv,
    request_from_form,
)
from cli.errors import usage_error, user_errors
from cli.mail import send_and_report, settings_or_fail
from cli.options import FormChoice, LanguageChoice, SeedOption
from items import load_bank


@user_errors
def demo(
    candidates: Annotated[int, typer.Option("--candidates", min=1, max=5000)] = 60,
    seed: SeedOption = 2026,
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
        LanguageChoice,
        typer.Option("--language", help="Test language (a CSV row may set its own)."),
    ] = LanguageChoice.en,
    form: Annotated[FormChoice, typer.Option("--form")] = FormChoice.adaptive,
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
    send: Annotated[
        bool, typer.Option("--send", help="E-mail the invitations (SJT_SMTP_* settings).")
    ] = False,
) -> None:
    """Create invitations and print one link per line (tokens are shown only now).

    One named person (--name N --email E), everyone in a CSV file (--csv FILE, the format of
    the recruiter's upload), or N anonymous invitations (--count N, the default is 1). Links
    use the public URL setting (SJT_PUBLIC_URL or `sjt settings set public_url`). With --send,
    the named invitations are also e-mailed (SJT_SMTP_* settings); the command then fails if
    any e-mail failed, and the links it printed still work.
    """
    named = name is not None or email is not None
    modes = [named, csv_file is not None, count is not None]
    if sum(modes) > 1:
        raise usage_error("use one of --name/--email, --csv or --count")
    if named and (name is None or email is None):
        raise usage_error("--name and --email go together: give both to invite a named person")
    if send and not (named or csv_file is not None):
        raise usage_error("--send needs --name and --email, or --csv FILE (to know whom to e-mail)")
    mail = settings_or_fail() if send else None  # checked before anything is created
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
        if mail is not None:
            send_and_report(store, mail, created, base)
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


__all__ = ["demo", "invite"]
