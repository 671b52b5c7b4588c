"""Privacy operations: purge personal data and export one candidate's data.

- ``purge_personal_data`` removes names, email addresses, positions and voluntary group answers
  of candidates without recent activity, and keeps their anonymous sessions, responses and
  scores for calibration.
- ``export_candidate`` gathers everything stored about one candidate, ``export_person``
  everything about one email address across all its candidate records (access requests).

Backup and restore of the whole database live in ``assessment.persistence.backup``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from typing import Any

from assessment.clock import utcnow
from assessment.errors import PrivacyError
from assessment.persistence.audit import AuditLog
from assessment.persistence.backup import plain
from assessment.persistence.candidate_export import candidate_records
from assessment.persistence.maintenance import Compaction, compact
from assessment.persistence.people import candidate_ids_by_email, normalised_email
from assessment.persistence.purge import PURGED_TABLES, PurgedRows, purge_candidates
from assessment.persistence.store import Store

EXPORT_FORMAT = "sjt-candidate-export"
PERSON_EXPORT_FORMAT = "sjt-person-export"
MAX_DAYS = 36_500
"""The longest period a purge or retention setting accepts (100 years)."""


# ------------------------------------------------------------------------------ purge
@dataclass(frozen=True, kw_only=True)
class PurgeResult(PurgedRows):
    """What a purge removed (or, with ``dry_run``, would remove) and what it kept."""

    cutoff: dt.datetime
    dry_run: bool
    audit_entries: int = 0
    """Audit entries older than the retention period removed (or that would be removed)."""
    compaction: Compaction | None = None
    """How the database files were rewritten (None for a dry run or when nothing changed)."""

    @property
    def candidates(self) -> int:
        return len(self.candidate_ids)

    def counts(self) -> dict[str, int]:
        """The counts as a plain mapping (for the audit log and the command line)."""
        return {
            "candidates": self.candidates,
            "group_answers": self.group_answers,
            "invitations_closed": self.invitations_closed,
            "sessions_kept": self.sessions_kept,
            "responses_kept": self.responses_kept,
            "scores_kept": self.scores_kept,
            "audit_entries": self.audit_entries,
        }


def purge_personal_data(
    store: Store,
    older_than_days: float,
    *,
    now: dt.datetime | None = None,
    dry_run: bool = False,
    actor: str = "cli",
    audit_retention_days: float | None = None,
) -> PurgeResult:
    """Remove the personal data of candidates whose latest activity is older than the cutoff.

    For each such candidate not purged before: ``display_name``, ``email`` and ``position``
    become NULL, ``purged_at`` is set, their voluntary group answers are deleted and every
    link of theirs stops working (open invitations expire now; a started test cannot be
    resumed). Sessions, responses and scores stay, keyed only by the random candidate id, so
    calibration data is not lost. With ``audit_retention_days``, audit entries older than that
    (addresses of guessed links, typed usernames, …) are deleted too, except the model version
    history. One audit entry records the counts. The candidates are purged in one transaction;
    then the old audit entries are deleted and the database files rewritten so that the removed
    values are gone from them (``assessment.persistence.maintenance.compact``). ``dry_run``
    only counts.
    """
    for name, days in (
        ("--older-than", older_than_days),
        ("audit retention", audit_retention_days),
    ):
        if days is not None and not 0 <= days <= MAX_DAYS:
            raise PrivacyError(f"{name} must be a number of days from 0 to {MAX_DAYS}, got {days}")
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=older_than_days)
    audit = AuditLog(store)
    audit_before = (
        None if audit_retention_days is None else now - dt.timedelta(days=audit_retention_days)
    )
    audit_entries = 0 if audit_before is None else audit.count_older(audit_before)
    rows = purge_candidates(store, cutoff, now, dry_run=dry_run)
    result = PurgeResult(**vars(rows), cutoff=cutoff, dry_run=dry_run, audit_entries=audit_entries)
    if dry_run:
        return result
    if audit_before is not None:
        result = replace(result, audit_entries=audit.prune(audit_before))
    detail: dict[str, Any] = {
        **result.counts(),
        "older_than_days": older_than_days,
        "cutoff": cutoff.isoformat(),
        "audit_retention_days": audit_retention_days,
    }
    store.audit(actor, "privacy.purge", None, detail)
    if result.candidates or result.audit_entries:
        result = replace(result, compaction=compact(store, PURGED_TABLES))
    return result


def export_candidate(
    store: Store, candidate_id: str, *, actor: str = "cli", now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything stored about one candidate, as JSON-ready data (for an access request).

    The candidate row; their invitations (without the token hash, which is a credential, not
    personal data); sessions with their data-quality flags; responses; scores including those
    replaced by rescoring (``current`` false); voluntary group answers; and audit entries that
    name the candidate or one of their sessions; the log of e-mails sent to them. The export
    itself is audit-logged.
    """
    record = candidate_records(store, [candidate_id]).get(candidate_id)
    if record is None:
        raise PrivacyError(
            f"no candidate with id {candidate_id!r}; candidate ids look like C1A2B3C4D5E "
            "and are shown in the recruiter's candidate list"
        )
    store.audit(actor, "privacy.export", candidate_id)
    return {"format": EXPORT_FORMAT, "exported_at": plain(now or utcnow()), **record}


def export_person(
    store: Store, email: str, *, actor: str = "cli", now: dt.datetime | None = None
) -> dict[str, Any]:
    """Everything stored about the person with this email address, across all invitations.

    A person invited twice is two candidate records; both are exported (each as
    ``export_candidate`` gives it), with the audit entries that name the email address itself
    (for example a sign-in attempt typed with it). Emails match trimmed and case-folded.
    Purged records no longer hold the address and cannot be found by it. Each exported
    candidate is audit-logged, without the address.
    """
    ids = candidate_ids_by_email(store, email)
    if not ids:
        raise PrivacyError(
            "no candidate has this email address (emails are compared ignoring case and "
            "surrounding spaces; purged candidates no longer have one); try sjt export "
            "--candidate ID with an id from the recruiter's candidate list"
        )
    found = candidate_records(store, ids)
    records = [found[candidate_id] for candidate_id in ids if candidate_id in found]
    addresses = {email, email.strip(), normalised_email(email)}
    addresses |= {str(r["candidate"]["email"]) for r in records if r["candidate"]["email"]}
    naming_email = AuditLog(store).naming(sorted(addresses))
    for candidate_id in ids:
        store.audit(actor, "privacy.export", candidate_id, {"by": "email", "records": len(ids)})
    return {
        "format": PERSON_EXPORT_FORMAT,
        "exported_at": plain(now or utcnow()),
        "email": email.strip(),
        "candidates": records,
        "audit_entries_naming_the_email": [entry.as_dict() for entry in naming_email],
    }


__all__ = [
    "PurgeResult",
    "export_candidate",
    "export_person",
    "purge_personal_data",
]
