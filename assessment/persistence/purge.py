"""Erasing candidates' personal data in the tables, keeping their anonymous test data.

``purge_candidates`` is the one transaction of a purge: it finds the candidates whose latest
activity is older than a cutoff, counts what they have stored and, unless counting only, clears
their personal fields, deletes their group answers and closes their open links. The rules
around it (limits, audit retention, the audit entry, compaction) are in
``assessment.recruiting.privacy``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from assessment.persistence.store import Store
from assessment.persistence.tables import (
    SESSION_DATA,
    Candidate,
    GroupMembership,
    Invitation,
    ResponseRow,
    TestSession,
)

PURGED_TABLES = ("candidates", "invitations", "group_memberships", "audit_log")
"""The tables whose rows a purge changes or deletes (rewritten afterwards)."""
_CHUNK = 500  # ids per IN (...) list


@dataclass(frozen=True)
class PurgedRows:
    """The candidates a purge took (or would take) and the rows it removed or kept."""

    candidate_ids: tuple[str, ...]
    group_answers: int
    invitations_closed: int
    sessions_kept: int
    responses_kept: int
    scores_kept: int


def last_activity(db: Session) -> dict[str, dt.datetime]:
    """Candidate id → time of their latest activity.

    The latest of: record creation, invitation creation, session start and completion, and
    any answer given. A candidate who never started has the creation time of their latest
    invitation; one who completed a test, at least the completion time.
    """
    latest: dict[str, dt.datetime] = {}
    queries = [
        select(Candidate.id, Candidate.created_at),
        select(Invitation.candidate_id, func.max(Invitation.created_at)).group_by(
            Invitation.candidate_id
        ),
        select(TestSession.candidate_id, func.max(TestSession.started_at)).group_by(
            TestSession.candidate_id
        ),
        select(TestSession.candidate_id, func.max(TestSession.completed_at)).group_by(
            TestSession.candidate_id
        ),
        select(TestSession.candidate_id, func.max(ResponseRow.answered_at))
        .join(ResponseRow, ResponseRow.session_id == TestSession.id)
        .group_by(TestSession.candidate_id),
    ]
    for query in queries:
        for candidate_id, at in db.execute(query).all():
            if at is not None and (candidate_id not in latest or at > latest[candidate_id]):
                latest[candidate_id] = at
    return latest


def _chunks(values: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def purge_candidates(
    store: Store, cutoff: dt.datetime, now: dt.datetime, *, dry_run: bool
) -> PurgedRows:
    """Purge, in one transaction, every candidate not purged before whose latest activity is
    older than ``cutoff``: ``display_name``, ``email`` and ``position`` become NULL,
    ``purged_at`` becomes ``now``, group answers are deleted and open invitations expire at
    ``now``. Sessions, responses and scores stay. ``dry_run`` only counts."""
    with store.transaction() as db:
        activity = last_activity(db)
        purged = set(db.scalars(select(Candidate.id).where(Candidate.purged_at.is_not(None))))
        due = sorted(cid for cid, at in activity.items() if at < cutoff and cid not in purged)
        totals = dict.fromkeys(("invitations", "sessions", *SESSION_DATA), 0)
        for chunk in _chunks(due):
            sessions = select(TestSession.id).where(TestSession.candidate_id.in_(chunk))
            still_open = (Invitation.candidate_id.in_(chunk), Invitation.expires_at > now)
            count = {
                "invitations": select(func.count(Invitation.id)).where(*still_open),
                "sessions": select(func.count(TestSession.id)).where(
                    TestSession.candidate_id.in_(chunk)
                ),
            } | {
                key: select(func.count(table.id)).where(table.session_id.in_(sessions))
                for key, table in SESSION_DATA.items()
            }
            for key, query in count.items():
                totals[key] += int(db.scalar(query) or 0)
            if dry_run:
                continue
            no_sync = {"synchronize_session": False}
            db.execute(
                update(Candidate)
                .where(Candidate.id.in_(chunk))
                .values(display_name=None, email=None, position=None, purged_at=now),
                execution_options=no_sync,
            )
            db.execute(
                delete(GroupMembership).where(GroupMembership.session_id.in_(sessions)),
                execution_options=no_sync,
            )
            db.execute(
                update(Invitation).where(*still_open).values(expires_at=now),
                execution_options=no_sync,
            )
    return PurgedRows(
        candidate_ids=tuple(due),
        group_answers=totals["group_answers"],
        invitations_closed=totals["invitations"],
        sessions_kept=totals["sessions"],
        responses_kept=totals["responses"],
        scores_kept=totals["scores"],
    )


__all__ = ["PURGED_TABLES", "PurgedRows", "last_activity", "purge_candidates"]
