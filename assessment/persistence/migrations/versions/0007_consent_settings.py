"""consent records and organisation settings (issue 14: consent text per organisation)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 23:33:39.905776
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assessment.persistence.migration_parts import create_keyed_table, moment, refers_to, string

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "settings",
        string("key", 60, nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        moment("updated_at", nullable=False),
        string("updated_by", 100, nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    create_keyed_table(
        "consent_records",
        string("session_id", 32, nullable=False),
        moment("given_at", nullable=False),
        string("language", 2, nullable=False),
        string("employer", 300, nullable=True),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("retention_months", sa.Integer(), nullable=False),
        string("contact", 300, nullable=True),
        sa.Column("notice", sa.Text(), nullable=False),
        refers_to("session_id", "sessions"),
        sa.UniqueConstraint("session_id", name="uq_consent_session"),
    )


def downgrade() -> None:
    op.drop_table("consent_records")
    op.drop_table("settings")
