"""staff sessions, known devices, sign-in throttles; account session versions

Server-side staff sessions replace the browser-held sign-in (issue 11 item 3, issue 14 item 8):
every staff action re-checks the account, its role and its session version. Failed sign-ins are
throttled in ``sign_in_throttles`` instead of locking accounts, so ``users`` loses
``failed_logins`` and ``locked_until``. An existing ``demo-admin`` (whose password older versions
printed on every ``make run``) is marked as the demo account and must change its password.

Revision ID: 0005
Revises: 0002
Create Date: 2026-12-05 23:34:54.592414
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from assessment.persistence.migration_parts import (
    create_keyed_table,
    drop_table_with_indexes,
    moment,
    refers_to,
    string,
)

revision = "0005"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "sign_in_throttles",
        string("key_hash", 64, nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        moment("last_failure_at", nullable=False),
        moment("blocked_until", nullable=True),
        sa.PrimaryKeyConstraint("key_hash"),
    )
    create_keyed_table(
        "staff_devices",
        sa.Column("user_id", sa.Integer(), nullable=False),
        string("device_hash", 64, nullable=False),
        moment("created_at", nullable=False),
        moment("last_used_at", nullable=False),
        refers_to("user_id", "users", ondelete="CASCADE"),
        sa.UniqueConstraint("user_id", "device_hash", name="uq_staff_device"),
        indexes=("user_id",),
    )
    create_keyed_table(
        "staff_sessions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        string("token_hash", 64, nullable=True),
        string("ticket_hash", 64, nullable=True),
        moment("ticket_expires_at", nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        string("method", 16, nullable=False),
        moment("created_at", nullable=False),
        moment("last_seen_at", nullable=False),
        moment("expires_at", nullable=False),
        moment("ended_at", nullable=True),
        string("end_reason", 40, nullable=True),
        string("sso_key", 64, nullable=True),
        refers_to("user_id", "users", ondelete="CASCADE"),
        sa.UniqueConstraint("sso_key"),
        sa.UniqueConstraint("ticket_hash"),
        sa.UniqueConstraint("token_hash"),
        indexes=("user_id",),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("session_version", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "must_change_password", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch_op.add_column(
            sa.Column("sign_in", sa.String(length=16), server_default="password", nullable=False)
        )
        batch_op.add_column(
            sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.drop_column("failed_logins")
        batch_op.drop_column("locked_until")

    users = sa.table(
        "users",
        sa.column("username", sa.String),
        sa.column("demo", sa.Boolean),
        sa.column("must_change_password", sa.Boolean),
    )
    op.execute(
        users.update()
        .where(users.c.username == "demo-admin")
        .values(demo=True, must_change_password=True)
    )


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(moment("locked_until", nullable=True))
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.drop_column("demo")
        batch_op.drop_column("sign_in")
        batch_op.drop_column("must_change_password")
        batch_op.drop_column("session_version")

    drop_table_with_indexes("staff_sessions", "user_id")
    drop_table_with_indexes("staff_devices", "user_id")
    op.drop_table("sign_in_throttles")
