"""The manifest: the full, typed application of a registration (DESIGN.md §1, §3).

A manifest describes the data (what, where from, how collected, how graded), commits to its files
by hash, lists the evidence package by CID, names the rights claimed and the parents it derives from,
and is signed by the registrant. Fields that could identify a person are salted commitments only.
`drl.manifest/2` (every new manifest) names the chain id and registry its signature is bound to, the
import profile of its evidence files, and commits to folders with `merkle/2`; `drl.manifest/1` manifests
(neither binding nor profile, `merkle/1` folders) stay verifiable. docs/formats/manifest.md specifies both;
`docs/manifest.schema.json` is exported from this model.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from web3 import Web3

from ledger.manifest.canonical import canonical_json, sha256
from ledger.manifest.unixfs import PROFILES, UnixFsProfile
from ledger.proofs.merkle import MerkleTree, TreeScheme
from ledger.vocabulary import Grade, Origin, Right

ManifestVersion = Literal["drl.manifest/1", "drl.manifest/2"]
SCHEMA_VERSION: ManifestVersion = "drl.manifest/2"
LEGACY_VERSION: ManifestVersion = "drl.manifest/1"
EvidenceProfile = Literal["unixfs-v1-2025"]
CURRENT_EVIDENCE_PROFILE: EvidenceProfile = "unixfs-v1-2025"
LEGACY_EVIDENCE_PROFILE = "drl-unixfs-256k/1"

HEX32 = r"^0x[0-9a-f]{64}$"
# GB/T 4754-2017: a section letter A-T, optionally followed by a 2-, 3- or 4-digit class code.
INDUSTRY_CODE = r"^[A-T](\d{2}(\d{1,2})?)?$"
CID_PATTERN = r"^b[a-z2-7]{58,}$"


def _checksum_address(value: str) -> str:
    if not Web3.is_address(value):
        raise ValueError(f"{value!r} is not an Ethereum address")
    return str(Web3.to_checksum_address(value))


Address = Annotated[str, AfterValidator(_checksum_address)]
Digest = Annotated[str, Field(pattern=HEX32, description="0x-prefixed lower-case hex of 32 bytes")]
Cid = Annotated[str, Field(pattern=CID_PATTERN, description="base32 CIDv1")]
ShortText = Annotated[str, Field(min_length=1, max_length=200)]
LongText = Annotated[str, Field(min_length=1, max_length=4000)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=False)


class Kind(StrEnum):
    """What is registered: 数据资源, 数据产品, 数据资产."""

    RESOURCE = "resource"
    PRODUCT = "product"
    ASSET = "asset"


class UpdateFrequency(StrEnum):
    """How often the data is updated (更新频率)."""

    REALTIME = "realtime"
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ONCE = "once"
    IRREGULAR = "irregular"


class DataStatus(StrEnum):
    """The state the data is in (数据状态)."""

    RAW = "raw"
    CLEANSED = "cleansed"
    PROCESSED = "processed"
    AGGREGATED = "aggregated"
    ANONYMISED = "anonymised"


class Tradability(StrEnum):
    """Whether the data may be traded: directly, only indirectly (as a service or model), or not at all."""

    DIRECTLY = "directly"
    INDIRECTLY = "indirectly"
    NOT_TRADABLE = "not_tradable"


class CollectionMethod(StrEnum):
    """How the data was obtained."""

    SELF_COLLECTED = "self_collected"
    GENERATED_IN_OPERATION = "generated_in_operation"
    AUTHORISED = "authorised"
    PURCHASED = "purchased"
    PUBLIC_OPEN = "public_open"
    DERIVED = "derived"


class EvidenceKind(StrEnum):
    """The parts of the evidence package."""

    SAMPLE = "sample"
    AUTHORISATION_CHAIN = "authorisation_chain"
    QUALITY_REPORT = "quality_report"
    COMPLIANCE_OPINION = "compliance_opinion"
    VALUATION_REPORT = "valuation_report"
    DECLARATION = "declaration"


class Commitment(_Model):
    """A salted commitment to a value that could identify a person: sha256(salt ‖ value).

    The salt stays off chain and off IPFS; erasing it honours a deletion request, after which the
    commitment can no longer be opened, while the chain and the manifest stay untouched.
    """

    scheme: Literal["sha256-salted/1"] = "sha256-salted/1"
    value: Digest


class Classification(_Model):
    """分类分级: the category code, the grade, and whether personal information is involved."""

    category: ShortText
    grade: Grade
    personal_information: bool


class Source(_Model):
    """Where the data comes from and how it was collected."""

    description: LongText
    collection_method: CollectionMethod


class TimeRange(_Model):
    """The period the data covers."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> TimeRange:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


class FileDigest(_Model):
    """One data file: its path inside the registered folder, size and sha256."""

    path: Annotated[str, Field(min_length=1, max_length=1024)]
    size: Annotated[int, Field(ge=0)]
    sha256: Digest


class DataCommitment(_Model):
    """The commitment to the data files: the sha256 of a single file, or the Merkle root over many.

    The Merkle tree is the ledger's (`ledger.proofs.merkle`, the one the anchors contract verifies);
    one entry per file (`file_entry`), so one file is proven by its inclusion proof without revealing
    the others. Listed files must produce the root: otherwise a registrant could list files it never
    committed to (issue 11, item 0). Folders of more than 10,000 files list no files here.
    """

    scheme: Literal["sha256", "merkle/1", "merkle/2"]
    root: Digest
    file_count: Annotated[int, Field(ge=1)]
    total_bytes: Annotated[int, Field(ge=0)]
    files: Annotated[list[FileDigest], Field(max_length=10_000)] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> DataCommitment:
        if self.scheme == "sha256" and self.file_count != 1:
            raise ValueError("a sha256 commitment covers exactly one file")
        if self.files and len(self.files) != self.file_count:
            raise ValueError("files lists fewer or more entries than file_count")
        if self.scheme == "sha256" and self.files and self.files[0].sha256 != self.root:
            raise ValueError("the root of a sha256 commitment is the file's sha256")
        if self.scheme != "sha256" and self.files and commitment_root(self.scheme, self.files) != self.root:
            raise ValueError(f"the files listed do not produce the root {self.root} under {self.scheme}")
        return self


