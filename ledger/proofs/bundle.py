"""Proof bundles and their verification, trusting neither the service nor its database.

A bundle carries, for a registration and each of its ancestors: every event with its transaction,
block and log position; the manifest's raw block; and, for a file of a registered folder, its Merkle
proof. `verify_bundle` checks it against any node of the chain through a `ChainReader` (the only door
to the network, implemented in `ledger.chain.reader`): each event is in a canonical block, in its
transaction's receipt, emitted by the registry, with exactly the arguments claimed; the manifest hashes
to the digest the events name (so its CID is the one on chain); the manifest's signature recovers to the
registrant; the Merkle proof holds; the status on chain is the one claimed; the lineage checks out.
"""

from __future__ import annotations

import base64
from typing import Any, Protocol

from pydantic import BaseModel, Field

from ledger.manifest.canonical import parse_canonical, sha256
from ledger.manifest.cid import raw_cid
from ledger.manifest.data import file_entry
from ledger.manifest.model import FileDigest, SignedManifest
from ledger.manifest.signing import ManifestSignatureError, verify_manifest_signature
from ledger.proofs.merkle import verify as verify_merkle

BUNDLE_VERSION = "drl.bundle/1"
MANIFEST_EVENTS = ("RegistrationSubmitted", "RegistrationChanged")


class BundleEvent(BaseModel):
    """One event as claimed by the bundle."""

    contract: str
    address: str
    name: str
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    args: dict[str, Any]


class FileProof(BaseModel):
    """A file of a registered folder and its inclusion proof."""

    path: str
    size: int
    sha256: str
    root: str
    proof: list[str]


class RegistrationBundle(BaseModel):
    """The proofs of one registration."""

    registration_id: int
    status: int
    events: list[BundleEvent]
    manifest_block: str = Field(description="base64 of the current manifest's raw block")
    file: FileProof | None = None
    parents: list[RegistrationBundle] = []


class ProofBundle(BaseModel):
    """What a third party checks against a node of the chain."""

    version: str = BUNDLE_VERSION
    chain_id: int
    registry: str
    registration: RegistrationBundle


class ChainReader(Protocol):
    """What the verifier needs from a node."""

    def chain_id(self) -> int: ...

    def canonical_block_hash(self, number: int) -> str | None: ...

    def log_of(self, tx_hash: str, log_index: int) -> dict[str, Any] | None:
        """The decoded log at `log_index` of the transaction's receipt: address, name, args, block hash."""
        ...

    def status_of(self, registry: str, registration_id: int) -> int: ...


class BundleCheckError(Exception):
    """A bundle failed a check; the message names what failed."""


def _fail(registration_id: int, message: str) -> BundleCheckError:
    return BundleCheckError(f"registration {registration_id}: {message}")


def _check_event(reader: ChainReader, bundle: RegistrationBundle, registry: str, event: BundleEvent) -> None:
    where = f"{event.name} in {event.tx_hash} (log {event.log_index})"
    if reader.canonical_block_hash(event.block_number) != event.block_hash:
        raise _fail(bundle.registration_id, f"{where} is not in the canonical block {event.block_number}")
    found = reader.log_of(event.tx_hash, event.log_index)
    if found is None:
        raise _fail(bundle.registration_id, f"{where} is not in the transaction's receipt")
    if found["block_hash"] != event.block_hash:
        raise _fail(bundle.registration_id, f"{where} is in another block")
    if found["address"].lower() != event.address.lower() or found["name"] != event.name:
        raise _fail(bundle.registration_id, f"{where}: the chain has {found['name']} from {found['address']}")
    if found["args"] != event.args:
        raise _fail(bundle.registration_id, f"{where}: its arguments differ from the chain's")
    if event.contract == "Registrations" and event.address.lower() != registry.lower():
        raise _fail(bundle.registration_id, f"{where} was not emitted by the registry {registry}")
    if "registrationId" in event.args and int(event.args["registrationId"]) != bundle.registration_id:
        raise _fail(bundle.registration_id, f"{where} concerns registration {event.args['registrationId']}")


def _check_manifest(bundle: RegistrationBundle, chain_id: int, registry: str) -> SignedManifest:
    block = base64.b64decode(bundle.manifest_block)
    digests = [e.args["manifestDigest"] for e in bundle.events if e.name in MANIFEST_EVENTS]
    if not digests:
        raise _fail(bundle.registration_id, "the bundle holds no event naming a manifest")
    if "0x" + sha256(block).hex() != digests[-1]:
        raise _fail(bundle.registration_id, f"the manifest block (CID {raw_cid(block)}) is not the one on chain")
    try:
        document = parse_canonical(SignedManifest, block)
        verify_manifest_signature(document, chain_id, registry)
    except (ValueError, ManifestSignatureError) as error:
        raise _fail(bundle.registration_id, f"the manifest does not check out: {error}") from error
    submitted = next(e for e in bundle.events if e.name == "RegistrationSubmitted")
    if document.manifest.registrant != submitted.args["registrant"]:
        raise _fail(bundle.registration_id, "the manifest's registrant is not the one on chain")
    return document


def _check_file(bundle: RegistrationBundle, document: SignedManifest) -> None:
    proof = bundle.file
    if proof is None:
        return
    if proof.root != document.manifest.data_commitment.root:
        raise _fail(bundle.registration_id, "the file proof is for another data commitment")
    entry = file_entry(FileDigest(path=proof.path, size=proof.size, sha256=proof.sha256))
    siblings = [bytes.fromhex(node[2:]) for node in proof.proof]
    if not verify_merkle(bytes.fromhex(proof.root[2:]), entry, siblings):
        raise _fail(bundle.registration_id, f"the Merkle proof of {proof.path} does not hold")


def _check_registration(
    reader: ChainReader, bundle: RegistrationBundle, chain_id: int, registry: str, depth: int
) -> None:
    if not bundle.events or bundle.events[0].name != "RegistrationSubmitted":
        raise _fail(bundle.registration_id, "the bundle does not start with the submission")
    for event in bundle.events:
        _check_event(reader, bundle, registry, event)
    document = _check_manifest(bundle, chain_id, registry)
    _check_file(bundle, document)
    on_chain = reader.status_of(registry, bundle.registration_id)
    if on_chain != bundle.status:
        raise _fail(bundle.registration_id, f"the chain says status {on_chain}, the bundle {bundle.status}")
    claimed = sorted(int(p) for p in bundle.events[0].args.get("parents", []))
    if sorted(parent.registration_id for parent in bundle.parents) != claimed:
        raise _fail(bundle.registration_id, f"the bundle's parents differ from the chain's {claimed}")
    if depth > 32:
        raise _fail(bundle.registration_id, "the lineage is deeper than 32 generations")
    for parent in bundle.parents:
        _check_registration(reader, parent, chain_id, registry, depth + 1)


def verify_bundle(reader: ChainReader, bundle: ProofBundle) -> None:
    """Raises BundleCheckError naming the first thing that fails; returns quietly if everything holds."""
    if bundle.version != BUNDLE_VERSION:
        raise BundleCheckError(f"unknown bundle version {bundle.version}")
    if reader.chain_id() != bundle.chain_id:
        raise BundleCheckError(f"the node serves chain {reader.chain_id()}, the bundle is for {bundle.chain_id}")
    _check_registration(reader, bundle.registration, bundle.chain_id, bundle.registry, 0)
