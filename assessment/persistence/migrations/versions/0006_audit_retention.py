"""audit log indexes for throttling and retention

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 09:00:00

The throttle of guessed invitation links counts recent ``token.unknown`` entries per client
and overall on every unknown link; retention deletes entries by time. Both filter on the
action, then the target and the time: without these indexes a large audit log makes every
such request scan it.
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_action_target_at", ["action", "target", "at"], unique=False)
        batch_op.create_index("ix_audit_action_at", ["action", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_action_at")
        batch_op.drop_index("ix_audit_action_target_at")
