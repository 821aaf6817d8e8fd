"""The durable outbox: every write reaches the chain exactly once, whatever crashes in between.

A write is persisted with its idempotency key before anything is sent. The worker then, for each
sender key it holds:
1. reconciles what is in flight: a receipt for any attempt settles the write (mined or reverted, with
   the custom error decoded); a transaction the node does not know (a crash between persisting and
   broadcasting, or a dropped one) is broadcast again byte for byte; one stuck for too long is replaced
   at the same nonce with bumped fees;
2. sends queued writes in order, a batch per pass: a dry run of each first (a write the contract would
   refuse is recorded as failed with its error and consumes no nonce), then consecutive nonces are
   assigned, the whole batch of signed transactions is persisted in one database transaction, and only
   then broadcast, in nonce order; the receipts of the batch are then collected together.
Because the signed bytes are stored before the broadcast, a restart re-sends the same transactions (same
hashes) rather than new ones, whatever part of a batch had left: no duplicate, and nonces stay
contiguous. The relayer key must be used by this outbox alone. Among several instances, each transaction
leaves only after the `fence` (ledger.leadership) says this process still leads: a leader that lost its
lease midway through a batch stops, and the new leader broadcasts the rest from the stored bytes.

A write relaying a party's signature waits (stays queued) while an earlier write of the same party is
in flight: the contract checks that party's nonce in order, so the later one can only be dry-run once the
earlier one is mined. A party may thus have several submissions queued at once.

Callers waiting for a write do not poll the database: each waits on an event of its write's key, which
the worker sets once the write is final and committed. A write settled by another process's worker is
still seen, by a fallback poll every `waiter_poll`. In a process that does not lead (an HTTP worker
process of `drl serve --workers N`, a standby instance) one watcher thread reads every awaited write in a
single statement every `receipt_interval` and wakes the waiters of those another process settled.

The leader's worker, idle, sleeps until a write is queued: in its own process it is woken directly, from
any other process by the doorbell (ledger.doorbell) that process rings once the write is committed.
`poll_interval` remains the fallback for a ring that is lost: the doorbell is never needed for correctness.

The worker never dies of what it meets: a failed pass (the node down, the relayer out of funds, the
database busy) is logged with a reason code, kept for the readiness check, and retried after a back-off
that doubles up to a ceiling. No transaction is signed with a `maxFeePerGas` above the configured cap: a
write that would need more stays queued (or pending, unreplaced) and the readiness check says so.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, LargeBinary, String, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker
from web3 import Web3
from web3.exceptions import TransactionNotFound

from ledger.chain.errors import CONTRACT_REFUSALS, DecodedError, decode_refusal, decode_revert
from ledger.db import Base
from ledger.doorbell import Doorbell, SilentDoorbell
from ledger.encoding import from_hex
from ledger.unreachable import is_unreachable
from ledger.waiting import asleep

log = logging.getLogger(__name__)


class OutboxStatus(StrEnum):
    """Where a write stands."""

    QUEUED = "queued"  # persisted, not yet signed
    PENDING = "pending"  # signed and persisted, broadcast or about to be
    MINED = "mined"  # included, succeeded
    REVERTED = "reverted"  # included, reverted
    REFUSED = "refused"  # the dry run reverted: never sent, no nonce used


FINAL = (OutboxStatus.MINED, OutboxStatus.REVERTED, OutboxStatus.REFUSED)


def _now() -> datetime:
    return datetime.now(UTC)


class OutboxWrite(Base):
    """One write the ledger wants on chain."""

    __tablename__ = "outbox_writes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    purpose: Mapped[str] = mapped_column(String(64))
    sender: Mapped[str] = mapped_column(String(42), index=True)
    to: Mapped[str] = mapped_column(String(42))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    signer: Mapped[str | None] = mapped_column(String(42), index=True)
    signer_nonce: Mapped[int | None] = mapped_column(BigInteger)
    # The digest of the client request that asked for the write (api.idempotency), when a client's key names it.
    request_digest: Mapped[str | None] = mapped_column(String(66))
    status: Mapped[str] = mapped_column(String(16), index=True, default=OutboxStatus.QUEUED)
    nonce: Mapped[int | None] = mapped_column(BigInteger)
    gas_limit: Mapped[int | None] = mapped_column(BigInteger)
    tx_hash: Mapped[str | None] = mapped_column(String(66), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    block_number: Mapped[int | None] = mapped_column(BigInteger)
    gas_used: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class OutboxAttempt(Base):
    """One signed transaction of a write; replacements add attempts at the same nonce."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    write_id: Mapped[int] = mapped_column(ForeignKey("outbox_writes.id"), index=True)
    tx_hash: Mapped[str] = mapped_column(String(66), unique=True)
    raw_transaction: Mapped[bytes] = mapped_column(LargeBinary)
    max_fee_per_gas: Mapped[int] = mapped_column(BigInteger)
    max_priority_fee_per_gas: Mapped[int] = mapped_column(BigInteger)
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class IdempotencyConflictError(ValueError):
    """The idempotency key was used before for a different write."""


