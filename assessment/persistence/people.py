"""Finding the candidate records of one person (for access requests by email address)."""

from __future__ import annotations

from sqlalchemy import select

from assessment.persistence.store import Store
from assessment.persistence.tables import Candidate


def normalised_email(email: str) -> str:
    """The form emails are compared in: trimmed and case-folded."""
    return email.strip().casefold()


def candidate_ids_by_email(store: Store, email: str) -> list[str]:
    """Ids of every candidate record with this email address (any case), oldest first."""
    wanted = normalised_email(email)
    if not wanted:
        return []
    # compared in Python: SQLite's lower() folds ASCII letters only
    query = (
        select(Candidate.id, Candidate.email)
        .where(Candidate.email.is_not(None))
        .order_by(Candidate.created_at, Candidate.id)
        .execution_options(yield_per=5000)
    )
    with store.transaction() as db:
        return [
            cid for cid, stored in db.execute(query) if normalised_email(stored or "") == wanted
        ]


__all__ = ["candidate_ids_by_email", "normalised_email"]
