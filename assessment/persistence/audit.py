"""The audit log beyond single entries: counting recent events, retention, entries about people.

``Store.audit`` writes one entry; this repository answers the questions that need more than
that, each as one short query returning plain values:

- ``count_recent``: how many entries of an action (for one target, or overall) arrived since a
  time; the count stops at ``cap`` so that a flood of entries never makes it slower than the
  cap (the throttle of guessed invitation links asks it on every unknown link, served by the
  ``ix_audit_action_target_at`` and ``ix_audit_action_at`` indexes).
- ``prune``: the retention rule; entries older than the cutoff are deleted, except the model
  version history (``model.*``), which rollback reads and which names no candidate.
- ``naming``: every entry whose target is one of the given keys (candidate and session ids, an
  email address, a typed username), for access requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, not_, select

from assessment.persistence.store import Store
from assessment.persistence.tables import AuditEntry

KEPT_PREFIXES = ("model.",)
"""Actions kept past the retention period: the model version history used by rollback."""
TARGET_CHARS = 200
"""Length of the ``target`` column; longer keys are cut to it, as when they were written."""
_CHUNK = 500


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry as plain values."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.astimezone(dt.UTC).isoformat(),
            "actor": self.actor,
            "action": self.action,
            "target": self.target,
            "detail": self.detail,
        }


class AuditLog:
    """Counting, pruning and searching the audit log of ``store``."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def count_recent(
        self, action: str, since: dt.datetime, *, target: str | None = None, cap: int
    ) -> int:
        """Entries of ``action`` (of ``target`` if given) since ``since``, at most ``cap``."""
        query = select(AuditEntry.id).where(AuditEntry.action == action, AuditEntry.at >= since)
        if target is not None:
            query = query.where(AuditEntry.target == target[:TARGET_CHARS])
        capped = query.limit(max(cap, 0)).subquery()
        with self._store.transaction() as db:
            return int(db.scalar(select(func.count()).select_from(capped)) or 0)

    def count_older(self, before: dt.datetime) -> int:
        """Entries that ``prune(before)`` would delete."""
        return self._store.count_rows(AuditEntry.id, *_prunable(before))

    def prune(self, before: dt.datetime) -> int:
        """Delete entries older than ``before`` (model history kept); returns how many."""
        with self._store.transaction() as db:
            result = db.execute(
                delete(AuditEntry).where(*_prunable(before)),
                execution_options={"synchronize_session": False},
            )
            return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def entries(self, actions: Sequence[str]) -> list[AuditRecord]:
        """Every entry of the given actions, oldest first (e.g. the model version history)."""
        with self._store.transaction() as db:
            rows = db.scalars(
                select(AuditEntry).where(AuditEntry.action.in_(actions)).order_by(AuditEntry.id)
            )
            return [_record(entry) for entry in rows]

    def naming(self, keys: Sequence[str]) -> list[AuditRecord]:
        """Entries whose target is one of ``keys``, oldest first."""
        wanted = sorted({key[:TARGET_CHARS] for key in keys if key})
        found: dict[int, AuditRecord] = {}
        with self._store.transaction() as db:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                for entry in db.scalars(select(AuditEntry).where(AuditEntry.target.in_(chunk))):
                    found[entry.id] = _record(entry)
        return [found[key] for key in sorted(found)]


def _record(entry: AuditEntry) -> AuditRecord:
    return AuditRecord(entry.id, entry.at, entry.actor, entry.action, entry.target, entry.detail)


def _prunable(before: dt.datetime) -> list[Any]:
    kept = [AuditEntry.action.startswith(prefix) for prefix in KEPT_PREFIXES]
    return [AuditEntry.at < before, *(not_(condition) for condition in kept)]


__all__ = ["KEPT_PREFIXES", "AuditLog", "AuditRecord"]
