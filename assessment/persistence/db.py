"""Database engine and schema migrations.

``SJT_DATABASE_URL`` (an SQLAlchemy URL) selects the database; without it an SQLite file
``data/sjt.db`` under the working directory is used, in WAL mode with a busy timeout so
concurrent candidates do not see "database is locked". The SQLite file is created readable by
its owner only (``assessment.persistence.private``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from assessment.persistence.fair_pool import FairQueuePool
from assessment.persistence.private import create_private, private_folder, tighten

DEFAULT_SQLITE = Path("data") / "sjt.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
POSTGRES_POOL_SIZE = 10
"""Connections a process keeps open to PostgreSQL; as many again are opened at peaks."""


def database_url(url: str | None = None) -> str:
    """The URL to use: the argument, else ``SJT_DATABASE_URL``, else ``sqlite:///data/sjt.db``."""
    return url or os.environ.get("SJT_DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"


def busy_timeout_ms() -> int:
    """How long SQLite waits for a lock before giving up (``SJT_SQLITE_BUSY_MS``, default 10 s)."""
    try:
        return max(0, int(os.environ.get("SJT_SQLITE_BUSY_MS", "10000")))
    except ValueError:
        return 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms()}")
    cursor.close()


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for ``url`` (see ``database_url``), creating the SQLite folder."""
    resolved = make_url(database_url(url))
    if resolved.get_backend_name() == "sqlite":
        if resolved.database and resolved.database != ":memory:":
            _private_sqlite_file(Path(resolved.database))
        # A small pool with a long wait: SQLite has one writer at a time, so a few connections
        # give all the throughput there is, and threads queue fairly (``FairQueuePool``) for a
        # connection instead of polling for the file lock (which starves some of them past the
        # busy timeout).
        engine = create_engine(
            resolved,
            poolclass=FairQueuePool,
            connect_args={"timeout": busy_timeout_ms() / 1000, "check_same_thread": False},
            pool_size=8,
            max_overflow=0,
            pool_timeout=300,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # Threads wait for a connection in arrival order (``FairQueuePool``), and the store holds
    # one only for a short transaction, never through scoring or item selection. One Python
    # process runs one thread at a time, so more connections do not answer faster: the load
    # benchmark (300 candidates) gave the same throughput with 10 connections as with 50.
    # Twenty per process leaves room for several app processes (docs/scale-out.md) within
    # PostgreSQL's default max_connections of 100. pre-ping replaces connections dropped by a
    # server restart before they are used.
    return create_engine(
        resolved,
        poolclass=FairQueuePool,
        pool_pre_ping=True,
        pool_size=POSTGRES_POOL_SIZE,
        max_overflow=POSTGRES_POOL_SIZE,
        pool_timeout=120,
    )


def _private_sqlite_file(path: Path) -> None:
    """Create the database file 0600 (its folder 0700) before SQLite does, or tighten it.

    SQLite gives its ``-wal`` and ``-shm`` files the mode of the database file.
    """
    private_folder(path.parent)
    create_private(path)
    for suffix in ("-wal", "-shm", "-journal"):
        tighten(path.with_name(path.name + suffix))


def alembic_config(engine: Engine) -> Config:
    """An Alembic configuration pointing at the packaged migrations and ``engine``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (idempotent)."""
    with engine.begin() as connection:
        config = alembic_config(engine)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