class UnknownSenderError(ValueError):
    """The outbox holds no key for the requested sender."""


class LeaseLostError(RuntimeError):
    """This process lost the leader's lease during a pass: the rest of the pass is the new leader's."""


class FeeCapError(RuntimeError):
    """The network asks more than `max_fee_per_gas` allows: the write waits rather than overpay."""


class WorkerProblem(StrEnum):
    """Why the last pass of the worker did not go through, as readiness reports it."""

    CHAIN_UNREACHABLE = "chain_unreachable"
    INSUFFICIENT_FUNDS = "insufficient_funds"  # the relayer cannot pay for gas
    FEE_CAP = "fee_cap"  # the network's fees are above the configured cap
    DATABASE_UNAVAILABLE = "database_unavailable"
    UNEXPECTED = "unexpected_error"


@dataclass(frozen=True)
class WorkerHealth:
    """What the worker of this process is doing: whether it runs, and the problems of its last pass."""

    started: bool
    running: bool
    problems: dict[str, str] = field(default_factory=dict)  # reason code -> detail (for logs and admins)


@dataclass(frozen=True)
class OutboxPolicy:
    """How patient the worker is, and how hard it bumps fees."""

    replace_after: float = 60.0  # seconds a transaction may stay unmined before it is replaced
    fee_bump_percent: int = 25  # at least the 10% nodes require for a replacement
    gas_headroom_percent: int = 20
    poll_interval: float = 0.5  # an idle worker looks for writes queued by other processes this often
    receipt_interval: float = 0.05  # a worker with writes in flight looks for their receipts this often
    first_receipt_wait: float = 0.005  # ...but first this soon after a pass, doubling up to `receipt_interval`:
    # a node that mines at once (anvil, geth --dev) has mined a write within milliseconds of accepting it
    batch_size: int = 64  # queued writes signed and sent per sender and pass
    waiter_poll: float = 5.0  # a caller woken by nobody looks at its write this often (another process settled it)
    standby_poll: float = 0.25  # ...and this often while another instance leads (its worker settles every write)
    backoff_ceiling: float = 60.0  # seconds between passes at most, while passes keep failing
    max_fee_per_gas: int | None = None  # wei; no transaction is signed above it


@dataclass(frozen=True)
class WriteResult:
    """What became of a write."""

    key: str
    status: OutboxStatus
    tx_hash: str | None
    block_number: int | None
    error: str | None
    request_digest: str | None = None  # of the client request the write answers, if a client's key names it


@dataclass
class _Queued:
    """A queued write as the worker prepares it between database transactions."""

    id: int
    key: str
    sender: str
    to: str
    data: bytes
    signer: str | None
    nonce: int | None = None
    gas_limit: int | None = None

    @classmethod
    def of(cls, write: OutboxWrite) -> _Queued:
        return cls(write.id, write.idempotency_key, write.sender, write.to, write.data, write.signer)


