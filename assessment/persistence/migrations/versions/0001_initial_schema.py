"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 15:56:39.814758
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assessment.persistence.migration_parts import (
    create_indexes,
    create_keyed_table,
    drop_table_with_indexes,
    moment,
    refers_to,
    string,
)

revision = "0001"
down_revision = None


def upgrade() -> None:
    create_keyed_table(
        "audit_log",
        moment("at", nullable=False),
        string("actor", 100, nullable=False),
        string("action", 60, nullable=False),
        string("target", 200, nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        indexes=("action", "at"),
    )
    op.create_table(
        "candidates",
        string("id", 32, nullable=False),
        string("display_name", 300, nullable=True),
        string("email", 320, nullable=True),
        string("position", 200, nullable=True),
        sa.Column("synthetic", sa.Boolean(), nullable=False),
        moment("created_at", nullable=False),
        moment("purged_at", nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    create_keyed_table(
        "model_versions",
        string("label", 40, nullable=False),
        sa.Column("model_json", sa.Text(), nullable=False),
        moment("created_at", nullable=False),
        string("created_by", 100, nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("label"),
        indexes=("active",),
    )
    create_keyed_table(
        "users",
        string("username", 100, nullable=False),
        string("password_hash", 200, nullable=False),
        string("role", 20, nullable=False),
        moment("created_at", nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        moment("locked_until", nullable=True),
        moment("last_login_at", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("username"),
    )
    create_keyed_table(
        "invitations",
        string("candidate_id", 32, nullable=False),
        string("token_hash", 64, nullable=False),
        string("language", 2, nullable=False),
        string("form", 16, nullable=False),
        sa.Column("time_limit_minutes", sa.Integer(), nullable=True),
        sa.Column("time_multiplier", sa.Float(), nullable=False),
        moment("created_at", nullable=False),
        moment("expires_at", nullable=False),
        string("created_by", 100, nullable=True),
        refers_to("candidate_id", "candidates"),
        sa.UniqueConstraint("token_hash"),
        indexes=("candidate_id",),
    )
    op.create_table(
        "sessions",
        string("id", 32, nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        string("candidate_id", 32, nullable=False),
        string("form", 16, nullable=False),
        string("language", 2, nullable=False),
        string("status", 16, nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=True),
        moment("consent_at", nullable=True),
        moment("started_at", nullable=False),
        moment("deadline_at", nullable=True),
        moment("completed_at", nullable=True),
        string("pending_item_id", 32, nullable=True),
        moment("pending_shown_at", nullable=True),
        sa.Column("practice_done", sa.Boolean(), nullable=False),
        sa.Column("flags", sa.JSON(), nullable=True),
        sa.Column("rng_state", sa.Integer(), nullable=False),
        refers_to("candidate_id", "candidates"),
        refers_to("invitation_id", "invitations"),
        refers_to("model_version_id", "model_versions"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("invitation_id"),
    )
    create_indexes("sessions", "candidate_id", "status")
    create_keyed_table(
        "responses",
        string("session_id", 32, nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        string("item_id", 32, nullable=False),
        string("most", 4, nullable=False),
        string("least", 4, nullable=True),
        moment("shown_at", nullable=True),
        moment("answered_at", nullable=False),
        sa.Column("response_ms", sa.Integer(), nullable=False),
        refers_to("session_id", "sessions"),
        sa.UniqueConstraint("session_id", "item_id", name="uq_response_session_item"),
        sa.UniqueConstraint("session_id", "position", name="uq_response_session_position"),
        indexes=("session_id",),
    )
    create_keyed_table(
        "scores",
        string("session_id", 32, nullable=False),
        sa.Column("model_version_id", sa.Integer(), nullable=False),
        string("competency", 40, nullable=False),
        sa.Column("theta", sa.Float(), nullable=False),
        sa.Column("se", sa.Float(), nullable=False),
        sa.Column("t_score", sa.Float(), nullable=True),
        sa.Column("percentile", sa.Float(), nullable=True),
        sa.Column("n_items", sa.Integer(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        moment("created_at", nullable=False),
        refers_to("model_version_id", "model_versions"),
        refers_to("session_id", "sessions"),
    )
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index("ix_scores_session_current", ["session_id", "current"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_index("ix_scores_session_current")
    op.drop_table("scores")
    drop_table_with_indexes("responses", "session_id")
    drop_table_with_indexes("sessions", "status", "candidate_id")
    drop_table_with_indexes("invitations", "candidate_id")
    op.drop_table("users")
    drop_table_with_indexes("model_versions", "active")
    op.drop_table("candidates")
    drop_table_with_indexes("audit_log", "at", "action")
