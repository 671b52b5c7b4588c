"""``sjt remind`` and the named invitations of ``sjt invite`` (``--name/--email``, ``--csv``,
``--send``): invitations and reminders by e-mail through the SMTP settings."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from typing import Annotated

import typer

from assessment.persistence.store import Store
from assessment.recruiting.invitations import (
    invitation_link,
)
from assessment.recruiting.mail_settings import NOT_CONFIGURED, SmtpSettings, smtp_settings
from assessment.recruiting.mailing import (
    MAX_REMINDERS,
    REMIND_AFTER,
    MailOutcome,
    send_invitations,
    send_reminders,
)
from cli.errors import fail, user_errors


def settings_or_fail() -> SmtpSettings:
    """The SMTP settings from the environment; exits with the reason when there are none."""
    settings = smtp_settings(os.environ)
    if settings is None:
        raise fail(NOT_CONFIGURED)
    return settings


def report(outcomes: Sequence[MailOutcome], *, to_stderr: bool = False) -> int:
    """Print one line per e-mail (id, kind, status, detail), failures on standard error;
    returns how many failed."""
    for outcome in outcomes:
        detail = outcome.error or ""
        if outcome.retry_at is not None:
            detail += f" (retried from {outcome.retry_at:%Y-%m-%d %H:%M} UTC by `sjt remind`)"
        line = "\t".join([outcome.candidate_id, outcome.kind, outcome.status, detail]).rstrip()
        typer.echo(line, err=to_stderr or outcome.status == "failed")
    return sum(outcome.status == "failed" for outcome in outcomes)


def send_and_report(
    store: Store, settings: SmtpSettings, created: Sequence[tuple[str, str]], base: str
) -> None:
    """E-mail invitations just created (links on ``base``); the report goes to standard
    error so standard output keeps one link per line. Fails if any e-mail failed."""
    links = [(token, invitation_link(token, base)) for _, token in created]
    failed = report(send_invitations(store, settings, links, actor="cli"), to_stderr=True)
    if failed:
        raise fail(
            f"{failed} of {len(created)} e-mail(s) failed; the links above still work, and "
            "`sjt remind` retries temporary failures"
        )


@user_errors
def remind(
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="List what would be sent; send nothing.")
    ] = False,
    after_days: Annotated[
        float,
        typer.Option("--after-days", min=0.01, help="Days since the last e-mail to a candidate."),
    ] = REMIND_AFTER / dt.timedelta(days=1),
    max_reminders: Annotated[
        int, typer.Option("--max", min=0, max=10, help="Reminders per invitation at most.")
    ] = MAX_REMINDERS,
) -> None:
    """E-mail reminders for open invitations and retry failed e-mails whose time has come.

    Reminders go to candidates whose invitation was e-mailed and who have not started or not
    finished the test, never to completed, expired, purged or synthetic candidates. Each
    reminder carries a fresh link to the same invitation. Run it regularly (e.g. daily).
    """
    settings = None if dry_run else settings_or_fail()
    outcomes = send_reminders(
        Store.open(),
        settings,
        actor="cli",
        dry_run=dry_run,
        after=dt.timedelta(days=after_days),
        max_reminders=max_reminders,
    )
    failed = report(outcomes)
    verb = "would send" if dry_run else "sent"
    sent = sum(outcome.status in ("sent", "due") for outcome in outcomes)
    typer.echo(f"remind: {verb} {sent} e-mail(s); {failed} failed", err=True)
    if failed:
        raise typer.Exit(1)


__all__ = ["remind", "send_and_report", "settings_or_fail"]
