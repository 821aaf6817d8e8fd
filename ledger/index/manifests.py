"""Manifests of indexed registrations, fetched from IPFS, checked, and made searchable.

The chain holds each manifest's digest; the loader fetches the block from the ledger's own node
(offline: it never waits on the network), checks that it is the canonical form of a valid signed
manifest whose CID is the digest on chain and whose signature recovers to the registrant, and stores
the fields the catalogue searches and the files of the data commitment (for verification by file).

A manifest no node has is remembered as a miss (`ManifestMiss`) and asked for again only when its next
attempt is due: `RETRY_FIRST` after the first miss, twice as long after each further one, at most
`RETRY_CEILING`. Anyone admitted can put on chain the digest of a manifest that is on no node; asked for on
every pass, such digests cost the service 15 % of its CPU in the benchmark of issue 13. The miss is forgotten
once the manifest is loaded; the retention check reports what is missing.

The service pins each signed manifest a moment before its registration reaches the chain: it offers the block
to the index (`offer_block`, a row in the same database), and the loader takes it from there instead of asking
the node for it back (at 16 clients that fetch was 42 % of the service's CPU). An offered block is used only if
its sha256 is the digest on chain (and so its CID the chain's); any other is ignored and the node asked. An
offered block is taken at once, whenever the next attempt of an earlier miss would be.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import conflict_insert
from ledger.encoding import from_hex, to_hex
from ledger.index.tables import (
    DataFileRow,
    ManifestBlock,
    ManifestMiss,
    ManifestRecord,
    ManifestVersion,
    RegistrationRow,
)
from ledger.ipfs import ContentMismatchError, IpfsError, IpfsUnavailableError
from ledger.manifest.canonical import parse_canonical, sha256
from ledger.manifest.cid import raw_cid_of_digest
from ledger.manifest.model import SignedManifest
from ledger.manifest.signing import ManifestSignatureError, verify_manifest_signature
from ledger.replication import Pinset

log = logging.getLogger(__name__)


def _check(
    block: bytes, row: RegistrationRow, version: ManifestVersion, chain_id: int, registry: str
) -> tuple[SignedManifest | None, str | None]:
    try:
        document = parse_canonical(SignedManifest, block)
    except (ValidationError, ValueError) as error:
        return None, f"not a canonical signed manifest: {str(error)[:300]}"
    try:
        verify_manifest_signature(document, chain_id, registry)
    except ManifestSignatureError as error:
        return document, str(error)
    if document.manifest.registrant != row.registrant:
        return document, f"manifest names registrant {document.manifest.registrant}, the chain {row.registrant}"
    if document.manifest.data_commitment.root != version.data_commitment:
        root = document.manifest.data_commitment.root
        return document, f"manifest commits to data {root}, the chain to {version.data_commitment}"
    return document, None


PAGE_SIZE = 500
FETCHERS = 4
# An offered block not on chain this long after (a draft never submitted) is dropped; the node still has it.
OFFER_KEPT = timedelta(days=1)
# A manifest no node had is asked for again this long after the first miss, then twice as long after each further
# miss, up to the ceiling: a manifest pinned late is loaded within seconds, one that never comes costs one request
# an hour instead of one a pass.
RETRY_FIRST = timedelta(seconds=10)
RETRY_CEILING = timedelta(hours=1)

# The version, its registration, an offered block, and how many times the nodes were asked for it in vain so far.
Pending = tuple[ManifestVersion, RegistrationRow, bytes | None, int]
Fetched = tuple[ManifestVersion, str, SignedManifest | None, str | None]


def retry_delay(attempts: int) -> timedelta:
    """How long after its `attempts`-th miss a manifest is asked for again."""
    doublings = min(attempts - 1, 30)  # the ceiling is reached long before; this only bounds the arithmetic
    return min(RETRY_FIRST * (1 << doublings), RETRY_CEILING)


def offer_block(session: Session, block: bytes) -> None:
    """Offers a signed manifest's block, just pinned, to the index (in the caller's transaction): the loader takes
    it from here, once checked against the digest on chain, rather than from the node."""
    values = {"digest": to_hex(sha256(block)), "block": block, "offered_at": datetime.now(UTC)}
    insert = conflict_insert(session, ManifestBlock)
    session.execute(insert.values(values).on_conflict_do_nothing(index_elements=["digest"]))


def load_manifests(
    sessions: sessionmaker[Session],
    ipfs: Pinset,
    chain_id: int,
    registry: str,
    page_size: int = PAGE_SIZE,
    fetchers: int = FETCHERS,
    now: datetime | None = None,
) -> int:
    """Loads every manifest version not loaded yet whose next attempt is due at `now`, a page at a time; returns
    how many were recorded.

    Within a page `fetchers` threads fetch and check the manifests (Kubo answers many requests at once and
    the signature check is the rest of the time); the page's records go in one transaction, with the misses
    of the page: a manifest that cannot be fetched is passed over, so the pages move on to the end every time,
    and left alone until its next attempt (`retry_delay`).
    """
    moment = now or datetime.now(UTC)
    recorded, after = 0, (0, 0)
    with ThreadPoolExecutor(max_workers=fetchers, thread_name_prefix="manifests") as pool:
        while page := _pending(sessions, after, page_size, moment):
            found = [_offered(item, chain_id, registry) for item in page]
            asked = [index for index, offered in enumerate(found) if offered is None]
            if asked:  # only these need the node; a page of offered blocks never wakes the pool
                answers = pool.map(lambda item: _fetch(ipfs, item, chain_id, registry), [page[i] for i in asked])
                for index, answer in zip(asked, answers, strict=True):
                    found[index] = answer
            fetched = [manifest for manifest in found if manifest is not None]
            with sessions.begin() as session:
                session.add_all(_rows(fetched))
                _drop_offers(session, [item[0].manifest_digest for item in page if item[2] is not None])
                _note_misses(session, page, found, moment)
            recorded += len(fetched)
            after = (page[-1][0].registration_id, page[-1][0].version)
    return recorded


def _note_misses(session: Session, page: list[Pending], found: list[Fetched | None], now: datetime) -> None:
    """Remembers the page's manifests no node had, with their next attempt, and forgets the misses of those now
    loaded (in the page's transaction)."""
    missed = [
        {
            "registration_id": version.registration_id,
            "version": version.version,
            "manifest_digest": version.manifest_digest,
            "attempts": attempts + 1,
            "next_attempt_at": now + retry_delay(attempts + 1),
        }
        for (version, _, _, attempts), manifest in zip(page, found, strict=True)
        if manifest is None
    ]
    if missed:
        upsert = conflict_insert(session, ManifestMiss)
        changed = {column: upsert.excluded[column] for column in ("manifest_digest", "attempts", "next_attempt_at")}
        session.connection().execute(
            upsert.on_conflict_do_update(index_elements=["registration_id", "version"], set_=changed), missed
        )
    loaded = [
        (version.registration_id, version.version)
        for (version, _, _, attempts), manifest in zip(page, found, strict=True)
        if manifest is not None and attempts
    ]
    if loaded:
        session.execute(
            delete(ManifestMiss).where(
                or_(*(and_(ManifestMiss.registration_id == r, ManifestMiss.version == v) for r, v in loaded))
            )
        )


def _offered(item: Pending, chain_id: int, registry: str) -> Fetched | None:
    """The manifest checked from the block the service offered, if one was offered and its sha256 is the digest
    on chain; None otherwise (the node is asked)."""
    version, registration, block, _ = item
    if block is None:
        return None
    digest = from_hex(version.manifest_digest)
    if sha256(block) != digest:
        log.warning("the block offered for manifest %s is not its content; asking the node", version.manifest_digest)
        return None
    document, problem = _check(block, registration, version, chain_id, registry)
    return version, raw_cid_of_digest(digest), document, problem


def _drop_offers(session: Session, digests: list[str]) -> None:
    """Deletes the offered blocks of a recorded page, and offers no registration took up in `OFFER_KEPT`."""
    stale = ManifestBlock.offered_at < datetime.now(UTC) - OFFER_KEPT
    session.execute(delete(ManifestBlock).where(or_(ManifestBlock.digest.in_(digests), stale)))


def _pending(sessions: sessionmaker[Session], after: tuple[int, int], limit: int, now: datetime) -> list[Pending]:
    """The next manifest versions without a record, in (registration, version) order after `after`: those never
    missed, those whose next attempt is due at `now`, and those the service offered a block for."""
    registration_id, version = after
    with sessions() as session:
        rows = session.execute(
            select(ManifestVersion, RegistrationRow, ManifestBlock.block, ManifestMiss.attempts)
            .join(RegistrationRow, RegistrationRow.id == ManifestVersion.registration_id)
            .outerjoin(ManifestBlock, ManifestBlock.digest == ManifestVersion.manifest_digest)
            .outerjoin(
                ManifestRecord,
                (ManifestRecord.registration_id == ManifestVersion.registration_id)
                & (ManifestRecord.version == ManifestVersion.version),
            )
            .outerjoin(
                ManifestMiss,
                (ManifestMiss.registration_id == ManifestVersion.registration_id)
                & (ManifestMiss.version == ManifestVersion.version)
                & (ManifestMiss.manifest_digest == ManifestVersion.manifest_digest),
            )
            .where(ManifestRecord.registration_id.is_(None))
            .where(
                or_(
                    ManifestMiss.next_attempt_at.is_(None),
                    ManifestMiss.next_attempt_at <= now,
                    ManifestBlock.block.is_not(None),
                )
            )
            .where(
                or_(
                    ManifestVersion.registration_id > registration_id,
                    and_(ManifestVersion.registration_id == registration_id, ManifestVersion.version > version),
                )
            )
            .order_by(ManifestVersion.registration_id, ManifestVersion.version)
            .limit(limit)
        ).all()
    return [(row[0], row[1], row[2], row[3] or 0) for row in rows]


def _fetch(ipfs: Pinset, item: Pending, chain_id: int, registry: str) -> Fetched | None:
    """One manifest fetched from the node and checked; None if the node does not have it (yet)."""
    version, registration, _, _ = item
    cid = raw_cid_of_digest(from_hex(version.manifest_digest))
    try:
        block = _get_block(ipfs, cid)
    except IpfsUnavailableError:
        raise
    except (IpfsError, ContentMismatchError) as error:
        log.info("manifest %s of registration %s not retrievable yet: %s", cid, registration.id, error)
        return None
    document, problem = _check(block, registration, version, chain_id, registry)
    return version, cid, document, problem


def _get_block(ipfs: Pinset, cid: str) -> bytes:
    """The block from the node's own store; a connection that failed under concurrent use is tried once more
    (a pooled socket can be closed under one thread by another), a node that is down fails both times."""
    try:
        return ipfs.get_raw_block(cid, offline=True)
    except IpfsUnavailableError:
        log.info("retrying manifest %s once on a new connection", cid)
        return ipfs.get_raw_block(cid, offline=True)


def _rows(fetched: list[Fetched]) -> list[ManifestRecord | DataFileRow]:
    """The records of fetched manifests and, for the valid ones, their files."""
    rows: list[ManifestRecord | DataFileRow] = []
    for version, cid, document, problem in fetched:
        rows.append(_record(version, cid, document, problem))
        if document is not None and problem is None:
            rows += [
                DataFileRow(
                    registration_id=version.registration_id,
                    version=version.version,
                    path=file.path,
                    sha256=file.sha256,
                    size=file.size,
                )
                for file in document.manifest.data_commitment.files
            ]
    return rows


def _record(version: ManifestVersion, cid: str, document: SignedManifest | None, problem: str | None) -> ManifestRecord:
    manifest = document.manifest if document else None
    return ManifestRecord(
        registration_id=version.registration_id,
        version=version.version,
        manifest_digest=version.manifest_digest,
        cid=cid,
        valid=problem is None,
        problem=problem,
        title=manifest.title if manifest else None,
        description=manifest.description if manifest else None,
        category=manifest.category if manifest else None,
        industry=manifest.industry if manifest else None,
        document=document.model_dump(mode="json", by_alias=True, exclude_none=True) if document else None,
    )
