"""evidence entries listed in log order

A registration's and a licence's evidence entries are listed newest first (the verification report shows
the newest 20): the two indexes gain the log index, so the list is read in order from the index instead of
every entry of the registration being sorted.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 18:45:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

INDEXES = {"ix_evidence_entries_registration": "registration_id", "ix_evidence_entries_licence": "licence_id"}


def upgrade() -> None:
    for name, column in INDEXES.items():
        op.drop_index(name, table_name="evidence_entries")
        op.create_index(name, "evidence_entries", [column, "log_index"])


def downgrade() -> None:
    for name, column in INDEXES.items():
        op.drop_index(name, table_name="evidence_entries")
        op.create_index(name, "evidence_entries", [column])