def file_entry(file: FileDigest) -> bytes:
    """The Merkle entry of one file: sha256 of the canonical JSON of {path, sha256, size}."""
    return sha256(canonical_json(file))


def commitment_root(scheme: TreeScheme, files: list[FileDigest]) -> str:
    """The root the files produce under a Merkle scheme (0x-hex); refuses a path listed twice."""
    if len({file.path for file in files}) != len(files):
        raise ValueError("a path is listed twice")
    return "0x" + MerkleTree.build([file_entry(file) for file in files], scheme).root.hex()


class Evidence(_Model):
    """One item of the evidence package, stored on IPFS as a UnixFS file."""

    kind: EvidenceKind
    cid: Cid
    sha256: Digest
    issuing_agency: ShortText | None = None
    agency_address: Address | None = None


class LicenceScope(_Model):
    """The scope of a licence: usage scenario, purpose, volume, territory and term."""

    usage_scenario: LongText
    purpose: LongText
    volume: ShortText
    territory: ShortText
    term_start: date
    term_end: date

    @model_validator(mode="after")
    def _ordered(self) -> LicenceScope:
        if self.term_end < self.term_start:
            raise ValueError("term_end is before term_start")
        return self


class Manifest(_Model):
    """A registration's application (versions 1 and 2)."""

    schema_version: ManifestVersion = Field(default=SCHEMA_VERSION, alias="schema")
    chain_id: Annotated[int, Field(ge=1, description="version 2: the chain the signature is bound to")] | None = None
    registry: Annotated[Address, Field(description="version 2: the registry the signature is bound to")] | None = None
    evidence_cid_profile: EvidenceProfile | None = Field(
        default=None, description="version 2: the UnixFS import profile of the evidence files' CIDs"
    )
    kind: Kind
    origin: Origin
    title: ShortText
    description: LongText
    category: ShortText
    industry: Annotated[str, Field(pattern=INDUSTRY_CODE, description="GB/T 4754-2017 code, e.g. I64")]
    update_frequency: UpdateFrequency
    data_status: DataStatus
    tradability: Tradability
    business_owner: Commitment
    responsible_person: Commitment
    classification: Classification
    source: Source
    time_range: TimeRange
    volume: ShortText
    formats: Annotated[list[Annotated[str, Field(min_length=1, max_length=40)]], Field(min_length=1, max_length=50)]
    data_commitment: DataCommitment
    evidence: Annotated[list[Evidence], Field(max_length=100)] = Field(default_factory=list)
    licence_scope: LicenceScope | None = None
    parents: Annotated[list[Annotated[int, Field(ge=1)]], Field(max_length=32)] = Field(default_factory=list)
    rights_claimed: Annotated[list[Right], Field(min_length=1, max_length=3)]
    registrant: Address
    authority_id: Annotated[int, Field(ge=1, le=65535)]
    created_at: datetime

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _rules(self) -> Manifest:
        if len(set(self.rights_claimed)) != len(self.rights_claimed):
            raise ValueError("rights_claimed lists a right twice")
        if len(set(self.parents)) != len(self.parents):
            raise ValueError("parents lists a registration twice")
        if self.origin is Origin.PERSONAL and not self.classification.personal_information:
            raise ValueError("personal data must be classified as involving personal information")
        if self.created_at.tzinfo is None:
            raise ValueError("created_at needs a time zone")
        return self._versioned()

    def _versioned(self) -> Manifest:
        bound = (self.chain_id, self.registry, self.evidence_cid_profile)
        if self.schema_version == LEGACY_VERSION:
            if any(value is not None for value in bound):
                raise ValueError("a drl.manifest/1 names no chain_id, registry or evidence_cid_profile")
            if self.data_commitment.scheme == "merkle/2":
                raise ValueError("a drl.manifest/1 commits to folders with merkle/1")
        else:
            # a draft may still be unbound (sign_manifest binds it); a signed one must be bound to verify
            if (self.chain_id is None) != (self.registry is None):
                raise ValueError("a drl.manifest/2 names both its chain_id and its registry, or neither yet")
            if self.data_commitment.scheme == "merkle/1":
                raise ValueError("a drl.manifest/2 commits to folders with merkle/2")
        return self


class RegistrantSignature(_Model):
    """The registrant's EIP-712 signature over the manifest's canonical hash."""

    scheme: Literal["eip712/drl-manifest/1"] = "eip712/drl-manifest/1"
    signer: Address
    value: Annotated[str, Field(pattern=r"^0x[0-9a-f]{130}$")]


class SignedManifest(_Model):
    """What is stored as one raw IPFS block: the manifest and its registrant's signature."""

    manifest: Manifest
    signature: RegistrantSignature


def evidence_profile(manifest: dict[str, object]) -> UnixFsProfile:
    """The import profile of the evidence files of a manifest (as JSON): recorded, or the legacy one for v1."""
    return PROFILES[str(manifest.get("evidence_cid_profile") or LEGACY_EVIDENCE_PROFILE)]


def is_digest(value: str) -> bool:
    """Whether `value` is a 0x-prefixed lower-case 32-byte hex digest."""
    return re.fullmatch(HEX32, value) is not None
