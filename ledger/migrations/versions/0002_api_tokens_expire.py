"""API tokens expire: `api_tokens.expires_at` (issue 11 asks for tokens that can expire); NULL never expires.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 05:03:07.094934
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch_op:
        batch_op.drop_column("expires_at")
