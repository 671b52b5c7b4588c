"""Alembic environment: runs migrations on the connection given by ``assessment.persistence.db``."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import assessment.persistence.staff_tables  # noqa: F401  (registers the staff tables)
from assessment.persistence import mail_tables  # noqa: F401 (registers the mail tables)
from assessment.persistence.tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        engine = config.attributes["engine"]
        with engine.begin() as connection:
            _run(connection)
    else:
        _run(connection)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
