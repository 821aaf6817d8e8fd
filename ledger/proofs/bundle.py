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
from ledger.manifest.model import FileDigest, SignedManifest, file_entry
from ledger.manifest.signing import ManifestSignatureError, verify_manifest_signature
from ledger.proofs.merkle import verify as verify_merkle

BUNDLE_VERSION = "drl.bundle/2"
"""Version 2 lists each ancestor once (`ancestors`); version 1 nested them (`parents`) and stays verifiable."""
NESTED_BUNDLE_VERSION = "drl.bundle/1"
MAX_ANCESTORS = 1024
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
    parents: list[RegistrationBundle] = Field(default=[], description="drl.bundle/1 only: the parents, nested")


class ProofBundle(BaseModel):
    """What a third party checks against a node of the chain."""

    version: str = BUNDLE_VERSION
    chain_id: int
    registry: str
    registration: RegistrationBundle
    ancestors: list[RegistrationBundle] = Field(default=[], description="every ancestor once, nearest first")
    lineage_truncated: bool = Field(default=False, description="some ancestors were left out (too many)")


def bundle_schema() -> dict[str, Any]:
    """The JSON Schema of a proof bundle (docs/formats/schemas/bundle.schema.json)."""
    schema = ProofBundle.model_json_schema(mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "urn:drl:bundle:2"
    return schema


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


def committed_data(events: list[BundleEvent]) -> str:
    """The data commitment on chain after these events: the submission's, replaced by each approved change."""
    committed, pending = "", ""
    for event in events:
        if event.name == "RegistrationSubmitted":
            committed = event.args["dataCommitment"]
        elif event.name == "ChangeRequested":
            pending = event.args["dataCommitment"]
        elif event.name == "RegistrationChanged":
            committed = pending or committed
    return committed


def _check_file(bundle: RegistrationBundle) -> None:
    """The file proves against the data commitment the chain's events name, whatever the manifest says."""
    proof = bundle.file
    if proof is None:
        return
    if proof.root != committed_data(bundle.events):
        raise _fail(bundle.registration_id, "the file proof is not for the data commitment on chain")
    entry = file_entry(FileDigest(path=proof.path, size=proof.size, sha256=proof.sha256))
    siblings = [bytes.fromhex(node[2:]) for node in proof.proof]
    if not verify_merkle(bytes.fromhex(proof.root[2:]), entry, siblings):
        raise _fail(bundle.registration_id, f"the Merkle proof of {proof.path} does not hold")


def _claimed_parents(bundle: RegistrationBundle) -> list[int]:
    return sorted(int(p) for p in bundle.events[0].args.get("parents", []))


def _check_one(reader: ChainReader, bundle: RegistrationBundle, chain_id: int, registry: str) -> None:
    if not bundle.events or bundle.events[0].name != "RegistrationSubmitted":
        raise _fail(bundle.registration_id, "the bundle does not start with the submission")
    for event in bundle.events:
        _check_event(reader, bundle, registry, event)
    _check_manifest(bundle, chain_id, registry)
    _check_file(bundle)
    on_chain = reader.status_of(registry, bundle.registration_id)
    if on_chain != bundle.status:
        raise _fail(bundle.registration_id, f"the chain says status {on_chain}, the bundle {bundle.status}")


def _check_nested(reader: ChainReader, bundle: RegistrationBundle, chain_id: int, registry: str, depth: int) -> None:
    """drl.bundle/1: the parents nested inside each registration."""
    _check_one(reader, bundle, chain_id, registry)
    claimed = _claimed_parents(bundle)
    if sorted(parent.registration_id for parent in bundle.parents) != claimed:
        raise _fail(bundle.registration_id, f"the bundle's parents differ from the chain's {claimed}")
    if depth > 32:
        raise _fail(bundle.registration_id, "the lineage is deeper than 32 generations")
    for parent in bundle.parents:
        _check_nested(reader, parent, chain_id, registry, depth + 1)


def _check_lineage(reader: ChainReader, bundle: ProofBundle) -> None:
    """drl.bundle/2: each registration once; every parent the chain names is there unless the bundle says it
    left some out, and nothing else is."""
    if len(bundle.ancestors) > MAX_ANCESTORS:
        raise BundleCheckError(f"the bundle lists more than {MAX_ANCESTORS} ancestors")
    registrations = [bundle.registration, *bundle.ancestors]
    ids = [r.registration_id for r in registrations]
    if len(set(ids)) != len(ids):
        raise BundleCheckError("the bundle lists a registration twice")
    reachable = set()
    for registration in registrations:
        if registration.parents:
            raise _fail(registration.registration_id, "a drl.bundle/2 registration nests no parents")
        _check_one(reader, registration, bundle.chain_id, bundle.registry)
        reachable.update(_claimed_parents(registration))
    listed = set(ids[1:])
    if not listed <= reachable:
        raise BundleCheckError(f"registrations {sorted(listed - reachable)} are not ancestors")
    if reachable - set(ids) and not bundle.lineage_truncated:
        raise BundleCheckError(f"ancestors {sorted(reachable - set(ids))} are missing from the bundle")


def verify_bundle(reader: ChainReader, bundle: ProofBundle) -> None:
    """Raises BundleCheckError naming the first thing that fails; returns quietly if everything holds."""
    if bundle.version not in (BUNDLE_VERSION, NESTED_BUNDLE_VERSION):
        raise BundleCheckError(f"unknown bundle version {bundle.version}")
    if reader.chain_id() != bundle.chain_id:
        raise BundleCheckError(f"the node serves chain {reader.chain_id()}, the bundle is for {bundle.chain_id}")
    if bundle.version == NESTED_BUNDLE_VERSION:
        _check_nested(reader, bundle.registration, bundle.chain_id, bundle.registry, 0)
    else:
        _check_lineage(reader, bundle)
