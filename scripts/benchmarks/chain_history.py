"""A long chain history, fast: registrations written straight to an anvil node, many per block, not through the API.

The benchmarks of the indexer and of the chain's aging need 100,000 registrations and more. Through the service
they would take hours; here the node itself signs (anvil's unlocked development accounts: the registrant's EIP-712
application with `eth_signTypedData_v4`, the relayer's transaction with `eth_sendTransaction`), requests go in
JSON-RPC batches, automine is off and each `evm_mine` takes a full block. What lands on chain is exactly what the
service would send: `submit(application, signature)` by the relayer for an admitted registrant.

Also: the chain's `submit` ceiling (pre-signed transactions sent with automine on, one per block, as the embedded
stack runs) and an anvil started with any flags.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from eth_abi.abi import encode as abi_encode
from eth_account import Account
from web3 import Web3

from ledger.chain.deployment import Deployment, deploy
from ledger.chain.registry import Submission
from ledger.encoding import to_hex
from ledger.stack.anvil import anvil_environment, rpc_ready
from ledger.stack.bootstrap import bootstrap_local_ledger
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account
from ledger.stack.geth import geth_process
from ledger.stack.process import ManagedProcess
from ledger.toolchain import ANVIL
from ledger.vocabulary import Grade, Kind, Origin, Right

Digests = tuple[bytes, bytes]
SUBMIT_TYPES = ["(address,uint16,uint8,uint8,uint8,bool,uint8,bytes32,bytes32,uint256[],uint256,uint256)", "bytes"]
SUBMIT_SELECTOR = Web3.keccak(text=f"submit({','.join(SUBMIT_TYPES)})")[:4]
NONCES_SELECTOR = Web3.keccak(text="nonces(address)")[:4]
RPC_BATCH = 250
SUBMIT_GAS = 400_000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def anvil(folder: Path, port: int, flags: Sequence[str] = ()) -> Iterator[ManagedProcess]:
    """anvil on 127.0.0.1:`port` with `flags` (no state file: the benchmarks start from nothing)."""
    argv = [str(ANVIL.path), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(LOCAL_CHAIN_ID)]
    # Blocks of 150 submissions fill a third of this limit: the base fee falls instead of compounding 12.5 % a
    # block (at the default 30,000,000 the dense history priced the relayer out after a few hundred blocks).
    argv += ["--silent", "--gas-limit", "100000000", *flags]
    url = f"http://127.0.0.1:{port}"
    process = ManagedProcess(
        "anvil", argv, folder / "anvil.log", ready=lambda: rpc_ready(url), env=anvil_environment(folder)
    )
    with process:
        yield process


class Rpc:
    """JSON-RPC over one HTTP connection, with batches."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = httpx.Client(base_url=url, timeout=300)
        self._id = 0

    def call(self, method: str, *params: Any) -> Any:
        return self.batch([(method, list(params))])[0]

    def batch(self, requests: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """The results of `requests`, in order; raises on the first error."""
        body = []
        for method, params in requests:
            self._id += 1
            body.append({"jsonrpc": "2.0", "id": self._id, "method": method, "params": params})
        answers = self._client.post("", json=body).json()
        if isinstance(answers, dict):
            raise RuntimeError(f"the node refused the batch: {answers}")
        by_id = {answer["id"]: answer for answer in answers}
        results = []
        for request in body:
            answer = by_id[request["id"]]
            if "error" in answer:
                raise RuntimeError(f"{request['method']}: {answer['error']}")
            results.append(answer["result"])
        return results


def deployed_ledger(url: str) -> tuple[Web3, Deployment]:
    """The ledger deployed and bootstrapped on a fresh node (the admin is relayer, authority and registrant)."""
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 300}))
    admin = dev_account(0, LOCAL_CHAIN_ID)
    deployment = deploy(w3, admin)
    bootstrap_local_ledger(w3, deployment, admin, notice_days=7, review_interval_days=365)
    return w3, deployment


def _application(registrant: str, number: int, nonce: int, deadline: int, digests: Digests | None) -> Submission:
    digest = Web3.keccak(text=f"benchmark manifest {number}")
    manifest_digest, data_commitment = digests if digests else (digest, Web3.keccak(digest))
    return Submission(
        registrant=registrant,
        authority_id=1,
        kind=Kind.DATA_RESOURCE,
        origin=Origin.ENTERPRISE,
        grade=Grade.GENERAL,
        personal_info=False,
        rights=frozenset({Right.RESOURCE_HOLDING, Right.PROCESSING_AND_USE}),
        manifest_digest=manifest_digest,
        data_commitment=data_commitment,
        nonce=nonce,
        deadline=deadline,
    )


