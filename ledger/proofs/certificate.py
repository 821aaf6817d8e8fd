"""Checking a certificate document offline: every member it claims, re-derived from the chain alone.

A certificate document (docs/formats/certificate.md) is published by the authority, and the chain records its
sha256 (`Certificates.documentOf`). Whoever holds a copy can check it against any node of the chain, trusting
neither the service nor its database: `verify_certificate` reads the chain through a `CertificateReader` (the
only door to the network, implemented in `ledger.chain.reader`) and re-derives, for the document's version,
each member it states:
- the number, registration, authority and type from the token id (and the token id from the chain);
- the holder and the block of issue from the certificate token's mint;
- kind, origin and grade from the registration;
- the manifest digest, the data commitment and the rights with their holders as they stood when the document
  was published (the registry's and the rights module's events up to the publication);
- and last the document's own digest against the one on chain, which covers the members nothing on chain
  states (the verification address and the statement).
The first member that differs is named in the error, so a hand-edited document is refused with a sentence
saying what was changed. A genuine document is then reported with where its certificate stands now: live or
retired, and the registration's status.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from ledger.chain.ids import decode_certificate_token_id
from ledger.manifest.canonical import canonical_json, sha256
from ledger.manifest.cid import raw_cid_of_digest
from ledger.vocabulary import CertificateType, Grade, Kind, Origin, Right, Status

ZERO_ADDRESS = "0x" + "00" * 20
MANIFEST_EVENTS = ("RegistrationSubmitted", "RegistrationChanged")


@dataclass(frozen=True)
class LoggedEvent:
    """An event as the node returns it: where it is in the chain, and its decoded arguments."""

    block_number: int
    position: tuple[int, int, int]  # block number, transaction index, log index: the chain's order
    args: dict[str, Any]


class CertificateReader(Protocol):
    """What the certificate checker needs from a node of the chain."""

    def chain_id(self) -> int: ...

    def certificates_of(self, registry: str) -> str:
        """The address of the registry's certificate token (`Registrations.certificates`)."""
        ...

    def rights_of(self, registry: str) -> str:
        """The address of the registry's rights module (`Registrations.rights`)."""
        ...

    def document_digest(self, certificates: str, token_id: int) -> str:
        """`Certificates.documentOf(tokenId)` as 0x hex (zero until a document is published)."""
        ...

    def is_live(self, certificates: str, token_id: int) -> bool:
        """Whether the token exists now (a retired certificate is burnt)."""
        ...

    def registration(self, registry: str, registration_id: int) -> Mapping[str, Any]:
        """`Registrations.registration(id)` by member name (status, authorityId, kind, origin, grade, rights,
        registrant, ...)."""
        ...

    def events(self, contract: str, address: str, event: str, filters: Mapping[str, Any]) -> list[LoggedEvent]:
        """The events `event` of the contract at `address` whose indexed arguments match `filters`, in chain order."""
        ...

    def block_timestamp(self, number: int) -> int:
        """The timestamp of a block."""
        ...


class CertificateCheckError(Exception):
    """A certificate document failed a check; the message is a sentence naming the member at fault."""


@dataclass(frozen=True)
class CertificateCheck:
    """A certificate document found to be the one the chain records, and where its certificate stands now."""

    version: str
    token_id: int
    number: int
    registration_id: int
    cid: str
    live: bool
    status: Status

    @property
    def current(self) -> bool:
        """The certificate still stands: its token exists and its registration is certified."""
        return self.live and self.status is Status.CERTIFIED


def _differs(member: str, claimed: Any, derived: Any) -> CertificateCheckError:
    return CertificateCheckError(
        f"{member}: the document says {json.dumps(claimed, ensure_ascii=False)}, "
        f"the chain says {json.dumps(derived, ensure_ascii=False)}"
    )


def _same_address(a: Any, b: str) -> bool:
    return isinstance(a, str) and a.lower() == b.lower()