class Outbox:
    """Durable, idempotent submission of transactions by the ledger's own keys."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        w3: Web3,
        signers: Mapping[str, LocalAccount],
        policy: OutboxPolicy | None = None,
        permit: Callable[[], AbstractContextManager[bool]] | None = None,
        fence: Callable[[], bool] | None = None,
        doorbell: Doorbell | None = None,
    ) -> None:
        """`permit` says whether this process may run a pass now (ledger.leadership: one instance at a time);
        `fence`, asked before each broadcast of a pass, whether it still may (`Leadership.fence`); `doorbell`
        wakes the leader's worker when a write is queued in a process that does not lead (ledger.doorbell)."""
        self._sessions = sessions
        self._doorbell = doorbell or SilentDoorbell()
        self._permit = permit or (lambda: nullcontext(True))
        self._fence = fence or (lambda: True)
        self._w3 = w3
        self._signers = {Web3.to_checksum_address(address): account for address, account in signers.items()}
        self._policy = policy or OutboxPolicy()
        self._pass = threading.Lock()
        self._started = self._running = False
        self._leading = True  # until a pass finds another instance leading
        self._problems: dict[str, str] = {}
        self._waiters: dict[str, threading.Event] = {}  # idempotency key -> set when that write is final
        self._waiters_lock = threading.Lock()
        self._finished: list[str] = []  # keys of the writes the current pass made final
        self._queued = threading.Event()  # set by `enqueue`: wakes an idle worker at once
        self._in_flight = False  # the last pass left writes pending or waiting behind a signer's earlier one
        self._broadcast_by_us: dict[str, float] = {}  # tx hash -> monotonic time this process broadcast it
        self._chain_id: int | None = None
        self._watcher: threading.Thread | None = None  # reads the awaited writes while another process leads

    # ------------------------------------------------------------------ enqueue and read

    def enqueue(
        self,
        key: str,
        sender: str,
        to: str,
        data: bytes,
        purpose: str,
        signer: str | None = None,
        signer_nonce: int | None = None,
        request_digest: str | None = None,
    ) -> WriteResult:
        """Persists a write under `key`; the same key with the same write returns the existing one.

        `signer` and `signer_nonce` name the party whose EIP-712 signature the write relays, so that the
        next signature of that party can take the next nonce before this one is mined. With `request_digest`
        (a client's request, `api.idempotency`) the key is the same write when it names the same request,
        whatever calldata the service built for it each time; without, when the calldata is the same.
        """
        sender, to = Web3.to_checksum_address(sender), Web3.to_checksum_address(to)
        if sender not in self._signers:
            raise UnknownSenderError(f"the outbox holds no key for {sender}")
        with self._sessions.begin() as session:
            existing = session.scalar(select(OutboxWrite).where(OutboxWrite.idempotency_key == key))
            if existing is not None:
                same = (
                    existing.request_digest == request_digest
                    if request_digest is not None
                    else (existing.sender, existing.to, existing.data) == (sender, to, data)
                )
                if not same:
                    raise IdempotencyConflictError(f"idempotency key {key!r} was used for another request")
                return _result(existing)
            write = OutboxWrite(
                idempotency_key=key,
                purpose=purpose,
                sender=sender,
                to=to,
                data=data,
                signer=signer,
                signer_nonce=signer_nonce,
                request_digest=request_digest,
            )
            session.add(write)
            session.flush()
            result = _result(write)
        self._queued.set()
        if not (self._running and self._leading):  # the worker that sends it runs in another process
            self._doorbell.ring()
        return result

    def result(self, key: str) -> WriteResult | None:
        """The state of the write under `key`, or None."""
        with self._sessions() as session:
            write = session.scalar(select(OutboxWrite).where(OutboxWrite.idempotency_key == key))
            return _result(write) if write else None

    def next_signer_nonce(self, signer: str, on_chain: int) -> int:
        """The nonce the next signature of `signer` must carry: after the chain's and after any still in flight."""
        with self._sessions() as session:
            queued = session.scalar(
                select(func.max(OutboxWrite.signer_nonce)).where(
                    OutboxWrite.signer == Web3.to_checksum_address(signer),
                    OutboxWrite.status.in_([OutboxStatus.QUEUED, OutboxStatus.PENDING]),
                )
            )
        return max(on_chain, queued + 1 if queued is not None else 0)

    def holds_signer_nonce(self, signer: str, nonce: int) -> bool:
        """Whether a write relaying `signer`'s signature with `nonce` is queued or pending here."""
        with self._sessions() as session:
            found = session.scalar(
                select(OutboxWrite.id)
                .where(
                    OutboxWrite.signer == Web3.to_checksum_address(signer),
                    OutboxWrite.signer_nonce == nonce,
                    OutboxWrite.status.in_([OutboxStatus.QUEUED, OutboxStatus.PENDING]),
                )
                .limit(1)
            )
        return found is not None

    def backlog(self) -> int:
        """How many writes are not final yet."""
        with self._sessions() as session:
            count = session.scalar(
                select(func.count()).select_from(OutboxWrite).where(OutboxWrite.status.not_in(list(FINAL)))
            )
            return int(count or 0)

    def oldest_waiting_since(self) -> datetime | None:
        """When the oldest write that is not final was accepted, or None when none waits."""
        with self._sessions() as session:
            oldest = session.scalar(select(func.min(OutboxWrite.created_at)).where(OutboxWrite.status.not_in(FINAL)))
        return None if oldest is None else _aware(oldest)

    def health(self) -> WorkerHealth:
        """Whether this process's worker was started and still runs, and what its last pass ran into."""
        return WorkerHealth(started=self._started, running=self._running, problems=dict(self._problems))

    def wait(self, key: str, timeout: float = 60.0) -> WriteResult:
        """The write under `key` once final, or as it stands after `timeout` seconds.

        With this process's worker running, the caller sleeps until the worker makes this write final (and
        at most `waiter_poll`, in case another process's worker does); without one (the CLI, tests) the
        caller runs the passes itself. Forty callers polling every half second cost more than the writes.
        A request admitted at the service's door gives its place up while it sleeps (`ledger.waiting`).
        """
        with asleep() as falling_asleep:
            return self._wait(key, timeout, falling_asleep)

    def _wait(self, key: str, timeout: float, falling_asleep: Callable[[], None]) -> WriteResult:
        deadline = time.monotonic() + timeout
        passes_run = 0
        while True:
            with self._waiters_lock:  # registered before reading, so a write settled in between still wakes us
                settled = self._waiters.setdefault(key, threading.Event())
            result = self.result(key)
            remaining = deadline - time.monotonic()
            if result is None or result.status in FINAL or remaining <= 0:
                with self._waiters_lock:
                    self._waiters.pop(key, None)
                if result is None:
                    raise KeyError(key)
                return result
            falling_asleep()  # a place at the service's door is given to another meanwhile
            if self._running:
                if not self._leading:
                    self._watch()
                poll = self._policy.waiter_poll if self._leading else self._policy.standby_poll
                settled.wait(min(remaining, poll))
                continue
            if passes_run and not self._leading:
                # Another process leads and settles the write: the watcher wakes us; a pass now and then
                # (below) takes over if that process is gone.
                self._watch()
                if settled.wait(min(remaining, self._policy.standby_poll)):
                    continue
            elif passes_run:
                time.sleep(min(remaining, self._policy.receipt_interval))
            self.run_once()
            passes_run += 1

    def _watch(self) -> None:
        """Starts the watcher thread unless it runs: it lives while anyone in this process waits."""
        with self._waiters_lock:
            if self._watcher is None:
                self._watcher = threading.Thread(target=self._watch_writes, name="outbox-watch", daemon=True)
                self._watcher.start()

    def _watch_writes(self) -> None:
        """Every `receipt_interval`, one statement for every awaited write: the waiters of final ones are woken.
        Forty waiters each reading their own write cost forty statements a tick, and as many connections."""
        while True:
            with self._waiters_lock:
                keys = list(self._waiters)
                if not keys:
                    self._watcher = None
                    return
            try:
                with self._sessions() as session:
                    final = session.scalars(
                        select(OutboxWrite.idempotency_key).where(
                            OutboxWrite.idempotency_key.in_(keys), OutboxWrite.status.in_(FINAL)
                        )
                    ).all()
            except SQLAlchemyError as error:  # the waiters' own reads notice too; the watcher tries again
                log.warning("outbox watcher: %s", error)
                final = []
            with self._waiters_lock:
                for key in final:
                    waiter = self._waiters.pop(key, None)
                    if waiter is not None:
                        waiter.set()
            time.sleep(self._policy.receipt_interval)

    # ------------------------------------------------------------------ the worker

    def run_once(self) -> bool:
        """One pass: reconcile in-flight writes, then send queued ones; True when nothing stood in the way.

        A sender whose pass fails is logged and retried on the next pass; the other senders go on. Passes
        are serialised within the process (the worker thread and a request waiting for its write may both
        run one); across processes by the permit (the leader's lease).
        """
        with self._pass, self._permit() as leading:
            self._leading = leading
            if not leading:
                # Another instance leads: its worker sends, and a wait here polls the database. What this
                # worker's own last pass ran into (say, while it led through a database restart) is stale.
                self._problems = {}
                return True
            try:
                problems = self._run_pass()
            finally:
                self._wake_waiters()
        self._problems = problems
        return not problems

    def _wake_waiters(self) -> None:
        """Wakes the callers waiting for the writes this pass made final (after their rows were committed)."""
        finished, self._finished = self._finished, []
        with self._waiters_lock:
            for key in finished:
                waiter = self._waiters.pop(key, None)
                if waiter is not None:
                    waiter.set()

    def _run_pass(self) -> dict[str, str]:
        problems: dict[str, str] = {}
        in_flight = False
        for sender in self._signers:
            try:
                pending = self._reconcile(sender)
                sent, deferred = self._send_queued(sender)
                settled = self._collect_receipts(sent)
                in_flight = in_flight or pending > 0 or deferred > 0 or settled < len(sent)
            except LeaseLostError as error:  # not a failure: another instance leads now and sends the rest
                log.warning("outbox pass stopped: %s", error)
                self._leading = False
                break
            except Exception as error:  # a worker logs, reports and retries; it never dies
                problem = _problem_of(error)
                problems[problem] = f"{sender}: {type(error).__name__}: {str(error)[:300]}"
                if problem is WorkerProblem.UNEXPECTED:
                    log.exception("outbox pass for %s failed; retrying", sender)
                else:
                    log.warning("outbox pass for %s: %s (%s); retrying", sender, problem, error)
        self._in_flight = in_flight
        return problems

    def run_forever(self, stop: threading.Event) -> None:
        """Runs passes until `stop` is set, backing off (doubling up to a ceiling) while passes fail.

        Between passes that went through it sleeps while writes are in flight (`first_receipt_wait`, doubling up
        to `receipt_interval`: a write on an instant-mining node is settled a few milliseconds after it is sent,
        not a whole interval later), else until
        a write is enqueued: in this process, or in another that rings the doorbell, which this process answers
        while it leads (or `poll_interval`, should a ring be lost).
        """
        self._started = self._running = True
        poll = self._policy.poll_interval
        delay = poll
        receipt_wait = self._policy.first_receipt_wait
        try:
            while not stop.is_set():
                self._queued.clear()  # a write enqueued during the pass wakes the next one at once
                try:
                    went_through = self.run_once()
                except Exception:  # belt and braces: run_once already reports its failures
                    log.exception("outbox pass failed; retrying")
                    self._problems = {WorkerProblem.UNEXPECTED: "the pass itself failed; see the log"}
                    went_through = False
                if self._leading:
                    self._doorbell.answer(self._queued)
                else:
                    self._doorbell.hang_up()
                if not went_through:
                    delay = min(max(delay * 2, poll), self._policy.backoff_ceiling)
                    stop.wait(delay)
                    continue
                delay = poll
                if self._in_flight:
                    self._queued.wait(receipt_wait)
                    receipt_wait = min(receipt_wait * 2, self._policy.receipt_interval)
                else:
                    receipt_wait = self._policy.first_receipt_wait
                    self._queued.wait(poll)
        finally:
            self._running = False
            self._doorbell.hang_up()
            with self._waiters_lock:  # waiters fall back to running passes themselves
                for waiter in self._waiters.values():
                    waiter.set()
                self._waiters.clear()

    def _reconcile(self, sender: str) -> int:
        """Settles, re-broadcasts or replaces the sender's pending writes; how many are still pending."""
        with self._sessions.begin() as session:
            pending = session.scalars(
                select(OutboxWrite)
                .where(OutboxWrite.sender == sender, OutboxWrite.status == OutboxStatus.PENDING)
                .order_by(OutboxWrite.nonce)
            ).all()
            for write in pending:
                self._reconcile_write(session, write)
            return sum(1 for write in pending if write.status == OutboxStatus.PENDING)

    def _reconcile_write(self, session: Session, write: OutboxWrite) -> None:
        if write.tx_hash in self._broadcast_by_us and write.attempts == 1:
            # Sent by this process moments ago: only its receipt can have changed (one call, not four).
            receipt = self._receipt(write.tx_hash)
            if receipt is not None:
                self._settle(write, write.tx_hash, receipt)
                return
            if time.monotonic() - self._broadcast_by_us[write.tx_hash] <= self._policy.replace_after:
                return
        attempts = session.scalars(
            select(OutboxAttempt).where(OutboxAttempt.write_id == write.id).order_by(OutboxAttempt.id)
        ).all()
        for attempt in attempts:
            receipt = self._receipt(attempt.tx_hash)
            if receipt is not None:
                self._settle(write, attempt.tx_hash, receipt)
                return
        latest = attempts[-1]
        if self._w3.eth.get_transaction_count(Web3.to_checksum_address(write.sender), "latest") > (write.nonce or 0):
            # The nonce was used, but by none of our attempts' receipts yet: wait for the node to report it.
            return
        if not self._known(latest.tx_hash):
            log.info("re-broadcasting %s (nonce %s)", latest.tx_hash, write.nonce)
            self._broadcast(latest.raw_transaction)
            return
        age = (_now() - _aware(latest.signed_at)).total_seconds()
        if age > self._policy.replace_after:
            self._replace(session, write, latest)

    def _send_queued(self, sender: str) -> tuple[list[tuple[int, str]], int]:
        """Signs and sends a batch of the sender's queued writes; the (write id, tx hash) of each sent, and how
        many were deferred behind an earlier write of the same signer still in flight.

        The node is asked (dry runs, nonce, fees) between two short database transactions, never inside one:
        a slow node does not hold a pooled connection.
        """
        with self._sessions() as session:
            queued = [
                _Queued.of(write)
                for write in session.scalars(
                    select(OutboxWrite)
                    .where(OutboxWrite.sender == sender, OutboxWrite.status == OutboxStatus.QUEUED)
                    .order_by(OutboxWrite.id)
                    .limit(self._policy.batch_size)
                )
            ]
            if not queued:
                return [], 0
            busy = self._signers_in_flight(session, {write.signer for write in queued if write.signer})
            used = session.scalar(
                select(func.max(OutboxWrite.nonce)).where(OutboxWrite.sender == sender, OutboxWrite.nonce.is_not(None))
            )
        batch: list[_Queued] = []
        refused: dict[int, str] = {}
        for write in queued:
            if write.signer is not None and write.signer in busy:
                continue  # its signer's earlier write must be mined before this one can be dry-run
            outcome = self._dry_run(write)
            if isinstance(outcome, str):
                refused[write.id] = outcome
                continue
            write.gas_limit = outcome
            batch.append(write)
            if write.signer is not None:
                busy.add(write.signer)
        deferred = len(queued) - len(batch) - len(refused)
        attempts: list[OutboxAttempt] = []
        if batch:
            on_chain = self._w3.eth.get_transaction_count(Web3.to_checksum_address(sender), "pending")
            nonce = max(on_chain, (used + 1) if used is not None else 0)
            max_fee, priority = self._fees()
            for write in batch:
                write.nonce = nonce
                nonce += 1
                attempts.append(self._sign(write, max_fee, priority))
        with self._sessions.begin() as session:
            rows = {
                row.id: row
                for row in session.scalars(
                    select(OutboxWrite).where(OutboxWrite.id.in_([write.id for write in batch] + list(refused)))
                )
            }
            for write_id, error in refused.items():
                rows[write_id].status = OutboxStatus.REFUSED
                self._finished.append(rows[write_id].idempotency_key)
                rows[write_id].error = error
            for write, attempt in zip(batch, attempts, strict=True):
                row = rows[write.id]
                row.nonce, row.gas_limit = write.nonce, write.gas_limit
                row.status, row.tx_hash, row.attempts = OutboxStatus.PENDING, attempt.tx_hash, 1
                session.add(attempt)
        # Persisted and committed: only now do the transactions leave the machine, in nonce order.
        for attempt in attempts:
            self._broadcast(attempt.raw_transaction)
            self._broadcast_by_us[attempt.tx_hash] = time.monotonic()
        return [(attempt.write_id, attempt.tx_hash) for attempt in attempts], deferred

    def _signers_in_flight(self, session: Session, signers: set[str]) -> set[str]:
        """Those of `signers` with a write signed and not yet settled (their next nonce is not on chain yet)."""
        if not signers:
            return set()
        rows = session.scalars(
            select(OutboxWrite.signer)
            .where(OutboxWrite.status == OutboxStatus.PENDING, OutboxWrite.signer.in_(signers))
            .distinct()
        ).all()
        return {signer for signer in rows if signer is not None}

    def _collect_receipts(self, sent: list[tuple[int, str]]) -> int:
        """Settles the writes just sent whose receipts are already there (an instant-mining node); how many."""
        receipts = {write_id: (tx_hash, self._receipt(tx_hash)) for write_id, tx_hash in sent}
        mined = {write_id: found for write_id, found in receipts.items() if found[1] is not None}
        if not mined:
            return 0
        with self._sessions.begin() as session:
            for write in session.scalars(select(OutboxWrite).where(OutboxWrite.id.in_(mined))).all():
                if write.status == OutboxStatus.PENDING:
                    tx_hash, receipt = mined[write.id]
                    self._settle(write, tx_hash, receipt)
        return len(mined)

    def _dry_run(self, write: _Queued) -> int | str:
        """The gas limit to use, or the contract's refusal (decoded)."""
        call: dict[str, Any] = {"from": write.sender, "to": write.to, "data": HexBytes(write.data)}
        try:
            estimate = self._w3.eth.estimate_gas(call)  # type: ignore[arg-type]
        except CONTRACT_REFUSALS as refusal:
            error = str(decode_refusal(refusal))
            log.info("write %s refused by the contract: %s", write.key, error)
            return error
        return estimate * (100 + self._policy.gas_headroom_percent) // 100

    def _fees(self) -> tuple[int, int]:
        """`maxFeePerGas` and `maxPriorityFeePerGas` for a transaction now, lowered to the cap where it allows.

        Twice the base fee leaves room for six full blocks of rises; under a cap the room shrinks, and a
        base fee at or above the cap raises `FeeCapError` (a transaction below it would never be mined).
        """
        base_fee = int(self._w3.eth.get_block("latest").get("baseFeePerGas", 0))
        priority = int(self._w3.eth.max_priority_fee)
        max_fee = 2 * base_fee + priority
        cap = self._policy.max_fee_per_gas
        if cap is None or max_fee <= cap:
            return max_fee, priority
        if cap <= base_fee:
            raise FeeCapError(f"the base fee of {base_fee} wei is at or above the cap of {cap} wei; the write waits")
        return cap, min(priority, cap - base_fee)

    def _sign(self, write: OutboxWrite | _Queued, max_fee: int, priority: int) -> OutboxAttempt:
        transaction: dict[str, Any] = {
            "chainId": self._chain(),
            "from": write.sender,
            "to": write.to,
            "data": HexBytes(write.data),
            "value": 0,
            "nonce": write.nonce,
            "gas": write.gas_limit,
            "maxFeePerGas": max_fee,
            "maxPriorityFeePerGas": priority,
            "type": 2,
        }
        signed = self._signers[Web3.to_checksum_address(write.sender)].sign_transaction(transaction)
        return OutboxAttempt(
            write_id=write.id,
            tx_hash=signed.hash.to_0x_hex(),
            raw_transaction=bytes(signed.raw_transaction),
            max_fee_per_gas=max_fee,
            max_priority_fee_per_gas=priority,
        )

    def _chain(self) -> int:
        """The chain's id, asked once: a node does not change chains under a running outbox."""
        if self._chain_id is None:
            self._chain_id = int(self._w3.eth.chain_id)
        return self._chain_id

    def _replace(self, session: Session, write: OutboxWrite, latest: OutboxAttempt) -> None:
        bump = 100 + self._policy.fee_bump_percent
        network_max, network_priority = self._fees()
        priority = max(latest.max_priority_fee_per_gas * bump // 100 + 1, network_priority)
        max_fee = max(latest.max_fee_per_gas * bump // 100 + 1, network_max, priority)
        cap = self._policy.max_fee_per_gas
        if cap is not None and max_fee > cap:
            # Replacing below the cap is impossible (nodes want a 10% bump); the transaction waits as it is.
            raise FeeCapError(f"replacing {latest.tx_hash} needs {max_fee} wei per gas, above the cap of {cap} wei")
        attempt = self._sign(write, max_fee, priority)
        session.add(attempt)
        write.tx_hash = attempt.tx_hash
        write.attempts += 1
        session.flush()
        log.info("replacing %s with %s at nonce %s", latest.tx_hash, attempt.tx_hash, write.nonce)
        self._broadcast_by_us.pop(latest.tx_hash, None)
        self._broadcast(attempt.raw_transaction)

    def _broadcast(self, raw: bytes) -> None:
        if not self._fence():
            raise LeaseLostError("the leader's lease was lost; the new leader sends what is left from the stored bytes")
        try:
            self._w3.eth.send_raw_transaction(raw)
        except ValueError as error:
            message = str(error).lower()
            # Already known or already mined: the earlier broadcast got through; the receipt will settle it.
            if not any(marker in message for marker in ("already known", "nonce too low", "already imported")):
                raise

    def _receipt(self, tx_hash: str) -> Any:
        try:
            return self._w3.eth.get_transaction_receipt(HexBytes(tx_hash))
        except TransactionNotFound:
            return None

    def _known(self, tx_hash: str) -> bool:
        try:
            self._w3.eth.get_transaction(HexBytes(tx_hash))
        except TransactionNotFound:
            return False
        return True

    def _settle(self, write: OutboxWrite, tx_hash: str, receipt: Any) -> None:
        self._finished.append(write.idempotency_key)
        self._broadcast_by_us.pop(str(write.tx_hash), None)
        write.tx_hash = tx_hash
        write.block_number = int(receipt["blockNumber"])
        write.gas_used = int(receipt["gasUsed"])
        if receipt["status"] == 1:
            write.status = OutboxStatus.MINED
            return
        write.status = OutboxStatus.REVERTED
        write.error = str(self._revert_reason(write, tx_hash, int(receipt["blockNumber"])))

    def _revert_reason(self, write: OutboxWrite, tx_hash: str, block_number: int) -> DecodedError | str:
        """The revert data from a call trace where the node offers one, else from re-running the call."""
        try:
            trace = self._w3.provider.make_request(
                "debug_traceTransaction",  # type: ignore[arg-type]
                [tx_hash, {"tracer": "callTracer"}],
            )
            result: Any = dict(trace).get("result") or {}
            output = result.get("output")
            if isinstance(output, str) and len(output) >= 10:
                return decode_revert(from_hex(output))
        except (ValueError, KeyError, TypeError):
            pass
        call: dict[str, Any] = {"from": write.sender, "to": write.to, "data": HexBytes(write.data)}
        try:
            self._w3.eth.call(call, block_identifier=block_number)  # type: ignore[arg-type]
        except CONTRACT_REFUSALS as refusal:
            return decode_refusal(refusal)
        return "reverted (no reason available from the node)"


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _problem_of(error: Exception) -> WorkerProblem:
    """The reason code of a failed pass."""
    if isinstance(error, FeeCapError):
        return WorkerProblem.FEE_CAP
    if isinstance(error, SQLAlchemyError):
        return WorkerProblem.DATABASE_UNAVAILABLE
    if is_unreachable(error):
        return WorkerProblem.CHAIN_UNREACHABLE
    if "insufficient funds" in str(error).lower():
        return WorkerProblem.INSUFFICIENT_FUNDS
    return WorkerProblem.UNEXPECTED


def _result(write: OutboxWrite) -> WriteResult:
    return WriteResult(
        key=write.idempotency_key,
        status=OutboxStatus(write.status),
        tx_hash=write.tx_hash,
        block_number=write.block_number,
        error=write.error,
        request_digest=write.request_digest,
    )
