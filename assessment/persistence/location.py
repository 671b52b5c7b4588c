"""Where the configured database lives, without opening it: for SQLite, its file.

Commands that write files ask this before they run, so that ``--out`` can never name the
database file itself (``sjt backup --out data/sjt.db`` would overwrite what it backs up).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from assessment.persistence.db import database_url


def sqlite_file(url: str | None = None) -> Path | None:
    """The file of the database ``url`` (default: ``database_url()``) when it is an SQLite
    file; None for another database, an in-memory one, or a URL that cannot be read (the
    command reports that when it connects)."""
    try:
        parsed = make_url(database_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


__all__ = ["sqlite_file"]
