"""Rate-limit buckets in the service database, shared by every instance that uses it (`DRL_RATE_LIMIT_SHARED`,
issue 11): several instances allow a client its rate once, not once each.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 08:20:19
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "rate_buckets",
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("due_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("client"),
    )
    op.create_index(op.f("ix_rate_buckets_due_at"), "rate_buckets", ["due_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_rate_buckets_due_at"), table_name="rate_buckets")
    op.drop_table("rate_buckets")
