"""Transfer offers: the terms of a transfer the holder signed, kept until the new holder signs the same terms.

A transfer of a right needs two signatures over one EIP-712 document (`Rights.requestTransfer`), and the two
parties sign at different times, each from their own portal (wallet or custody). The holder's signed terms wait
here, listed to the new holder as "awaiting my signature"; the new holder's signature completes them and the
transfer is relayed once, under a key derived from the offer (countersigning again finds the same write). What
happens next (the authority's and, for important or core data, a regulator's approval) is read from the index.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import BigInteger, DateTime, Integer, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from ledger.chain import rights
from ledger.chain.rights import TransferTerms
from ledger.chain.typed_data import signer_of
from ledger.db import Base
from ledger.encoding import from_hex, to_hex
from ledger.index.freshness import wait_until_indexed
from ledger.index.tables import PendingTransferRow, RightRow
from ledger.outbox import OutboxStatus, WriteResult
from ledger.runtime import LedgerRuntime
from ledger.vocabulary import Right
from ledger.writes import NoCustodyKeyError, send, write_key

INDEX_WAIT_SECONDS = 10.0
LIST_LIMIT = 100


class TransferOffer(Base):
    """A transfer's terms signed by the holder, waiting for the new holder's signature (then relayed)."""

    __tablename__ = "transfer_offers"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    registration_id: Mapped[int] = mapped_column(BigInteger, index=True)
    right: Mapped[int] = mapped_column(Integer)
    holder: Mapped[str] = mapped_column(String(42), index=True)
    new_holder: Mapped[str] = mapped_column(String(42), index=True)
    agreement_digest: Mapped[str] = mapped_column(String(66))
    nonce: Mapped[int] = mapped_column(BigInteger)
    deadline: Mapped[int] = mapped_column(BigInteger)
    holder_signature: Mapped[str] = mapped_column(String(132))
    new_holder_signature: Mapped[str | None] = mapped_column(String(132))
    write_key: Mapped[str | None] = mapped_column(String(200))
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class OfferState(StrEnum):
    """Where an offer stands, as its two parties read it."""

    AWAITING_NEW_HOLDER = "awaiting_new_holder"
    EXPIRED = "expired"  # the deadline passed before the new holder signed
    SUBMITTED = "submitted"  # relayed, not yet read by the index
    AWAITING_AUTHORITY = "awaiting_authority"
    AWAITING_REGULATOR = "awaiting_regulator"
    DONE = "done"
    REFUSED = "refused"  # the contracts refused it, or the authority or a regulator rejected it


class NotHolderError(PermissionError):
    """The offer's maker does not hold the right on chain."""


class OfferNotFoundError(LookupError):
    """No such offer for this party."""


class OfferClosedError(RuntimeError):
    """The offer was already countersigned, or its deadline passed."""


class WrongSignerError(ValueError):
    """A signature over the offer's terms is not the party's who must sign."""


@dataclass(frozen=True)
class OfferView:
    """An offer, its terms as the wallet signs them, and where it stands."""

    offer: TransferOffer
    typed_data: dict[str, object]
    state: OfferState


def terms_of(offer: TransferOffer) -> TransferTerms:
    """The signed terms an offer carries."""
    return TransferTerms(
        offer.registration_id,
        Right.of(offer.right),
        offer.holder,
        offer.new_holder,
        from_hex(offer.agreement_digest),
        offer.nonce,
        offer.deadline,
    )


def _signature(runtime: LedgerRuntime, terms: TransferTerms, signer: str, given: bytes | None) -> bytes:
    """The given signature, checked to be `signer`'s; without one, custody's signature for `signer`."""
    typed = terms.typed_data(runtime.deployment.chain_id, runtime.deployment.rights)
    if given is None:
        made = runtime.custodial_signature(signer, typed)
        if made is None:
            raise NoCustodyKeyError(signer)
        return made
    if signer_of(typed, given) != signer:
        raise WrongSignerError(f"expected {signer}")
    return given


