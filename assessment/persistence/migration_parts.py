"""The column, key and index shapes the Alembic migrations repeat, written once.

Migrations are frozen history: these helpers only spell the same DDL shorter, so an upgrade
from an empty database gives exactly the schema the migrations wrote out by hand. Index names
follow Alembic's ``ix_<table>_<column>`` convention (the name ``batch_op.f`` marks as final).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from assessment.persistence.tables import UTCDateTime


def serial_id() -> sa.Column[Any]:
    """The integer primary key most tables start with."""
    return sa.Column("id", sa.Integer(), autoincrement=True, nullable=False)


def create_keyed_table(
    name: str, *items: sa.Column[Any] | sa.Constraint, indexes: tuple[str, ...] = ()
) -> None:
    """Create table ``name`` keyed by ``serial_id``: its columns, foreign keys, primary key and
    unique constraints, in the order Alembic's autogenerate writes them; then an index on each
    column in ``indexes`` (``create_indexes``; ``drop_table_with_indexes`` drops them)."""
    columns = [item for item in items if isinstance(item, sa.Column)]
    keys = [item for item in items if isinstance(item, sa.ForeignKeyConstraint)]
    rest = [item for item in items if not isinstance(item, sa.Column | sa.ForeignKeyConstraint)]
    op.create_table(name, serial_id(), *columns, *keys, sa.PrimaryKeyConstraint("id"), *rest)
    if indexes:
        create_indexes(name, *indexes)


def moment(name: str, *, nullable: bool) -> sa.Column[Any]:
    """A timezone-aware UTC timestamp column."""
    return sa.Column(name, UTCDateTime(timezone=True), nullable=nullable)


def string(name: str, length: int, *, nullable: bool) -> sa.Column[Any]:
    """A bounded string column."""
    return sa.Column(name, sa.String(length=length), nullable=nullable)


def refers_to(column: str, table: str, *, ondelete: str | None = None) -> sa.ForeignKeyConstraint:
    """``column`` references ``table.id``."""
    return sa.ForeignKeyConstraint([column], [f"{table}.id"], ondelete=ondelete)


def index_name(table: str, column: str) -> str:
    """Alembic's name for the single-column index on ``table.column``."""
    return f"ix_{table}_{column}"


def create_indexes(table: str, *columns: str) -> None:
    """One non-unique index per column of ``table``, named ``ix_<table>_<column>``."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(index_name(table, column)), [column], unique=False)


def drop_indexes(table: str, *columns: str) -> None:
    """Drop the indexes ``create_indexes`` made, in the order given."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.drop_index(batch_op.f(index_name(table, column)))


def drop_table_with_indexes(table: str, *columns: str) -> None:
    """Drop ``table`` after its single-column indexes."""
    drop_indexes(table, *columns)
    op.drop_table(table)
