"""group memberships for fairness monitoring

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 16:11:59.409048
"""

from __future__ import annotations

import sqlalchemy as sa

from assessment.persistence.migration_parts import (
    create_keyed_table,
    drop_table_with_indexes,
    moment,
    refers_to,
    string,
)

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    create_keyed_table(
        "group_memberships",
        string("session_id", 32, nullable=False),
        string("field", 40, nullable=False),
        string("value", 100, nullable=False),
        moment("created_at", nullable=False),
        refers_to("session_id", "sessions"),
        sa.UniqueConstraint("session_id", "field", name="uq_group_session_field"),
        indexes=("session_id",),
    )


def downgrade() -> None:
    drop_table_with_indexes("group_memberships", "session_id")