def offer(session: Session, runtime: LedgerRuntime, terms: TransferTerms, signature: bytes | None) -> TransferOffer:
    """Keeps the holder's signed terms for the new holder; refused unless the signer holds the right now."""
    if rights.holder_of(runtime.contracts, terms.registration_id, terms.right) != terms.holder:
        raise NotHolderError(terms.holder)
    signed = _signature(runtime, terms, terms.holder, signature)
    row = TransferOffer(
        id=str(uuid.uuid4()),
        registration_id=terms.registration_id,
        right=terms.right.code,
        holder=terms.holder,
        new_holder=terms.new_holder,
        agreement_digest=to_hex(terms.agreement_digest),
        nonce=terms.nonce,
        deadline=terms.deadline,
        holder_signature=to_hex(signed),
        offered_at=datetime.now(UTC),
    )
    session.add(row)
    session.commit()
    return row


def offer_of(session: Session, offer_id: str, party: str) -> TransferOffer:
    """The offer, when `party` is one of its two parties (to anyone else it does not exist)."""
    row = session.get(TransferOffer, offer_id)
    if row is None or party not in (row.holder, row.new_holder):
        raise OfferNotFoundError(offer_id)
    return row


def countersign(
    session: Session, runtime: LedgerRuntime, offer_id: str, new_holder: str, signature: bytes | None, wait: bool
) -> WriteResult:
    """The new holder's signature completes the offer and the transfer is relayed, once: countersigning again
    answers the same write. With `wait`, answered once final and the index has read its block."""
    row = offer_of(session, offer_id, new_holder)
    if row.new_holder != new_holder:
        raise OfferNotFoundError(offer_id)
    if row.write_key is None:
        if row.deadline <= runtime.chain_time():
            raise OfferClosedError("the deadline of the holder's signature passed")
        terms = terms_of(row)
        signed = _signature(runtime, terms, new_holder, signature)
        write = rights.request_transfer(runtime.contracts, terms, from_hex(row.holder_signature), signed)
        key = write_key(f"transfer-offer:{row.id}", "signed")
        result = send(runtime, write, sender=runtime.relayer.address, key=key)
        row.new_holder_signature, row.write_key = to_hex(signed), key
        session.commit()
    else:
        result = runtime.outbox.result(row.write_key) or WriteResult(
            row.write_key, OutboxStatus.QUEUED, None, None, None
        )
    if wait:
        result = runtime.outbox.wait(result.key, timeout=60)
        if result.block_number is not None:
            wait_until_indexed(runtime.sessions, result.block_number, INDEX_WAIT_SECONDS)
    return result


def state_of(session: Session, runtime: LedgerRuntime, row: TransferOffer, now: int) -> OfferState:
    """Where the offer stands: its own record until relayed, then the outbox and the index."""
    if row.write_key is None:
        return OfferState.AWAITING_NEW_HOLDER if row.deadline > now else OfferState.EXPIRED
    result = runtime.outbox.result(row.write_key)
    if result is not None and result.status in (OutboxStatus.REFUSED, OutboxStatus.REVERTED):
        return OfferState.REFUSED
    pending = session.get(PendingTransferRow, (row.registration_id, row.right))
    if pending is not None and pending.new_holder == row.new_holder and pending.digest == row.agreement_digest:
        return OfferState.AWAITING_REGULATOR if pending.authority_approved else OfferState.AWAITING_AUTHORITY
    held = session.get(RightRow, (row.registration_id, row.right))
    if held is not None and held.holder == row.new_holder:
        return OfferState.DONE
    if result is None or result.block_number is None:
        return OfferState.SUBMITTED
    return OfferState.REFUSED  # mined, no longer pending and the holder unchanged: rejected


def view_of(session: Session, runtime: LedgerRuntime, row: TransferOffer, now: int) -> OfferView:
    """The offer with its typed data and state."""
    typed = terms_of(row).typed_data(runtime.deployment.chain_id, runtime.deployment.rights)
    return OfferView(row, typed, state_of(session, runtime, row, now))


def offers_of(session: Session, runtime: LedgerRuntime, party: str, now: int) -> list[OfferView]:
    """The offers `party` made or was made, newest first."""
    rows = session.scalars(
        select(TransferOffer)
        .where(or_(TransferOffer.holder == party, TransferOffer.new_holder == party))
        .order_by(TransferOffer.offered_at.desc())
        .limit(LIST_LIMIT)
    )
    return [view_of(session, runtime, row, now) for row in rows]
