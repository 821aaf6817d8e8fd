"""The schema as it was when migrations began (what `create_all` made before).

A database created before migrations is adopted: this revision creates only the tables it lacks
(a database only the CLI had used has no service tables). Every later revision is ordinary DDL.

Revision ID: 0001
Revises:
Create Date: 2026-11-30 05:01:52.920128
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "anchors" not in existing:
        op.create_table(
            "anchors",
            sa.Column("anchorer", sa.String(length=42), nullable=False),
            sa.Column("root", sa.String(length=66), nullable=False),
            sa.Column("size", sa.BigInteger(), nullable=False),
            sa.Column("metadata_digest", sa.String(length=66), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            sa.Column("tx_hash", sa.String(length=66), nullable=False),
            sa.PrimaryKeyConstraint("anchorer", "root"),
        )
    if "api_tokens" not in existing:
        op.create_table(
            "api_tokens",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("token_hash", sa.String(length=64), nullable=False),
            sa.Column("address", sa.String(length=42), nullable=False),
            sa.Column("roles", sa.JSON(), nullable=False),
            sa.Column("label", sa.String(length=200), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("token_hash"),
        )
        op.create_index(op.f("ix_api_tokens_address"), "api_tokens", ["address"], unique=False)
    if "authorities" not in existing:
        op.create_table(
            "authorities",
            sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("account", sa.String(length=42), nullable=False),
            sa.Column("code", sa.String(length=66), nullable=False),
            sa.Column("notice_period", sa.BigInteger(), nullable=True),
            sa.Column("review_interval", sa.BigInteger(), nullable=True),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_authorities_account"), "authorities", ["account"], unique=False)
    if "certificates" not in existing:
        op.create_table(
            "certificates",
            sa.Column("token_id", sa.String(length=80), nullable=False),
            sa.Column("registration_id", sa.BigInteger(), nullable=False),
            sa.Column("authority_id", sa.Integer(), nullable=False),
            sa.Column("certificate_type", sa.Integer(), nullable=False),
            sa.Column("number", sa.BigInteger(), nullable=False),
            sa.Column("holder", sa.String(length=42), nullable=False),
            sa.Column("document_digest", sa.String(length=66), nullable=True),
            sa.Column("retired", sa.Boolean(), nullable=False),
            sa.Column("issued_block", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("token_id"),
        )
        op.create_index(
            "ix_certificates_authority_type_number",
            "certificates",
            ["authority_id", "certificate_type", "number"],
            unique=False,
        )
        op.create_index(op.f("ix_certificates_holder"), "certificates", ["holder"], unique=False)
        op.create_index(op.f("ix_certificates_number"), "certificates", ["number"], unique=False)
        op.create_index(op.f("ix_certificates_registration_id"), "certificates", ["registration_id"], unique=False)
    if "chain_events" not in existing:
        op.create_table(
            "chain_events",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            sa.Column("block_hash", sa.String(length=66), nullable=False),
            sa.Column("timestamp", sa.BigInteger(), nullable=False),
            sa.Column("tx_hash", sa.String(length=66), nullable=False),
            sa.Column("log_index", sa.Integer(), nullable=False),
            sa.Column("contract", sa.String(length=40), nullable=False),
            sa.Column("name", sa.String(length=64), nullable=False),
            sa.Column("scope", sa.String(length=200), nullable=False),
            sa.Column("registration_id", sa.BigInteger(), nullable=True),
            sa.Column("actor", sa.String(length=42), nullable=True),
            sa.Column("args", sa.JSON(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("tx_hash", "log_index"),
        )
        op.create_index(op.f("ix_chain_events_actor"), "chain_events", ["actor"], unique=False)
        op.create_index(op.f("ix_chain_events_block_number"), "chain_events", ["block_number"], unique=False)
        op.create_index("ix_chain_events_name_block", "chain_events", ["name", "block_number"], unique=False)
        op.create_index(
            "ix_chain_events_registration",
            "chain_events",
            ["registration_id", "block_number", "log_index"],
            unique=False,
        )
        op.create_index(op.f("ix_chain_events_scope"), "chain_events", ["scope"], unique=False)
        op.create_index(op.f("ix_chain_events_timestamp"), "chain_events", ["timestamp"], unique=False)
        op.create_index(op.f("ix_chain_events_tx_hash"), "chain_events", ["tx_hash"], unique=False)
    if "commitment_salts" not in existing:
        op.create_table(
            "commitment_salts",
            sa.Column("commitment", sa.String(length=66), nullable=False),
            sa.Column("salt", sa.LargeBinary(length=32), nullable=True),
            sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
            sa.PrimaryKeyConstraint("commitment"),
        )
    if "data_files" not in existing:
        op.create_table(
            "data_files",
            sa.Column("registration_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("path", sa.String(length=1024), nullable=False),
            sa.Column("sha256", sa.String(length=66), nullable=False),
            sa.Column("size", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("registration_id", "version", "path"),
        )
        op.create_index(op.f("ix_data_files_sha256"), "data_files", ["sha256"], unique=False)
    if "drafts" not in existing:
        op.create_table(
            "drafts",
            sa.Column("id", sa.String(length=36), nullable=False),
            sa.Column("registrant", sa.String(length=42), nullable=False),
            sa.Column("manifest", sa.JSON(), nullable=False),
            sa.Column("signed", sa.JSON(), nullable=True),
            sa.Column("submission", sa.JSON(), nullable=True),
            sa.Column("write_key", sa.String(length=200), nullable=True),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_drafts_registrant"), "drafts", ["registrant"], unique=False)
    if "endorsements" not in existing:
        op.create_table(
            "endorsements",
            sa.Column("report_digest", sa.String(length=66), nullable=False),
            sa.Column("registration_id", sa.BigInteger(), nullable=False),
            sa.Column("agency", sa.String(length=42), nullable=False),
            sa.Column("kind", sa.Integer(), nullable=False),
            sa.Column("withdrawn", sa.Boolean(), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("report_digest"),
        )
        op.create_index(op.f("ix_endorsements_agency"), "endorsements", ["agency"], unique=False)
        op.create_index(op.f("ix_endorsements_registration_id"), "endorsements", ["registration_id"], unique=False)
    if "index_cursor" not in existing:
        op.create_table(
            "index_cursor",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("chain_id", sa.BigInteger(), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            sa.Column("block_hash", sa.String(length=66), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
    if "indexed_blocks" not in existing:
        op.create_table(
            "indexed_blocks",
            sa.Column("number", sa.BigInteger(), nullable=False),
            sa.Column("hash", sa.String(length=66), nullable=False),
            sa.Column("timestamp", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("number"),
        )
    if "licences" not in existing:
        op.create_table(
            "licences",
            sa.Column("id", sa.String(length=80), nullable=False),
            sa.Column("registration_id", sa.BigInteger(), nullable=False),
            sa.Column("right", sa.Integer(), nullable=False),
            sa.Column("licence_type", sa.Integer(), nullable=True),
            sa.Column("licensee", sa.String(length=42), nullable=False),
            sa.Column("licensor", sa.String(length=42), nullable=False),
            sa.Column("scope_digest", sa.String(length=66), nullable=False),
            sa.Column("scope_public", sa.Boolean(), nullable=False),
            sa.Column("starts_at", sa.BigInteger(), nullable=False),
            sa.Column("ends_at", sa.BigInteger(), nullable=False),
            sa.Column("sublicensable", sa.Boolean(), nullable=False),
            sa.Column("status", sa.String(length=20), nullable=False),
            sa.Column("granted_block", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_licences_licensee"), "licences", ["licensee"], unique=False)
        op.create_index(op.f("ix_licences_licensor"), "licences", ["licensor"], unique=False)
        op.create_index(op.f("ix_licences_registration_id"), "licences", ["registration_id"], unique=False)
    if "lineage_edges" not in existing:
        op.create_table(
            "lineage_edges",
            sa.Column("child_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("parent_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.PrimaryKeyConstraint("child_id", "parent_id"),
        )
        op.create_index(op.f("ix_lineage_edges_parent_id"), "lineage_edges", ["parent_id"], unique=False)
    if "manifest_records" not in existing:
        op.create_table(
            "manifest_records",
            sa.Column("registration_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("manifest_digest", sa.String(length=66), nullable=False),
            sa.Column("cid", sa.String(length=80), nullable=False),
            sa.Column("valid", sa.Boolean(), nullable=False),
            sa.Column("problem", sa.String(length=500), nullable=True),
            sa.Column("title", sa.String(length=200), nullable=True),
            sa.Column("description", sa.Text(), nullable=True),
            sa.Column("category", sa.String(length=200), nullable=True),
            sa.Column("industry", sa.String(length=8), nullable=True),
            sa.Column("document", sa.JSON(), nullable=True),
            sa.PrimaryKeyConstraint("registration_id", "version"),
        )
        op.create_index(op.f("ix_manifest_records_category"), "manifest_records", ["category"], unique=False)
        op.create_index(op.f("ix_manifest_records_industry"), "manifest_records", ["industry"], unique=False)
        op.create_index(
            op.f("ix_manifest_records_manifest_digest"), "manifest_records", ["manifest_digest"], unique=False
        )
    if "manifest_versions" not in existing:
        op.create_table(
            "manifest_versions",
            sa.Column("registration_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("manifest_digest", sa.String(length=66), nullable=False),
            sa.Column("data_commitment", sa.String(length=66), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=False),
            sa.Column("tx_hash", sa.String(length=66), nullable=False),
            sa.PrimaryKeyConstraint("registration_id", "version"),
        )
        op.create_index(
            op.f("ix_manifest_versions_data_commitment"), "manifest_versions", ["data_commitment"], unique=False
        )
        op.create_index(
            op.f("ix_manifest_versions_manifest_digest"), "manifest_versions", ["manifest_digest"], unique=False
        )
    if "objections" not in existing:
        op.create_table(
            "objections",
            sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("registration_id", sa.BigInteger(), nullable=False),
            sa.Column("objector", sa.String(length=42), nullable=False),
            sa.Column("evidence_digest", sa.String(length=66), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("decision_digest", sa.String(length=66), nullable=True),
            sa.Column("filed_block", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_objections_objector"), "objections", ["objector"], unique=False)
        op.create_index(op.f("ix_objections_registration_id"), "objections", ["registration_id"], unique=False)
    if "outbox_writes" not in existing:
        op.create_table(
            "outbox_writes",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("idempotency_key", sa.String(length=200), nullable=False),
            sa.Column("purpose", sa.String(length=64), nullable=False),
            sa.Column("sender", sa.String(length=42), nullable=False),
            sa.Column("to", sa.String(length=42), nullable=False),
            sa.Column("data", sa.LargeBinary(), nullable=False),
            sa.Column("signer", sa.String(length=42), nullable=True),
            sa.Column("signer_nonce", sa.BigInteger(), nullable=True),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("nonce", sa.BigInteger(), nullable=True),
            sa.Column("gas_limit", sa.BigInteger(), nullable=True),
            sa.Column("tx_hash", sa.String(length=66), nullable=True),
            sa.Column("attempts", sa.Integer(), nullable=False),
            sa.Column("block_number", sa.BigInteger(), nullable=True),
            sa.Column("gas_used", sa.BigInteger(), nullable=True),
            sa.Column("error", sa.String(length=2000), nullable=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("idempotency_key"),
        )
        op.create_index(op.f("ix_outbox_writes_sender"), "outbox_writes", ["sender"], unique=False)
        op.create_index(op.f("ix_outbox_writes_signer"), "outbox_writes", ["signer"], unique=False)
        op.create_index(op.f("ix_outbox_writes_status"), "outbox_writes", ["status"], unique=False)
        op.create_index(op.f("ix_outbox_writes_tx_hash"), "outbox_writes", ["tx_hash"], unique=False)
    if "parties" not in existing:
        op.create_table(
            "parties",
            sa.Column("address", sa.String(length=42), nullable=False),
            sa.Column("status", sa.String(length=16), nullable=False),
            sa.Column("identity_commitment", sa.String(length=66), nullable=True),
            sa.PrimaryKeyConstraint("address"),
        )
    if "pending_transfers" not in existing:
        op.create_table(
            "pending_transfers",
            sa.Column("registration_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("right", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("holder", sa.String(length=42), nullable=False),
            sa.Column("new_holder", sa.String(length=42), nullable=False),
            sa.Column("digest", sa.String(length=66), nullable=False),
            sa.Column("lawful", sa.Boolean(), nullable=False),
            sa.Column("authority_approved", sa.Boolean(), nullable=False),
            sa.Column("regulator_approved", sa.Boolean(), nullable=False),
            sa.Column("requested_block", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("registration_id", "right"),
        )
        op.create_index(op.f("ix_pending_transfers_new_holder"), "pending_transfers", ["new_holder"], unique=False)
    if "registrations" not in existing:
        op.create_table(
            "registrations",
            sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("registrant", sa.String(length=42), nullable=False),
            sa.Column("authority_id", sa.Integer(), nullable=False),
            sa.Column("kind", sa.Integer(), nullable=False),
            sa.Column("origin", sa.Integer(), nullable=False),
            sa.Column("grade", sa.Integer(), nullable=False),
            sa.Column("personal_info", sa.Boolean(), nullable=False),
            sa.Column("rights", sa.Integer(), nullable=False),
            sa.Column("status", sa.Integer(), nullable=False),
            sa.Column("version", sa.Integer(), nullable=False),
            sa.Column("manifest_digest", sa.String(length=66), nullable=False),
            sa.Column("data_commitment", sa.String(length=66), nullable=False),
            sa.Column("pending_manifest_digest", sa.String(length=66), nullable=True),
            sa.Column("pending_data_commitment", sa.String(length=66), nullable=True),
            sa.Column("notice_ends_at", sa.BigInteger(), nullable=True),
            sa.Column("review_due_at", sa.BigInteger(), nullable=True),
            sa.Column("open_objections", sa.Integer(), nullable=False),
            sa.Column("certificate_number", sa.BigInteger(), nullable=True),
            sa.Column("certificate_token", sa.String(length=80), nullable=True),
            sa.Column("submitted_block", sa.BigInteger(), nullable=False),
            sa.Column("submitted_tx", sa.String(length=66), nullable=False),
            sa.Column("submitted_at", sa.BigInteger(), nullable=False),
            sa.Column("updated_block", sa.BigInteger(), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_registrations_authority_id"), "registrations", ["authority_id"], unique=False)
        op.create_index(
            op.f("ix_registrations_certificate_number"), "registrations", ["certificate_number"], unique=False
        )
        op.create_index(op.f("ix_registrations_data_commitment"), "registrations", ["data_commitment"], unique=False)
        op.create_index(op.f("ix_registrations_grade"), "registrations", ["grade"], unique=False)
        op.create_index(op.f("ix_registrations_kind"), "registrations", ["kind"], unique=False)
        op.create_index(op.f("ix_registrations_manifest_digest"), "registrations", ["manifest_digest"], unique=False)
        op.create_index(op.f("ix_registrations_origin"), "registrations", ["origin"], unique=False)
        op.create_index(op.f("ix_registrations_registrant"), "registrations", ["registrant"], unique=False)
        op.create_index(op.f("ix_registrations_status"), "registrations", ["status"], unique=False)
    if "review_records" not in existing:
        op.create_table(
            "review_records",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("registration_id", sa.Integer(), nullable=False),
            sa.Column("reviewer", sa.String(length=42), nullable=False),
            sa.Column("decision", sa.String(length=40), nullable=False),
            sa.Column("reason", sa.Text(), nullable=True),
            sa.Column("key", sa.String(length=200), nullable=False),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.PrimaryKeyConstraint("id"),
        )
        op.create_index(op.f("ix_review_records_registration_id"), "review_records", ["registration_id"], unique=False)
    if "rights" not in existing:
        op.create_table(
            "rights",
            sa.Column("registration_id", sa.BigInteger(), autoincrement=False, nullable=False),
            sa.Column("right", sa.Integer(), autoincrement=False, nullable=False),
            sa.Column("holder", sa.String(length=42), nullable=False),
            sa.Column("encumbrance", sa.String(length=8), nullable=False),
            sa.Column("creditor", sa.String(length=42), nullable=True),
            sa.Column("agreement_digest", sa.String(length=66), nullable=True),
            sa.PrimaryKeyConstraint("registration_id", "right"),
        )
        op.create_index(op.f("ix_rights_creditor"), "rights", ["creditor"], unique=False)
        op.create_index(op.f("ix_rights_holder"), "rights", ["holder"], unique=False)
    if "roles" not in existing:
        op.create_table(
            "roles",
            sa.Column("role", sa.String(length=66), nullable=False),
            sa.Column("account", sa.String(length=42), nullable=False),
            sa.PrimaryKeyConstraint("role", "account"),
        )
    if "outbox_attempts" not in existing:
        op.create_table(
            "outbox_attempts",
            sa.Column("id", sa.Integer(), nullable=False),
            sa.Column("write_id", sa.Integer(), nullable=False),
            sa.Column("tx_hash", sa.String(length=66), nullable=False),
            sa.Column("raw_transaction", sa.LargeBinary(), nullable=False),
            sa.Column("max_fee_per_gas", sa.BigInteger(), nullable=False),
            sa.Column("max_priority_fee_per_gas", sa.BigInteger(), nullable=False),
            sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
            sa.ForeignKeyConstraint(
                ["write_id"],
                ["outbox_writes.id"],
            ),
            sa.PrimaryKeyConstraint("id"),
            sa.UniqueConstraint("tx_hash"),
        )
        op.create_index(op.f("ix_outbox_attempts_write_id"), "outbox_attempts", ["write_id"], unique=False)


def downgrade() -> None:
    op.drop_table("outbox_attempts")
    op.drop_table("roles")
    op.drop_table("rights")
    op.drop_table("review_records")
    op.drop_table("registrations")
    op.drop_table("pending_transfers")
    op.drop_table("parties")
    op.drop_table("outbox_writes")
    op.drop_table("objections")
    op.drop_table("manifest_versions")
    op.drop_table("manifest_records")
    op.drop_table("lineage_edges")
    op.drop_table("licences")
    op.drop_table("indexed_blocks")
    op.drop_table("index_cursor")
    op.drop_table("endorsements")
    op.drop_table("drafts")
    op.drop_table("data_files")
    op.drop_table("commitment_salts")
    op.drop_table("chain_events")
    op.drop_table("certificates")
    op.drop_table("authorities")
    op.drop_table("api_tokens")
    op.drop_table("anchors")