@dataclass
class Registrar:
    """Writes registrations of the admin (an admitted party) through anvil's signing, in batches."""

    rpc: Rpc
    deployment: Deployment
    registrant: str = field(default_factory=lambda: dev_account(0, LOCAL_CHAIN_ID).address)
    written: int = 0

    def _signed_calls(self, count: int, digests: Sequence[Digests] = ()) -> list[str]:
        """Calldata of the next `count` `submit` calls, each application signed by the registrant through the node."""
        nonce = self.registry_nonce()
        deadline = int(self.rpc.call("eth_getBlockByNumber", "latest", False)["timestamp"], 16) + 365 * 86_400
        applications = [
            _application(
                self.registrant, self.written + i, nonce + i, deadline, digests[i] if i < len(digests) else None
            )
            for i in range(count)
        ]
        signatures = self._signatures(applications)
        return [
            "0x" + (SUBMIT_SELECTOR + abi_encode(SUBMIT_TYPES, [a.as_tuple(), bytes.fromhex(s[2:])])).hex()
            for a, s in zip(applications, signatures, strict=True)
        ]

    def _signatures(self, applications: list[Submission]) -> list[str]:
        """The registrant's EIP-712 signatures of `applications`, by the node (anvil's unlocked account)."""
        registry = self.deployment.registrations
        requests = [
            ("eth_signTypedData_v4", [self.registrant, a.typed_data(LOCAL_CHAIN_ID, registry)]) for a in applications
        ]
        return [
            signature
            for first in range(0, len(requests), RPC_BATCH)
            for signature in self.rpc.batch(requests[first : first + RPC_BATCH])
        ]

    def write(self, count: int, per_block: int = 150, digests: Sequence[Digests] = ()) -> int:
        """Writes `count` registrations, `per_block` to a block (automine off); returns the blocks mined.

        The first ones name `digests` (manifest digest, data commitment: real manifests), the rest made-up ones.
        """
        self.rpc.call("evm_setAutomine", False)
        blocks = 0
        try:
            for first in range(0, count, per_block):
                calls = self._signed_calls(min(per_block, count - first), digests[first : first + per_block])
                nonce = int(self.rpc.call("eth_getTransactionCount", self.registrant, "latest"), 16)
                sends = [
                    (
                        "eth_sendTransaction",
                        [
                            {
                                "from": self.registrant,
                                "to": self.deployment.registrations,
                                "data": c,
                                "gas": hex(SUBMIT_GAS),
                                "nonce": hex(nonce + i),
                            }
                        ],
                    )
                    for i, c in enumerate(calls)
                ]
                for chunk in range(0, len(sends), RPC_BATCH):
                    self.rpc.batch(sends[chunk : chunk + RPC_BATCH])
                while int(self.rpc.call("txpool_status")["pending"], 16):
                    self.rpc.call("evm_mine")
                    blocks += 1
                self.written += len(calls)
        finally:
            self.rpc.call("evm_setAutomine", True)
        return blocks

    def registry_nonce(self) -> int:
        """The registrant's registry nonce: how many applications of it the registry took."""
        data = "0x" + NONCES_SELECTOR.hex() + "00" * 12 + self.registrant[2:].lower()
        return int(self.rpc.call("eth_call", {"to": self.deployment.registrations, "data": data}, "latest"), 16)

    def presigned(self, count: int) -> list[str]:
        """`count` raw `submit` transactions of the relayer with consecutive nonces, for the ceiling."""
        calls = self._signed_calls(count)
        nonce = int(self.rpc.call("eth_getTransactionCount", self.registrant, "pending"), 16)
        raws: list[str] = []
        for chunk in range(0, count, RPC_BATCH):
            requests = []
            for offset, c in enumerate(calls[chunk : chunk + RPC_BATCH]):
                tx = {
                    "from": self.registrant,
                    "to": self.deployment.registrations,
                    "data": c,
                    "gas": hex(SUBMIT_GAS),
                    "nonce": hex(nonce + chunk + offset),
                    "maxFeePerGas": hex(10**11),
                    "maxPriorityFeePerGas": hex(10**9),
                    "chainId": hex(LOCAL_CHAIN_ID),
                    "type": "0x2",
                }
                requests.append(("eth_signTransaction", [tx]))
            raws += self.rpc.batch(requests)
        self.written += count
        return raws


