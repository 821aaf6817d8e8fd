"""Building proof bundles from the index and the ledger's IPFS node (checked later against the chain)."""

from __future__ import annotations

import base64

from sqlalchemy.orm import Session

from ledger.chain.deployment import Deployment
from ledger.encoding import from_hex, to_hex
from ledger.index import queries
from ledger.manifest.cid import raw_cid_of_digest
from ledger.proofs.bundle import BundleEvent, FileProof, ProofBundle, RegistrationBundle
from ledger.replication import Pinset
from ledger.verification import file_match, lineage_of


class BundleUnavailableError(LookupError):
    """The registration is unknown to the index."""


def _registration_bundle(
    session: Session,
    ipfs: Pinset,
    deployment: Deployment,
    registration_id: int,
    matched: tuple[int, str] | None = None,
) -> RegistrationBundle:
    row = queries.registration(session, registration_id)
    if row is None:
        raise BundleUnavailableError(f"no registration {registration_id}")
    addresses = deployment.addresses()
    events = [
        BundleEvent(
            contract=event.contract,
            address=addresses[event.contract],
            name=event.name,
            block_number=event.block_number,
            block_hash=event.block_hash,
            tx_hash=event.tx_hash,
            log_index=event.log_index,
            args=event.args,
        )
        for event in queries.history(session, registration_id)
    ]
    block = ipfs.get_raw_block(raw_cid_of_digest(from_hex(row.manifest_digest)), offline=True)
    file = None
    if matched is not None:
        version, path = matched
        match = file_match(session, registration_id, version, path)
        record = queries.data_file(session, registration_id, version, path)
        if match is not None and record is not None:
            file = FileProof(
                path=path, size=record.size, sha256=record.sha256, root=match.merkle_root, proof=match.proof
            )
    return RegistrationBundle(
        registration_id=registration_id,
        status=row.status,
        events=events,
        manifest_block=base64.b64encode(block).decode(),
        file=file,
    )


def build_bundle(
    session: Session,
    ipfs: Pinset,
    deployment: Deployment,
    registration_id: int,
    matched: tuple[int, str] | None = None,
) -> ProofBundle:
    """The proof bundle of a registration (and, with `matched`, of one file of its data folder), with its
    ancestors each once, as many as a verification report shows."""
    registration = _registration_bundle(session, ipfs, deployment, registration_id, matched)
    ancestors, truncated = lineage_of(session, registration_id)
    return ProofBundle(
        chain_id=deployment.chain_id,
        registry=deployment.registrations,
        registration=registration,
        ancestors=[_registration_bundle(session, ipfs, deployment, ancestor) for ancestor in ancestors],
        lineage_truncated=truncated,
    )


class FileNotRegisteredError(LookupError):
    """The file asked about is not part of the registration's data."""


def bundle_of(
    session: Session,
    ipfs: Pinset,
    deployment: Deployment,
    registration_id: int,
    file_sha256: str | None = None,
) -> ProofBundle:
    """The proof bundle of a registration; with `file_sha256`, with the Merkle proof of that file of its folder
    (from the latest manifest version that holds it)."""
    matched: tuple[int, str] | None = None
    if file_sha256 is not None:
        found = [
            (version, path)
            for registration, version, path in queries.registrations_by_data_hash(
                session, to_hex(from_hex(file_sha256))
            )
            if registration == registration_id and path is not None
        ]
        if not found:
            raise FileNotRegisteredError(f"the file {file_sha256} is not part of registration {registration_id}")
        matched = found[-1]
    return build_bundle(session, ipfs, deployment, registration_id, matched)
