"""Draft pins: evidence pinned for drafts never submitted is released after a configured time (issue 11).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 06:21:13.033675
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "draft_pins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("draft_id", sa.String(length=64), nullable=False),
        sa.Column("cid", sa.String(length=128), nullable=False),
        sa.Column("pinned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("draft_pins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_draft_pins_cid"), ["cid"], unique=False)
        batch_op.create_index(batch_op.f("ix_draft_pins_draft_id"), ["draft_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("draft_pins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_draft_pins_draft_id"))
        batch_op.drop_index(batch_op.f("ix_draft_pins_cid"))

    op.drop_table("draft_pins")