@dataclass(frozen=True)
class _Facts:
    """What the chain says about a certificate, read once for every member check."""

    registry: str
    certificates: str
    token_id: int
    registration: Mapping[str, Any]
    mint: LoggedEvent
    publication: LoggedEvent
    registry_events: list[tuple[str, LoggedEvent]]
    transfers: list[LoggedEvent]
    reader: CertificateReader
    manifest_of: ManifestSource | None

    def before_publication(self, event: LoggedEvent) -> bool:
        return event.position < self.publication.position

    def manifest_and_commitment(self) -> tuple[str, str]:
        """The manifest digest and data commitment on chain when the document was published."""
        manifest, commitment, pending = "", "", ""
        for name, event in self.registry_events:
            if not self.before_publication(event):
                continue
            if name == "RegistrationSubmitted":
                manifest, commitment = event.args["manifestDigest"], event.args["dataCommitment"]
            elif name == "ChangeRequested":
                pending = event.args["dataCommitment"]
            elif name == "RegistrationChanged":
                manifest, commitment = event.args["manifestDigest"], pending or commitment
        return manifest, commitment

    def rights(self) -> list[dict[str, str]]:
        """The rights and their holders when the document was published: none before certification; then each
        claimed right, held by the registrant until a RightTransferred moves it."""
        certified = any(
            name == "RegistrationCertified" and self.before_publication(event) for name, event in self.registry_events
        )
        if not certified:
            return []
        claimed = [right for right in Right if int(self.registration["rights"]) & right.bit]
        holders = {right: str(self.registration["registrant"]) for right in claimed}
        for event in self.transfers:
            if self.before_publication(event):
                holders[Right.of(int(event.args["right"]))] = str(event.args["newHolder"])
        return [{"right": right.value, "holder": holders[right]} for right in claimed]

    def issued_at(self) -> str:
        """The time of the last certification before the publication, RFC 3339 in UTC (version 2's `issued_at`)."""
        certified = [
            event
            for name, event in self.registry_events
            if name == "RegistrationCertified" and self.before_publication(event)
        ]
        if not certified:
            return ""
        moment = datetime.fromtimestamp(self.reader.block_timestamp(certified[-1].block_number), UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


Check = Callable[[dict[str, Any], _Facts], None]
ManifestSource = Callable[[str], bytes]
"""Fetches the raw block of a manifest by its digest (0x hex), e.g. from any IPFS node; its sha256 is checked."""


def _check_equal(member: str, derive: Callable[[_Facts], Any]) -> Check:
    def check(document: dict[str, Any], facts: _Facts) -> None:
        derived = derive(facts)
        claimed = document[member]
        same = _same_address(claimed, derived) if isinstance(derived, str) and derived.startswith("0x") else False
        if not same and claimed != derived:
            raise _differs(member, claimed, derived)

    return check


def _check_rights(document: dict[str, Any], facts: _Facts) -> None:
    derived = facts.rights()
    claimed = document["rights"]
    normalised = (
        sorted((str(r.get("right")), str(r.get("holder")).lower()) for r in claimed if isinstance(r, dict))
        if isinstance(claimed, list)
        else None
    )
    if normalised != sorted((r["right"], r["holder"].lower()) for r in derived):
        raise _differs("rights", claimed, derived)


def _token(facts: _Facts) -> Any:
    return decode_certificate_token_id(facts.token_id)


# The members of version 1 and how each is derived; None: not stated on chain, covered by the digest only.
VERSION_1: dict[str, Check | None] = {
    "schema_version": None,
    "certificate_number": _check_equal("certificate_number", lambda f: str(_token(f).number)),
    "certificate_type": _check_equal(
        "certificate_type", lambda f: CertificateType.of(_token(f).certificate_type).value
    ),
    "token_id": _check_equal("token_id", lambda f: str(f.token_id)),
    "registration_id": _check_equal("registration_id", lambda f: _token(f).registration_id),
    "authority_id": _check_equal("authority_id", lambda f: _token(f).authority_id),
    "chain_id": None,  # checked first, against the node
    "registry": None,  # checked first, against the registry the checker was told to trust (if any)
    "kind": _check_equal("kind", lambda f: Kind.of(int(f.registration["kind"])).value),
    "origin": _check_equal("origin", lambda f: Origin.of(int(f.registration["origin"])).value),
    "grade": _check_equal("grade", lambda f: Grade.of(int(f.registration["grade"])).value),
    "holder": _check_equal("holder", lambda f: str(f.mint.args["to"])),
    "rights": _check_rights,
    "manifest_digest": _check_equal("manifest_digest", lambda f: f.manifest_and_commitment()[0]),
    "data_commitment": _check_equal("data_commitment", lambda f: f.manifest_and_commitment()[1]),
    "issued_block": _check_equal("issued_block", lambda f: f.mint.block_number),
    "verification_url": None,
    "statement": None,
}
"""Version 1 (`drl.certificate/1`): every member, checked in this order."""


def _check_data_name(document: dict[str, Any], facts: _Facts) -> None:
    """The title of the manifest on chain at publication (else `reg:<id>`): checked when a manifest source is
    given (`--ipfs`), since the chain holds only the manifest's digest; otherwise the document's digest covers it."""
    if facts.manifest_of is None:
        return
    digest = facts.manifest_and_commitment()[0]
    block = facts.manifest_of(digest)
    if "0x" + sha256(block).hex() != digest.lower():
        raise CertificateCheckError(f"data_name: the manifest source served another manifest than {digest}")
    manifest = json.loads(block).get("manifest", {})
    registration_id = _token(facts).registration_id
    derived = (manifest.get("title") if isinstance(manifest, dict) else None) or f"reg:{registration_id}"
    if document["data_name"] != derived:
        raise _differs("data_name", document["data_name"], derived)


VERSION_2: dict[str, Check | None] = {
    **VERSION_1,
    "data_name": _check_data_name,
    "authority_name": None,  # the service's configured name: covered by the digest
    "issued_at": _check_equal("issued_at", lambda f: f.issued_at()),
    "pdf_sha256": None,  # the PDF as issued: covered by the digest (and checked against the PDF by whoever holds it)
    "pdf_cid": None,
}
"""Version 2 (`drl.certificate/2`): version 1's members and what the paper certificate prints."""

OPTIONAL = frozenset({"pdf_sha256", "pdf_cid"})
"""Members a version may leave out."""

VERSIONS: dict[str, dict[str, Check | None]] = {"drl.certificate/1": VERSION_1, "drl.certificate/2": VERSION_2}
"""The document versions the checker knows; a new version adds its members (and their checks) here, and older
versions stay verifiable."""


def _members(document: dict[str, Any]) -> tuple[str, dict[str, Check | None]]:
    version = document.get("schema_version")
    checks = VERSIONS.get(version) if isinstance(version, str) else None
    if checks is None:
        raise CertificateCheckError(f"schema_version: {json.dumps(version)} is not a certificate document version")
    missing = [member for member in checks if member not in document and member not in OPTIONAL]
    if missing:
        raise CertificateCheckError(f"{missing[0]}: the document lacks this member, which {version} requires")
    unknown = [member for member in document if member not in checks]
    if unknown:
        raise CertificateCheckError(f"{unknown[0]}: {version} has no such member")
    return str(version), checks


def _token_id(document: dict[str, Any]) -> int:
    text = document["token_id"]
    if not isinstance(text, str) or not text.isdigit():
        raise CertificateCheckError(f"token_id: {json.dumps(text)} is not a decimal token id")
    return int(text)


def _one(events: list[LoggedEvent], what: str) -> LoggedEvent:
    if not events:
        raise CertificateCheckError(what)
    return events[0]


def _facts(reader: CertificateReader, registry: str, token_id: int, manifest_of: ManifestSource | None) -> _Facts:
    certificates = reader.certificates_of(registry)
    registration_id = decode_certificate_token_id(token_id).registration_id
    publication = _one(
        reader.events("Certificates", certificates, "CertificateDocumentPublished", {"tokenId": token_id}),
        f"token_id: the chain records no certificate document for token {token_id} (no such certificate, or a "
        "changed number)",
    )
    mints = [
        event
        for event in reader.events("Certificates", certificates, "Transfer", {"tokenId": token_id})
        if _same_address(event.args["from"], ZERO_ADDRESS)
    ]
    mint = _one(mints, f"token_id: the chain never issued certificate token {token_id}")
    registry_events = [
        (name, event)
        for name in ("RegistrationSubmitted", "ChangeRequested", "RegistrationChanged", "RegistrationCertified")
        for event in reader.events("Registrations", registry, name, {"registrationId": registration_id})
    ]
    registry_events.sort(key=lambda named: named[1].position)
    transfers = reader.events(
        "Rights", reader.rights_of(registry), "RightTransferred", {"registrationId": registration_id}
    )
    return _Facts(
        registry=registry,
        certificates=certificates,
        token_id=token_id,
        registration=reader.registration(registry, registration_id),
        mint=mint,
        publication=publication,
        registry_events=registry_events,
        transfers=transfers,
        reader=reader,
        manifest_of=manifest_of,
    )


def parse_document(data: bytes) -> dict[str, Any]:
    """The document as JSON (its raw block, or any re-serialisation of it); CertificateCheckError if it is not."""
    try:
        document = json.loads(data)
    except ValueError as error:
        raise CertificateCheckError(f"the document is not JSON: {error}") from error
    if not isinstance(document, dict):
        raise CertificateCheckError("the document is not a JSON object")
    return document


def document_block(document: dict[str, Any]) -> bytes:
    """The raw block the document is published as: its RFC 8785 canonical JSON (without the `cid` the service's
    answer adds)."""
    return canonical_json({member: value for member, value in document.items() if member != "cid"})


def verify_certificate(
    reader: CertificateReader,
    document: dict[str, Any],
    trusted_registry: str | None = None,
    manifest_of: ManifestSource | None = None,
) -> CertificateCheck:
    """Checks every member of `document` against the chain; raises CertificateCheckError naming the first member
    that differs. With `trusted_registry`, the document must be of that registry (else any registry the document
    names is read, and the caller should compare it with the one the registration authority publishes). With
    `manifest_of`, members read from the manifest (version 2's `data_name`) are checked too."""
    document = dict(document)
    served_cid = document.pop("cid", None)  # the service's answer adds the CID beside the document's members
    version, checks = _members(document)
    if document["chain_id"] != reader.chain_id():
        raise _differs("chain_id", document["chain_id"], reader.chain_id())
    registry = document["registry"]
    if not isinstance(registry, str) or len(registry) != 42 or not registry.startswith("0x"):
        raise CertificateCheckError(f"registry: {json.dumps(registry)} is not an address")
    if trusted_registry is not None and not _same_address(registry, trusted_registry):
        raise _differs("registry", registry, trusted_registry)
    token_id = _token_id(document)
    facts = _facts(reader, registry, token_id, manifest_of)
    for member, check in checks.items():
        if check is not None and member in document:
            check(document, facts)
    recorded = reader.document_digest(facts.certificates, token_id)
    block = document_block(document)
    if "0x" + sha256(block).hex() != recorded.lower():
        unchecked = ", ".join(member for member, check in checks.items() if check is None and member != "chain_id")
        raise CertificateCheckError(
            f"the document's sha256 is not the one recorded on chain for token {token_id}: a member the chain does "
            f"not state ({unchecked}) was changed"
        )
    cid = raw_cid_of_digest(bytes.fromhex(recorded[2:]))
    if served_cid is not None and served_cid != cid:
        raise _differs("cid", served_cid, cid)
    token = decode_certificate_token_id(token_id)
    return CertificateCheck(
        version=version,
        token_id=token_id,
        number=token.number,
        registration_id=token.registration_id,
        cid=cid,
        live=reader.is_live(facts.certificates, token_id),
        status=Status.of(int(facts.registration["status"])),
    )
