"""manifest misses retried with back-off

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 14:35:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "manifest_misses",
        sa.Column("registration_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("manifest_digest", sa.String(length=66), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("registration_id", "version"),
    )


def downgrade() -> None:
    op.drop_table("manifest_misses")
