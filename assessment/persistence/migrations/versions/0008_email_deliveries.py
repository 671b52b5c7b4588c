"""invitation e-mails: delivery log and extra invitation links

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 10:00:00.000000
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

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    create_keyed_table(
        "email_deliveries",
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        string("candidate_id", 32, nullable=False),
        string("kind", 16, nullable=False),
        string("language", 2, nullable=False),
        string("status", 8, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        moment("created_at", nullable=False),
        string("created_by", 100, nullable=True),
        moment("last_attempt_at", nullable=True),
        moment("next_attempt_at", nullable=True),
        moment("sent_at", nullable=True),
        string("error", 500, nullable=True),
        refers_to("candidate_id", "candidates"),
        refers_to("invitation_id", "invitations"),
        indexes=("candidate_id", "invitation_id", "status"),
    )
    create_keyed_table(
        "invitation_tokens",
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        string("token_hash", 64, nullable=False),
        string("purpose", 16, nullable=False),
        moment("created_at", nullable=False),
        refers_to("invitation_id", "invitations"),
        sa.UniqueConstraint("token_hash"),
        indexes=("invitation_id",),
    )


def downgrade() -> None:
    drop_table_with_indexes("invitation_tokens", "invitation_id")
    drop_table_with_indexes("email_deliveries", "status", "invitation_id", "candidate_id")
