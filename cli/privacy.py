"""``sjt purge``, ``sjt export``, ``sjt backup``, ``sjt restore``: privacy and data safety."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from assessment.persistence.backup import backup_database
from assessment.persistence.restore import restore_database
from assessment.persistence.store import Store
from assessment.psychometrics.data_files import write_json
from assessment.recruiting.privacy import export_candidate, export_person, purge_personal_data
from assessment.settings import resolve_settings, retention_days
from cli.errors import fail, usage_error, user_errors
from cli.options import CandidateOption

AUDIT_RETENTION_VARIABLE = "SJT_AUDIT_RETENTION_DAYS"
DEFAULT_AUDIT_RETENTION_DAYS = 180.0
"""Audit entries older than this are deleted by every purge (see docs/security.md)."""


@user_errors
def purge(
    older_than: Annotated[
        float | None,
        typer.Option(
            "--older-than",
            min=0,
            help="Days since the candidate's latest activity (completed test, or invitation); "
            "default: the retention_months setting the consent notice states.",
        ),
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Only count; change nothing.")] = False,
    audit_retention: Annotated[
        float,
        typer.Option(
            "--audit-retention-days",
            envvar=AUDIT_RETENTION_VARIABLE,
            min=1,
            help="Delete audit entries older than this (addresses of guessed links, typed "
            "usernames, …); the model version history is kept.",
        ),
    ] = DEFAULT_AUDIT_RETENTION_DAYS,
) -> None:
    """Remove names, emails, positions and group answers of candidates inactive for DAYS days.

    Sessions, responses and scores stay (keyed by the random candidate id) for calibration.
    Every link of a purged candidate stops working; audit entries past the retention period
    are deleted; the database files are rewritten so that the removed values are gone.
    """
    store = Store.open()
    if older_than is None:
        months = resolve_settings(store.stored_settings(), os.environ).retention_months
        older_than = retention_days(months)
    result = purge_personal_data(
        store, older_than, dry_run=dry_run, audit_retention_days=audit_retention
    )
    counts = result.counts()
    verb = "would purge" if dry_run else "purged"
    typer.echo(
        f"{verb} the personal data of {counts['candidates']} candidate(s) inactive since "
        f"{result.cutoff:%Y-%m-%d %H:%M} UTC"
    )
    typer.echo(
        f"  group answers deleted: {counts['group_answers']}; open links closed: "
        f"{counts['invitations_closed']}"
    )
    typer.echo(
        f"  kept for calibration: {counts['sessions_kept']} sessions, "
        f"{counts['responses_kept']} responses, {counts['scores_kept']} scores"
    )
    typer.echo(
        f"  audit entries older than {audit_retention:g} days deleted: {counts['audit_entries']}"
    )
    if result.compaction is not None:
        if not result.compaction.done:
            raise fail(f"the purge is done, but {result.compaction.detail}", code=3)
        typer.echo(f"  database files: {result.compaction.detail}")


@user_errors
def export(
    candidate: CandidateOption = None,
    email: Annotated[
        str | None,
        typer.Option("--email", help="Email address: every candidate record that has it."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="JSON file to write, mode 0600 (default: standard output)."),
    ] = None,
) -> None:
    """Export everything stored about one candidate, or one person by email (access request)."""
    if (candidate is None) == (email is None):
        raise usage_error("give either --candidate ID or --email ADDRESS (one of them)")
    store = Store.open()
    if candidate is not None:
        data = export_candidate(store, candidate.strip())
        records = [data]
        who = f"candidate {candidate.strip()}"
    else:
        data = export_person(store, email or "")
        records = data["candidates"]
        who = f"{len(records)} candidate record(s) with that email address"
    if out is None:
        typer.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    write_json(out, data)
    sessions = sum(len(r["sessions"]) for r in records)
    responses = sum(len(r["responses"]) for r in records)
    scores = sum(len(r["scores"]) for r in records)
    typer.echo(
        f"exported {who}: {sessions} session(s), {responses} response(s), "
        f"{scores} score row(s) → {out}"
    )


@user_errors
def backup(
    out: Annotated[
        Path, typer.Option("--out", help="Backup file (JSON lines; gzip if it ends in .gz).")
    ],
) -> None:
    """Write every table of the database to one portable file (SQLite and PostgreSQL)."""
    store = Store.open()
    summary = backup_database(store, out)
    _audit_file(store, "backup.create", out, summary.total_rows)
    typer.echo(
        f"backed up {summary.total_rows} rows in {len(summary.counts)} tables "
        f"(schema {summary.revision}) → {out}"
    )


@user_errors
def restore(
    file: Annotated[Path, typer.Argument(help="Backup file written by `sjt backup`.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Delete every row of a non-empty database first.")
    ] = False,
) -> None:
    """Load a backup into an empty database (or, with --yes, replace the database's content)."""
    store = Store.open()
    summary = restore_database(store, file, wipe=yes)
    _audit_file(store, "backup.restore", file, summary.total_rows)
    typer.echo(
        f"restored {summary.total_rows} rows in {len(summary.counts)} tables "
        f"(backup schema {summary.revision}) from {file}"
    )


def _audit_file(store: Store, action: str, file: Path, rows: int) -> None:
    """Record a backup or restore of ``rows`` rows through ``file`` in the audit log.

    Its errors (an ``AssessmentError``) reach the user through ``user_errors``.
    """
    store.audit("cli", action, str(file)[:200], {"rows": rows})


__all__ = ["backup", "export", "purge", "restore"]