def submit_ceiling(url: str, raws: list[str], connections: int = 1) -> float:
    """`submit` transactions a second the node takes with automine on, sent over `connections` connections.

    Each connection sends its share in nonce order and waits for each answer (anvil answers once the block is
    mined); a transaction whose nonce comes early waits in the pool for the one before it.
    """
    shares = [raws[i::connections] for i in range(connections)]
    failures: list[Exception] = []

    def send(share: list[str]) -> None:
        rpc = Rpc(url)
        try:
            for raw in share:
                rpc.call("eth_sendRawTransaction", raw)
        except Exception as error:  # noqa: BLE001 - reported after the threads end
            failures.append(error)

    threads = [threading.Thread(target=send, args=(share,)) for share in shares]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    rpc = Rpc(url)
    last = "0x" + Web3.keccak(hexstr=raws[-1]).hex().removeprefix("0x")
    deadline = time.monotonic() + 600
    while rpc.call("eth_getTransactionReceipt", last) is None:
        if time.monotonic() > deadline:
            raise TimeoutError("the last transaction was not mined in 10 minutes")
        time.sleep(0.01)
    return len(raws) / (time.perf_counter() - started)


@contextmanager
def geth(folder: Path, port: int, *, crash_safe: bool = False) -> Iterator[ManagedProcess]:
    """`geth --dev` on 127.0.0.1:`port` sealing a block as soon as a transaction waits (period 0), a fresh datadir;
    `crash_safe` as the embedded stack runs it (hash scheme, archive, LevelDB)."""
    with geth_process(folder, port, free_port(), block_period=0, crash_safe=crash_safe) as process:
        yield process


@dataclass
class LocalRegistrar(Registrar):
    """A `Registrar` for a node that holds no keys (geth): the registrant's application and the relayer's
    transactions are signed here with the development key, and the node seals blocks on its own."""

    fee_wei: int = 20 * 10**9
    gas: int = 1_000_000  # geth's fork schedule prices a first `submit` at 511,000 gas, past anvil's 400,000

    def __post_init__(self) -> None:
        self._key = dev_account(0, LOCAL_CHAIN_ID).key

    def _signatures(self, applications: list[Submission]) -> list[str]:
        registry = self.deployment.registrations
        return [
            to_hex(Account.sign_typed_data(self._key, full_message=a.typed_data(LOCAL_CHAIN_ID, registry)).signature)
            for a in applications
        ]

    def _raw(self, calldata: str, nonce: int) -> str:
        tx = {
            "to": self.deployment.registrations,
            "data": calldata,
            "gas": self.gas,
            "nonce": nonce,
            "maxFeePerGas": self.fee_wei,
            "maxPriorityFeePerGas": 10**9,
            "chainId": LOCAL_CHAIN_ID,
            "type": 2,
        }
        return to_hex(Account.sign_transaction(tx, self._key).raw_transaction)

    def _mined_nonce(self) -> int:
        return int(self.rpc.call("eth_getTransactionCount", self.registrant, "latest"), 16)

    def write(self, count: int, per_block: int = 150, digests: Sequence[Digests] = ()) -> int:
        """Writes `count` registrations in batches of `per_block` sent at once; the node seals them as they come."""
        start = int(self.rpc.call("eth_blockNumber"), 16)
        for first in range(0, count, per_block):
            calls = self._signed_calls(min(per_block, count - first), digests[first : first + per_block])
            nonce = self._mined_nonce()
            raws = [self._raw(c, nonce + i) for i, c in enumerate(calls)]
            for chunk in range(0, len(raws), RPC_BATCH):
                self.rpc.batch([("eth_sendRawTransaction", [raw]) for raw in raws[chunk : chunk + RPC_BATCH]])
            deadline = time.monotonic() + 600
            while self._mined_nonce() < nonce + len(raws):
                if time.monotonic() > deadline:
                    raise TimeoutError("the node did not seal a batch in 10 minutes")
                time.sleep(0.01)
            self.written += len(calls)
        return int(self.rpc.call("eth_blockNumber"), 16) - start

    def presigned(self, count: int) -> list[str]:
        calls = self._signed_calls(count)
        nonce = int(self.rpc.call("eth_getTransactionCount", self.registrant, "pending"), 16)
        self.written += count
        return [self._raw(c, nonce + i) for i, c in enumerate(calls)]


def one_per_block(url: str, raws: list[str]) -> float:
    """Transactions a second when each is sent once the one before it is mined: one per block, on any node."""
    rpc = Rpc(url)
    started = time.perf_counter()
    for raw in raws:
        tx_hash = rpc.call("eth_sendRawTransaction", raw)
        deadline = time.monotonic() + 120
        while rpc.call("eth_getTransactionReceipt", tx_hash) is None:
            if time.monotonic() > deadline:
                raise TimeoutError("a transaction was not mined in 2 minutes")
            time.sleep(0.002)
    return len(raws) / (time.perf_counter() - started)
