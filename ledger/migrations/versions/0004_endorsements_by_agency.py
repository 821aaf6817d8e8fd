"""Endorsements are keyed by (agency, report digest), as the Endorsements contract now keeps them (issue 11):
a rival agency can no longer take another's report digest, and two agencies may endorse the same report.

The primary key changes, which SQLite cannot alter in place: the rows move to a new table.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 06:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = "agency, report_digest, registration_id, kind, withdrawn, block_number"


def _endorsements(name: str, key: tuple[str, ...]) -> None:
    op.create_table(
        name,
        sa.Column("agency", sa.String(length=42), nullable=False),
        sa.Column("report_digest", sa.String(length=66), nullable=False),
        sa.Column("registration_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.Integer(), nullable=False),
        sa.Column("withdrawn", sa.Boolean(), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(*key, name="pk_endorsements_" + "_".join(key)),  # a name the old key lacks
    )


def _move(key: tuple[str, ...]) -> None:
    _endorsements("endorsements_moved", key)
    op.execute(f"INSERT INTO endorsements_moved ({COLUMNS}) SELECT {COLUMNS} FROM endorsements")  # noqa: S608 - constants
    op.drop_index(op.f("ix_endorsements_registration_id"), table_name="endorsements")
    op.drop_index(op.f("ix_endorsements_agency"), table_name="endorsements")
    op.drop_table("endorsements")
    op.rename_table("endorsements_moved", "endorsements")
    op.create_index(op.f("ix_endorsements_agency"), "endorsements", ["agency"], unique=False)
    op.create_index(op.f("ix_endorsements_registration_id"), "endorsements", ["registration_id"], unique=False)


def upgrade() -> None:
    _move(("agency", "report_digest"))


def downgrade() -> None:
    _move(("report_digest",))
