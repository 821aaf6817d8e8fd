"""Writes the test vectors of docs/formats/vectors/ and the JSON Schemas of docs/formats/schemas/.

Deterministic: fixed inputs, the development keys of anvil's public test mnemonic, no clock. Run
`python scripts/format_vectors.py` after changing a format; `tests/unit/test_format_vectors.py` fails while
the files differ from what this script writes, and checks every vector against the ledger's code.
Each vector file is self-describing JSON: which format, which page specifies it, its inputs and the
expected bytes, digests, CIDs, roots, proofs and signatures, so another implementation can prove itself.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.messages import encode_typed_data
from eth_utils.crypto import keccak

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ledger.certificates import (  # noqa: E402
    CertificateDocument,
    CertificateDocumentV1,
    CertifiedRight,
    certificate_schema,
)
from ledger.chain import ids  # noqa: E402
from ledger.chain.registry import Submission  # noqa: E402
from ledger.chain.typed_data import PRIMARY_TYPES, signable, typed_data  # noqa: E402
from ledger.evidence import EvidenceEntry  # noqa: E402
from ledger.manifest.canonical import canonical_json, document_digest, sha256  # noqa: E402
from ledger.manifest.cid import raw_cid  # noqa: E402
from ledger.manifest.model import (  # noqa: E402
    Commitment,
    FileDigest,
    Manifest,
    RegistrantSignature,
    SignedManifest,
    commitment_root,
    file_entry,
)
from ledger.manifest.signing import sign_manifest  # noqa: E402
from ledger.manifest.unixfs import PROFILES, unixfs_cid_of_bytes  # noqa: E402
from ledger.proofs import tlog  # noqa: E402
from ledger.proofs.bundle import (  # noqa: E402
    BundleEvent,
    FileProof,
    ProofBundle,
    RegistrationBundle,
    bundle_schema,
    committed_data,
)
from ledger.proofs.merkle import LEAF_DOMAIN, MerkleTree, leaf_hash  # noqa: E402
from ledger.proofs.tlog_bundle import AnchoredCheckpoint, ConsistencyStep, EvidenceBundle, check_offline  # noqa: E402
from ledger.proofs.tlog_certificate import (  # noqa: E402
    CertifiedCheckpoint,
    CertifiedEntry,
    EvidenceCertificateDocument,
    evidence_certificate_schema,
)
from ledger.proofs.tlog_note import sign_note, signing_key_from_seed, verify_checkpoint  # noqa: E402
from ledger.stack.devkeys import ANVIL_MNEMONIC, LOCAL_CHAIN_ID, dev_account  # noqa: E402
from ledger.vocabulary import Grade, Kind, Origin, Right, rights_mask  # noqa: E402

VECTORS = ROOT / "docs" / "formats" / "vectors"
SCHEMAS = ROOT / "docs" / "formats" / "schemas"
GENERATOR = "scripts/format_vectors.py"
CHAIN_ID = LOCAL_CHAIN_ID
REGISTRY = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
RIGHTS_MODULE = "0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"
REGISTRANT_INDEX = 1
REGISTRANT = dev_account(REGISTRANT_INDEX, CHAIN_ID)
DEADLINE = 2_000_000_000


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _header(format_name: str, page: str) -> dict[str, Any]:
    return {"format": format_name, "spec": f"docs/formats/{page}", "generator": GENERATOR}


def _signer() -> dict[str, Any]:
    return {
        "mnemonic": ANVIL_MNEMONIC,
        "path": f"m/44'/60'/0'/0/{REGISTRANT_INDEX}",
        "private_key": _hex(REGISTRANT.key),
        "address": REGISTRANT.address,
    }


def _json_safe(value: Any) -> Any:
    return _hex(value) if isinstance(value, bytes) else value


def typed_data_vector(name: str, primary_type: str, message: dict[str, Any], verifying_contract: str) -> dict[str, Any]:
    """One EIP-712 message: its full typed data, domain separator, struct hash, digest and signature."""
    message = {key: _json_safe(value) for key, value in message.items()}
    document = typed_data(primary_type, message, CHAIN_ID, verifying_contract)
    signable_message = encode_typed_data(full_message=document)
    signature = REGISTRANT.sign_message(signable_message).signature
    return {
        "name": name,
        "typed_data": document,
        "encoded_type": _encoded_type(primary_type),
        "type_hash": _hex(keccak(text=_encoded_type(primary_type))),
        "domain_separator": _hex(signable_message.header),
        "struct_hash": _hex(signable_message.body),
        "digest": _hex(keccak(b"\x19\x01" + signable_message.header + signable_message.body)),
        "signer": REGISTRANT.address,
        "signature": _hex(bytes(signature)),
    }


def _encoded_type(primary_type: str) -> str:
    fields = ",".join(f"{field['type']} {field['name']}" for field in PRIMARY_TYPES[primary_type])
    return f"{primary_type}({fields})"


def _files() -> list[FileDigest]:
    contents = {"2024/q1/jan.csv": b"road,count\nA1,100\n", "2024/q1/feb.csv": b"road,count\nA1,120\n"}
    contents["readme.txt"] = "城市交通流量 traffic counts\n".encode()
    return [FileDigest(path=p, size=len(c), sha256=_hex(hashlib.sha256(c).digest())) for p, c in contents.items()]


def _manifest_fields(**overrides: Any) -> dict[str, Any]:
    files = _files()
    fields: dict[str, Any] = {
        "kind": "resource",
        "origin": "enterprise",
        "title": "城市交通流量数据",
        "description": "Hourly vehicle counts of 120 road sections, collected by the operator's own sensors.",
        "category": "transport.traffic",
        "industry": "G54",
        "update_frequency": "daily",
        "data_status": "cleansed",
        "tradability": "directly",
        "business_owner": {"value": _hex(hashlib.sha256(b"owner").digest())},
        "responsible_person": {"value": _hex(hashlib.sha256(b"person").digest())},
        "classification": {"category": "transport", "grade": "general", "personal_information": False},
        "source": {"description": "Roadside sensors owned by the registrant.", "collection_method": "self_collected"},
        "time_range": {"start": "2024-01-01", "end": "2024-12-31"},
        "volume": "3 files",
        "formats": ["csv", "txt"],
        "data_commitment": {
            "scheme": "merkle/2",
            "root": commitment_root("merkle/2", files),
            "file_count": len(files),
            "total_bytes": sum(f.size for f in files),
            "files": [f.model_dump() for f in files],
        },
        "evidence": [
            {
                "kind": "sample",
                "cid": unixfs_cid_of_bytes(b"road,count\nA1,100\n"),
                "sha256": _hex(hashlib.sha256(b"road,count\nA1,100\n").digest()),
            }
        ],
        "rights_claimed": ["resource_holding", "processing_and_use"],
        "registrant": REGISTRANT.address,
        "authority_id": 1,
        "created_at": datetime(2025, 3, 1, 8, 0, tzinfo=UTC).isoformat(),
    }
    fields.update(overrides)
    return fields


def _manifest_vector(name: str, document: SignedManifest) -> dict[str, Any]:
    manifest_block = canonical_json(document.manifest)
    block = canonical_json(document)
    return {
        "name": name,
        "schema": document.manifest.schema_version,
        "chain_id": CHAIN_ID,
        "registry": REGISTRY,
        "manifest_canonical": manifest_block.decode(),
        "manifest_hash": _hex(sha256(manifest_block)),
        "eip712": typed_data_vector(
            "Manifest",
            "Manifest",
            {"registrant": document.manifest.registrant, "manifestHash": document_digest(document.manifest)},
            REGISTRY,
        ),
        "signed_document_canonical": block.decode(),
        "signed_document_sha256": _hex(sha256(block)),
        "signed_document_cid": raw_cid(block),
    }


def signed_manifests() -> tuple[SignedManifest, SignedManifest]:
    """The current (drl.manifest/2) and the legacy (drl.manifest/1, merkle/1) vector manifests, signed."""
    current = sign_manifest(Manifest.model_validate(_manifest_fields()), REGISTRANT, CHAIN_ID, REGISTRY)
    files = _files()
    legacy_commitment = {
        "scheme": "merkle/1",
        "root": commitment_root("merkle/1", files),
        "file_count": len(files),
        "total_bytes": sum(f.size for f in files),
        "files": [f.model_dump() for f in files],
    }
    legacy = Manifest.model_validate(
        _manifest_fields(schema="drl.manifest/1", data_commitment=legacy_commitment, evidence=[])
    )
    message = {"registrant": legacy.registrant, "manifestHash": document_digest(legacy)}
    signature = REGISTRANT.sign_message(signable("Manifest", message, CHAIN_ID, REGISTRY)).signature
    legacy_signed = SignedManifest(
        manifest=legacy, signature=RegistrantSignature(signer=REGISTRANT.address, value=_hex(bytes(signature)))
    )
    return current, legacy_signed


def manifest_vectors() -> dict[str, Any]:
    current, legacy = signed_manifests()
    return {
        **_header("drl.manifest", "manifest.md"),
        "signer": _signer(),
        "vectors": [_manifest_vector("drl.manifest/2", current), _manifest_vector("drl.manifest/1 (legacy)", legacy)],
    }


def submission_of_document(document: SignedManifest) -> Submission:
    manifest = document.manifest
    return Submission(
        registrant=manifest.registrant,
        authority_id=manifest.authority_id,
        kind=Kind.DATA_RESOURCE,
        origin=Origin.ENTERPRISE,
        grade=Grade.GENERAL,
        personal_info=False,
        rights=frozenset({Right.RESOURCE_HOLDING, Right.PROCESSING_AND_USE}),
        manifest_digest=sha256(canonical_json(document)),
        data_commitment=bytes.fromhex(manifest.data_commitment.root[2:]),
        nonce=0,
        deadline=DEADLINE,
        parents=(3, 7),
    )


def typed_data_vectors() -> dict[str, Any]:
    current, _ = signed_manifests()
    digest = lambda text: hashlib.sha256(text.encode()).digest()  # noqa: E731
    registration = {"registrationId": 12, "nonce": 1, "deadline": DEADLINE}
    messages: list[tuple[str, str, dict[str, Any], str]] = [
        ("Submission", "Submission", submission_of_document(current).message(), REGISTRY),
        (
            "ChangeRequest",
            "ChangeRequest",
            {**registration, "manifestDigest": digest("manifest 2"), "dataCommitment": digest("data 2")},
            REGISTRY,
        ),
        ("AnnualReview", "AnnualReview", {**registration, "reportDigest": digest("report")}, REGISTRY),
        ("Cancellation", "Cancellation", {**registration, "reasonDigest": digest("reason")}, REGISTRY),
        (
            "RightTransfer",
            "RightTransfer",
            {
                "registrationId": 12,
                "right": 1,
                "holder": REGISTRANT.address,
                "newHolder": dev_account(2, CHAIN_ID).address,
                "agreementDigest": digest("agreement"),
                "nonce": 3,
                "deadline": DEADLINE,
            },
            RIGHTS_MODULE,
        ),
        (
            "Licence",
            "Licence",
            {
                "registrationId": 12,
                "right": 1,
                "licensor": REGISTRANT.address,
                "licensee": dev_account(2, CHAIN_ID).address,
                "licenceType": 2,
                "scopeDigest": digest("scope"),
                "startsAt": 1_740_758_400,
                "endsAt": 1_772_294_400,
                "sublicensable": True,
                "parentLicenceId": 0,
                "nonce": 4,
                "deadline": DEADLINE,
            },
            RIGHTS_MODULE,
        ),
        (
            "Encumbrance",
            "Encumbrance",
            {
                "registrationId": 12,
                "right": 0,
                "kind": 1,
                "holder": REGISTRANT.address,
                "creditor": dev_account(3, CHAIN_ID).address,
                "agreementDigest": digest("pledge"),
                "nonce": 5,
                "deadline": DEADLINE,
            },
            RIGHTS_MODULE,
        ),
        (
            "Release",
            "Release",
            {"registrationId": 12, "right": 0, "creditor": REGISTRANT.address, "nonce": 5, "deadline": DEADLINE},
            RIGHTS_MODULE,
        ),
        (
            "LicenceRevocation",
            "LicenceRevocation",
            {
                "licenceId": (12 << 48) | (1 << 40) | (1 << 32) | 4,
                "licensor": REGISTRANT.address,
                "reasonDigest": digest("reason"),
                "nonce": 4,
                "deadline": DEADLINE,
            },
            RIGHTS_MODULE,
        ),
    ]
    return {
        **_header("eip712", "eip712.md"),
        "signer": _signer(),
        "vectors": [
            typed_data_vector(name, primary, message, contract) for name, primary, message, contract in messages
        ],
    }


def _entries(count: int) -> list[bytes]:
    return [hashlib.sha256(f"entry {i}".encode()).digest() for i in range(count)]


def merkle_vectors() -> dict[str, Any]:
    trees = []
    for scheme in ("merkle/2", "merkle/1"):
        for size in (1, 2, 3, 4, 5, 7, 8, 13):
            entries = _entries(size)
            tree = MerkleTree.build(entries, scheme)  # type: ignore[arg-type]
            trees.append(
                {
                    "scheme": scheme,
                    "size": size,
                    "entries": [_hex(e) for e in entries],
                    "leaves": [_hex(leaf_hash(e)) for e in entries],
                    "root": _hex(tree.root),
                    "proofs": [[_hex(node) for node in tree.proof(e)] for e in entries],
                }
            )
    return {
        **_header("merkle", "merkle.md"),
        "leaf_domain_preimage": "DataRightsLedger.EvidenceAnchors.leaf.v1",
        "leaf_domain": _hex(LEAF_DOMAIN),
        "entries_note": "entry i = sha256(utf8('entry ' + i))",
        "trees": trees,
    }


def data_commitment_vectors() -> dict[str, Any]:
    files = _files()
    entries = [file_entry(file) for file in files]
    commitments = []
    for scheme in ("merkle/2", "merkle/1"):
        tree = MerkleTree.build(entries, scheme)  # type: ignore[arg-type]
        commitments.append(
            {
                "scheme": scheme,
                "root": _hex(tree.root),
                "proofs": {file.path: [_hex(n) for n in tree.proof(file_entry(file))] for file in files},
            }
        )
    single = files[0]
    return {
        **_header("data commitment", "data-commitment.md"),
        "files": [
            {**file.model_dump(), "entry_canonical": canonical_json(file).decode(), "entry": _hex(file_entry(file))}
            for file in files
        ],
        "folder": commitments,
        "single_file": {"scheme": "sha256", "file": single.model_dump(), "root": single.sha256},
    }


def evidence_content(size: int) -> bytes:
    """The content of an evidence-CID vector: byte i is i mod 251."""
    pattern = bytes(range(251))
    return (pattern * (size // 251 + 1))[:size]


def evidence_cid_vectors() -> dict[str, Any]:
    files = []
    for profile in PROFILES.values():
        chunk = profile.chunk_size
        sizes = [0, 1, 1000, chunk, chunk + 1, 3 * chunk + 5]
        if profile.max_links * chunk <= 64 << 20:
            sizes.append((profile.max_links + 1) * chunk + 7)  # two levels of DAG-PB nodes
        for size in sizes:
            files.append(
                {"profile": profile.name, "size": size, "cid": unixfs_cid_of_bytes(evidence_content(size), profile)}
            )
    return {
        **_header("evidence file CIDs", "evidence-cid.md"),
        "content": "byte i of a file of n bytes is i mod 251 (i = 0 .. n-1)",
        "profiles": [
            {
                "name": p.name,
                "cid_version": 1,
                "hash": "sha2-256",
                "raw_leaves": True,
                "layout": "balanced",
                "chunker": f"size-{p.chunk_size}",
                "chunk_size": p.chunk_size,
                "max_links": p.max_links,
                "kubo_add_options": p.add_options(),
            }
            for p in PROFILES.values()
        ],
        "files": files,
    }


def ids_vectors() -> dict[str, Any]:
    tokens = [
        ids.CertificateTokenId(1, 1, 0, 202503010001),
        ids.CertificateTokenId(12, 2, 1, 202512319999),
        ids.CertificateTokenId(2**63 - 1, 65535, 1, 2**64 - 1),
    ]
    licences = [
        ids.LicenceId(1, 1, False, 0, 1),
        ids.LicenceId(12, 2, True, 0, 4),
        ids.LicenceId(12, 2, False, 4, 9),
        ids.LicenceId(2**63 - 1, 2, True, 65535, 65535),
    ]
    numbers = [(1740758400, 1), (1740758399, 2), (1767196799, 9999), (951868800, 17)]
    return {
        **_header("identifiers", "ids.md"),
        "certificate_token_ids": [
            {
                "registration_id": str(t.registration_id),
                "authority_id": t.authority_id,
                "certificate_type": t.certificate_type,
                "number": str(t.number),
                "token_id": str(t.encode()),
                "token_id_hex": hex(t.encode()),
            }
            for t in tokens
        ],
        "licence_ids": [
            {
                "registration_id": str(lic.registration_id),
                "right": lic.right,
                "sublicensable": lic.sublicensable,
                "parent_sequence": lic.parent_sequence,
                "sequence": lic.sequence,
                "licence_id": str(lic.encode()),
                "licence_id_hex": hex(lic.encode()),
                "parent_licence_id": str(lic.parent.encode()) if lic.parent else "0",
            }
            for lic in licences
        ],
        "certificate_numbers": [
            {
                "timestamp": timestamp,
                "day": ids.issue_day(timestamp).isoformat(),
                "yyyymmdd": int(ids.issue_day(timestamp).strftime("%Y%m%d")),
                "sequence": sequence,
                "number": str(ids.CertificateNumber(ids.issue_day(timestamp), sequence).encode()),
            }
            for timestamp, sequence in numbers
        ],
    }


def certificate_document_v1() -> CertificateDocumentV1:
    """A version 1 document (drl.certificate/1), still read and checked."""
    current, _ = signed_manifests()
    token = ids.CertificateTokenId(12, 1, 0, 202503010001)
    return CertificateDocumentV1(
        certificate_number=str(token.number),
        certificate_type="property_registration",
        token_id=str(token.encode()),
        registration_id=token.registration_id,
        authority_id=token.authority_id,
        chain_id=CHAIN_ID,
        registry=REGISTRY,
        kind="resource",
        origin="enterprise",
        grade="general",
        holder=REGISTRANT.address,
        rights=[
            CertifiedRight(right=Right.RESOURCE_HOLDING, holder=REGISTRANT.address),
            CertifiedRight(right=Right.PROCESSING_AND_USE, holder=REGISTRANT.address),
        ],
        manifest_digest=_hex(sha256(canonical_json(current))),
        data_commitment=current.manifest.data_commitment.root,
        issued_block=120,
        verification_url="https://ledger.example/v1/certificates/202503010001",
    )


def certificate_document() -> CertificateDocument:
    """A version 2 document: version 1's members, the printed facts and the issued PDF's hash and CID."""
    pdf = b"%PDF-1.7 the certificate as issued (a stand-in: the vector shows the bytes of the document)"
    return CertificateDocument(
        **certificate_document_v1().model_dump(exclude={"schema_version"}),
        data_name=signed_manifests()[0].manifest.title,
        authority_name="数据产权登记中心 Data Property Registration Centre",
        issued_at="2025-03-01T02:30:00Z",
        pdf_sha256=_hex(sha256(pdf)),
        pdf_cid=unixfs_cid_of_bytes(pdf),
    )


def _certificate_vector(document: CertificateDocument | CertificateDocumentV1) -> dict[str, Any]:
    block = canonical_json(document)
    return {
        "document": json.loads(block),
        "canonical": block.decode(),
        "sha256": _hex(sha256(block)),
        "cid": raw_cid(block),
        "token_uri": f"ipfs://{raw_cid(block)}",
    }


def certificate_vectors() -> dict[str, Any]:
    return {
        **_header("drl.certificate/2", "certificate.md"),
        "schema_file": "docs/formats/schemas/certificate.schema.json",
        "vectors": [_certificate_vector(certificate_document()), _certificate_vector(certificate_document_v1())],
    }


def example_bundle() -> ProofBundle:
    """A bundle as the service writes it (the chain's side fabricated: it shows the bytes, not a chain)."""
    current, _ = signed_manifests()
    block = canonical_json(current)
    submission = submission_of_document(current)
    tx = _hex(keccak(text="submit transaction"))
    block_hash = _hex(keccak(text="block 100"))
    submitted = BundleEvent(
        contract="Registrations",
        address=REGISTRY,
        name="RegistrationSubmitted",
        block_number=100,
        block_hash=block_hash,
        tx_hash=tx,
        log_index=0,
        args={
            "registrationId": 12,
            "registrant": REGISTRANT.address,
            "authorityId": 1,
            "kind": 0,
            "origin": 1,
            "grade": 0,
            "personalInfo": False,
            "rights": rights_mask(submission.rights),
            "manifestDigest": _hex(submission.manifest_digest),
            "dataCommitment": _hex(submission.data_commitment),
            "parents": [],
        },
    )
    file = current.manifest.data_commitment.files[0]
    tree = MerkleTree.build([file_entry(f) for f in current.manifest.data_commitment.files], "merkle/2")
    proof = FileProof(
        path=file.path,
        size=file.size,
        sha256=file.sha256,
        root=_hex(tree.root),
        proof=[_hex(n) for n in tree.proof(file_entry(file))],
    )
    registration = RegistrationBundle(
        registration_id=12,
        status=1,
        events=[submitted],
        manifest_block=base64.b64encode(block).decode(),
        file=proof,
    )
    return ProofBundle(chain_id=CHAIN_ID, registry=REGISTRY, registration=registration)


def bundle_vectors() -> dict[str, Any]:
    bundle = example_bundle()
    registration = bundle.registration
    block = base64.b64decode(registration.manifest_block)
    return {
        **_header("drl.bundle/2", "bundle.md"),
        "schema_file": "docs/formats/schemas/bundle.schema.json",
        "vectors": [
            {
                "bundle": bundle.model_dump(mode="json"),
                "expected": {
                    "manifest_block_sha256": _hex(sha256(block)),
                    "manifest_block_cid": raw_cid(block),
                    "committed_data": committed_data(registration.events),
                    "file_proof_holds": True,
                },
            }
        ],
    }


TLOG_ORIGIN = "example.drl.local/evidence"
TLOG_SEED = bytes(range(32))
# Every inclusion and consistency proof of trees up to this size is a vector of tlog.json (from tlog-merkle.json).
TLOG_VECTOR_SIZE = 13


def tlog_vectors() -> dict[str, Any]:
    """The evidence log: a log key, a signed checkpoint, an evidence entry and its leaf, and RFC 6962 proofs.

    The proofs are those of transparency-dev/merkle's reference tree, as `tlog vectors` (tools/tlog) printed them
    into tlog-merkle.json, with their roots and 0x-prefixed so forge reads them too.
    """
    signing, key = signing_key_from_seed(TLOG_ORIGIN, TLOG_SEED)
    reference = json.loads((VECTORS / "tlog-merkle.json").read_text())
    roots = [bytes.fromhex(root) for root in reference["roots"]]
    entry = EvidenceEntry(
        kind="usage",
        party=REGISTRANT.address,
        subject=_hex(hashlib.sha256(b"the licensed data set").digest()),
        licence_id=7,
        scope="C13",
        at=datetime(2026, 3, 1, 8, 30, tzinfo=UTC),
        persons=(Commitment(value=_hex(hashlib.sha256(bytes(32) + b"operator 42").digest())),),
    )
    size = 5
    body = f"{TLOG_ORIGIN}\n{size}\n{base64.b64encode(roots[size]).decode()}\n"
    checkpoint = sign_note(body, signing)
    verify_checkpoint(checkpoint, key)
    inclusion = [
        {
            **v,
            "leaf_hash": "0x" + v["leaf_hash"],
            "root": _hex(roots[v["size"]]),
            "proof": ["0x" + p for p in v["proof"]],
        }
        for v in reference["inclusion"]
        if v["size"] <= TLOG_VECTOR_SIZE
    ]
    consistency = [
        {
            **v,
            "root1": _hex(roots[v["size1"]]),
            "root2": _hex(roots[v["size2"]]),
            "proof": ["0x" + p for p in v["proof"]],
        }
        for v in reference["consistency"]
        if v["size2"] <= TLOG_VECTOR_SIZE
    ]
    return {
        **_header("drl.evidence/1 entries in a C2SP tlog-tiles log", "tlog.md"),
        "key": {
            "name": TLOG_ORIGIN,
            "ed25519_seed": _hex(TLOG_SEED),
            "signing_key": signing,
            "verifier_key": key.encode(),
        },
        "checkpoint": {"origin": TLOG_ORIGIN, "size": size, "root": _hex(roots[size]), "signed_note": checkpoint},
        "entry": {
            "fields": entry.model_dump(mode="json", by_alias=True, exclude_none=True),
            "leaf": entry.leaf().decode(),
            "digest": _hex(entry.digest()),
            "leaf_hash": _hex(entry.leaf_hash()),
        },
        "evidence_bundle": evidence_bundle_vector(entry, signing, key.encode()),
        "empty_root": _hex(tlog.EMPTY_ROOT),
        "tile_paths": {str(n): tlog.tile_index_path(n) for n in (0, 7, 256, 1000, 1234067)},
        "inclusion_count": len(inclusion),
        "inclusion": inclusion,
        "consistency_count": len(consistency),
        "consistency": consistency,
    }


def evidence_bundle_vector(entry: EvidenceEntry, signing: str, verifier_key: str) -> dict[str, Any]:
    """A drl.evidence-bundle/1 over a log of three entries (the chain's side fabricated, as in bundle.json)."""
    leaves = [entry.leaf(), b"a second entry", b"a third entry"]
    hashes = [tlog.leaf_hash(leaf) for leaf in leaves]

    def subtree(level: int, index: int) -> bytes:
        return tlog.root_from_leaf_hashes(hashes[index << level : (index + 1) << level])

    def signed(size: int) -> str:
        root = base64.b64encode(tlog.root_from_leaf_hashes(hashes[:size])).decode()
        return sign_note(f"{TLOG_ORIGIN}\n{size}\n{root}\n", signing)

    bundle = EvidenceBundle(
        chain_id=CHAIN_ID,
        evidence_anchors="0x" + "ab" * 20,
        anchorer=REGISTRANT.address,
        log_key=verifier_key,
        entry=entry.leaf().decode(),
        index=0,
        checkpoint=AnchoredCheckpoint(signed_note=signed(3)),
        inclusion_proof=[_hex(tlog.range_hash(a, b, subtree)) for a, b in tlog.inclusion_ranges(0, 3)],
        consistency=ConsistencyStep(
            checkpoint=AnchoredCheckpoint(signed_note=signed(1)),
            proof=[_hex(tlog.range_hash(a, b, subtree)) for a, b in tlog.consistency_ranges(1, 3)],
        ),
    )
    check_offline(bundle)
    return bundle.model_dump(mode="json", by_alias=True, exclude_none=True)


def evidence_certificate_vectors() -> dict[str, Any]:
    """A drl.evidence-certificate/1 of the first entry of tlog.json's bundle (the anchoring transaction fabricated)."""
    bundle = tlog_vectors()["evidence_bundle"]
    _, key = signing_key_from_seed(TLOG_ORIGIN, TLOG_SEED)
    checkpoint = verify_checkpoint(bundle["checkpoint"]["signed_note"], key)
    number = ids.CertificateNumber(datetime(2026, 3, 1).date(), 1).encode()
    document = EvidenceCertificateDocument(
        certificate_number=str(number),
        issued_by=dev_account(0, CHAIN_ID).address,
        issued_at="2026-03-01T02:30:00Z",
        chain_id=bundle["chain_id"],
        evidence_anchors=bundle["evidence_anchors"],
        anchorer=bundle["anchorer"],
        log_key=bundle["log_key"],
        entries=[CertifiedEntry(index=bundle["index"], leaf_hash=_hex(tlog.leaf_hash(bundle["entry"].encode())))],
        checkpoint=CertifiedCheckpoint(
            origin=checkpoint.origin,
            size=checkpoint.size,
            root=_hex(checkpoint.root),
            signed_note=bundle["checkpoint"]["signed_note"],
            anchoring_transaction="0x" + "cd" * 32,
            anchoring_block=42,
        ),
    )
    block = canonical_json(document)
    return {
        **_header("drl.evidence-certificate/1", "evidence-certificate.md"),
        "schema_file": "docs/formats/schemas/evidence-certificate.schema.json",
        "bundle": "tlog.json, member evidence_bundle: the bundle of the certified entry",
        "document": json.loads(block),
        "canonical": block.decode(),
        "sha256": _hex(sha256(block)),
        "cid": raw_cid(block),
        "evidence_entry_subject": _hex(sha256(block)),
    }


def render(document: dict[str, Any]) -> str:
    """The exact text of a vector or schema file."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def outputs() -> dict[Path, str]:
    """Every file this script writes, with its text."""
    return {
        VECTORS / "manifest.json": render(manifest_vectors()),
        VECTORS / "eip712.json": render(typed_data_vectors()),
        VECTORS / "merkle.json": render(merkle_vectors()),
        VECTORS / "data-commitment.json": render(data_commitment_vectors()),
        VECTORS / "evidence-cid.json": render(evidence_cid_vectors()),
        VECTORS / "ids.json": render(ids_vectors()),
        VECTORS / "certificate.json": render(certificate_vectors()),
        VECTORS / "bundle.json": render(bundle_vectors()),
        VECTORS / "tlog.json": render(tlog_vectors()),
        VECTORS / "evidence-certificate.json": render(evidence_certificate_vectors()),
        SCHEMAS / "certificate.schema.json": render(certificate_schema()),
        SCHEMAS / "certificate-1.schema.json": render(certificate_schema("drl.certificate/1")),
        SCHEMAS / "bundle.schema.json": render(bundle_schema()),
        SCHEMAS / "evidence-certificate.schema.json": render(evidence_certificate_schema()),
    }


if __name__ == "__main__":
    for path, text in outputs().items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(path.relative_to(ROOT))
