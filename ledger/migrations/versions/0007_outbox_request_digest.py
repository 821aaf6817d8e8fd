"""Outbox writes keep the digest of the client request a client's idempotency key names (issue 11): a key
repeated with another request is a conflict, a retry of the same request gets the first answer.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 07:57:53
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_writes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_digest", sa.String(length=66), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_writes", schema=None) as batch_op:
        batch_op.drop_column("request_digest")
