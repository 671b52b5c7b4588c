"""Making deleted data leave the database files (after a purge).

Deleting or overwriting a row does not erase its bytes: SQLite keeps the old page in the main
file until a checkpoint copies the new one over it (and the old version stays in the WAL after
a passive checkpoint); PostgreSQL keeps old row versions until VACUUM removes them. ``compact``
rewrites what is needed: on SQLite ``VACUUM`` (the whole file is rebuilt from live rows) and a
``wal_checkpoint(TRUNCATE)`` (the WAL is copied into the file and cut to zero bytes); on
PostgreSQL ``VACUUM (ANALYZE)`` of the tables a purge touched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assessment.persistence.failures import translates_database_errors
from assessment.persistence.store import Store

POSTGRES_VACUUM = {
    "candidates": "VACUUM (ANALYZE) candidates",
    "invitations": "VACUUM (ANALYZE) invitations",
    "group_memberships": "VACUUM (ANALYZE) group_memberships",
    "audit_log": "VACUUM (ANALYZE) audit_log",
}
"""One fixed statement per table a purge may touch (table names cannot be bound parameters)."""


@dataclass(frozen=True)
class Compaction:
    """Whether the files were rewritten, and what was done or what stood in the way."""

    done: bool
    detail: str


@translates_database_errors
def compact(store: Store, tables: Sequence[str]) -> Compaction:
    """Rewrite the database files so that deleted and overwritten values are gone from them.

    ``tables`` are the tables whose rows changed (PostgreSQL vacuums only those; SQLite
    rebuilds the whole file). Needs no open transaction in this process; other connections
    may read meanwhile, but an SQLite reader in the middle of a transaction can keep the WAL
    from being cut, which the result reports (run the purge again later).
    """
    unknown = sorted(set(tables) - set(POSTGRES_VACUUM))
    if unknown:
        raise ValueError(f"no compaction statement for table(s) {unknown}")
    dialect = store.engine.dialect.name
    with store.engine.connect() as connection:
        autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
        if dialect == "sqlite":
            autocommit.exec_driver_sql("VACUUM")
            busy, frames, copied = autocommit.exec_driver_sql(
                "PRAGMA wal_checkpoint(TRUNCATE)"
            ).one()
            if busy:
                return Compaction(
                    False,
                    f"SQLite file rebuilt, but {frames - copied} WAL frame(s) could not be "
                    "copied while another process was reading; run the purge again later",
                )
            return Compaction(True, "SQLite file rebuilt (VACUUM) and its WAL truncated")
        if dialect == "postgresql":
            for table in tables:
                autocommit.exec_driver_sql(POSTGRES_VACUUM[table])
            return Compaction(True, f"PostgreSQL VACUUM of {', '.join(tables)}")
    return Compaction(False, f"no compaction known for {dialect}")


__all__ = ["POSTGRES_VACUUM", "Compaction", "compact"]
