"""Database fixtures: every store test runs on SQLite and on PostgreSQL.

PostgreSQL tests create and drop their own database on 127.0.0.1:5432 (trust auth) and are
skipped, with the reason shown, only when no server answers.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from assessment.persistence.store import Store
from tests.stores import opened_store

POSTGRES_ADMIN_URL = os.environ.get(
    "SJT_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_database() -> Iterator[str]:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            name = f"sjt_test_{secrets.token_hex(4)}"
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def postgres_store() -> Iterator[Store]:
    """A migrated store on a fresh PostgreSQL database only."""
    for url in _postgres_database():
        with opened_store(url) as opened:
            yield opened


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated store on each backend."""
    with opened_store(database_url) as opened:
        yield opened


def store_at_revision(url: str, revision: str) -> Store:
    """A store whose schema is migrated only up to ``revision`` (for older backups)."""
    from alembic import command

    from assessment.persistence.db import alembic_config

    opened = Store.open(url, migrate=False)
    with opened.engine.begin() as connection:
        config = alembic_config(opened.engine)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return opened
