"""The ledger assembled from its settings: chain, deployment, database, IPFS, outbox and index.

The one composition root: the CLI builds one per command, the HTTP service one per process and hands
it to its routes through dependency injection. Nothing here is global.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eth_account.messages import encode_typed_data
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from web3 import Web3

from ledger.chain.contracts import Contracts
from ledger.chain.deployment import Deployment
from ledger.chain.keystore import unlock
from ledger.chain.node import connect
from ledger.chain.registry import signer_nonce
from ledger.config import Settings
from ledger.db import make_engine, make_sessionmaker
from ledger.doorbell import doorbell_for
from ledger.evidence_log import EvidenceLog, LogUnavailableError
from ledger.index.follower import ChainFollower
from ledger.leadership import Leadership, lease_for
from ledger.migrations import upgrade_schema
from ledger.outbox import Outbox, OutboxPolicy
from ledger.replication import KuboSet, Pinset
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

# A connection for every thread that can hold one at once: the 40 threads anyio runs synchronous routes on,
# the outbox worker, the indexer and the chores. Beyond the first ten they are closed when returned.
POOL = {"pool_size": 10, "max_overflow": 40, "pool_timeout": 30.0}


class NotDeployedError(RuntimeError):
    """There is no deployment file: the ledger was never deployed (drl up deploys it)."""


class RelayerNotConfiguredError(RuntimeError):
    """No relayer key is configured for a chain that is not the local one."""


@dataclass
class LedgerRuntime:
    """Everything a command or a request needs, built lazily from the settings."""

    settings: Settings

    @cached_property
    def w3(self) -> Web3:
        return connect(self.settings.rpc_url)

    @cached_property
    def deployment(self) -> Deployment:
        path = self.settings.deployment_file
        if not path.exists():
            raise NotDeployedError(f"no deployment file at {path}; `drl up` deploys the ledger on first start")
        return Deployment.load(path)

    @cached_property
    def contracts(self) -> Contracts:
        """The deployed contracts, built once: writes are built and views called through them."""
        return Contracts(self.w3, self.deployment)

    @cached_property
    def engine(self) -> Engine:
        """The database, upgraded to the schema this code expects before anything reads it.

        The one place every process (`drl up`, `drl serve` and its workers, each command) migrates;
        `upgrade_schema` makes concurrent starts safe.
        """
        self.settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        engine = make_engine(self.settings.resolved_database_url, **POOL)
        upgrade_schema(engine)
        return engine

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_sessionmaker(self.engine)

    @cached_property
    def ipfs(self) -> Pinset:
        """The content store: every write pinned on `ipfs_replicas` of the configured Kubo nodes."""
        return KuboSet.of(self.settings.resolved_ipfs_nodes, self.settings.ipfs_replicas)

    @cached_property
    def evidence_log(self) -> EvidenceLog:
        """The evidence log (tools/tlog), its checkpoints verified against the log key in the data directory."""
        from ledger.proofs.tlog_note import VerifierKey
        from ledger.stack.tlog import VERIFIER_KEY_FILE

        key_file = self.settings.tlog_dir / VERIFIER_KEY_FILE
        if not key_file.exists():
            raise LogUnavailableError(f"no evidence log key at {key_file}: this ledger runs no evidence log")
        return EvidenceLog(self.settings.tlog_url, VerifierKey.parse(key_file.read_text()))

    @cached_property
    def relayer(self) -> LocalAccount:
        settings = self.settings
        if settings.relayer_address:
            password = settings.password(settings.relayer_password, settings.relayer_password_file)
            if password is None:
                raise RelayerNotConfiguredError("set DRL_RELAYER_PASSWORD or DRL_RELAYER_PASSWORD_FILE")
            return unlock(settings.resolved_keystore_dir, settings.relayer_address, password)
        if settings.chain_id == LOCAL_CHAIN_ID:
            return dev_account(0, LOCAL_CHAIN_ID)
        raise RelayerNotConfiguredError("configure DRL_RELAYER_ADDRESS with its keystore for this chain")

    @cached_property
    def custody(self) -> dict[str, LocalAccount]:
        """The keys the service holds: the relayer and the configured custody keys (authorities, regulators)."""
        keys: dict[str, LocalAccount] = {self.relayer.address: self.relayer}
        settings = self.settings
        if settings.custody_addresses:
            password = settings.password(settings.custody_password, settings.custody_password_file)
            if password is None:
                raise RelayerNotConfiguredError("set DRL_CUSTODY_PASSWORD or DRL_CUSTODY_PASSWORD_FILE")
            for address in settings.custody_addresses:
                account = unlock(settings.resolved_keystore_dir, address, password)
                keys[account.address] = account
        return keys

    @cached_property
    def leadership(self) -> Leadership:
        """Whether this instance runs the outbox worker and the indexer: one instance at a time holds the lease."""
        settings = self.settings
        holder = f"{settings.api_host}:{settings.api_port}"
        return Leadership(
            lease_for(settings.resolved_database_url, holder), heartbeat=settings.leader_heartbeat_seconds
        )

    @cached_property
    def outbox(self) -> Outbox:
        policy = OutboxPolicy(max_fee_per_gas=self.settings.max_fee_per_gas)
        leadership = self.leadership
        doorbell = doorbell_for(self.settings.resolved_database_url, self.engine)  # wakes the leader's worker
        return Outbox(
            self.sessions,
            self.w3,
            self.custody,
            policy,
            permit=leadership.permit,
            fence=leadership.fence,
            doorbell=doorbell,
        )

    @cached_property
    def follower(self) -> ChainFollower:
        settings = self.settings
        return ChainFollower(
            self.w3,
            self.deployment,
            self.sessions,
            confirmations=settings.confirmations,
            finality_tag=settings.finality_tag,
        )

    def signing_terms(self, signer: str) -> tuple[int, int]:
        """The nonce and deadline the next registry signature of `signer` carries.

        The nonce follows the chain's and any signature of `signer` still in the outbox; the deadline is
        `signature_validity_days` of chain time away.
        """
        on_chain = signer_nonce(self.contracts, signer)
        return self.outbox.next_signer_nonce(signer, on_chain), self.signature_deadline()

    def custodial_signature(self, address: str, document: dict[str, Any]) -> bytes | None:
        """The signature of the typed-data `document` by the key the ledger holds for `address` (custody), or
        None when it holds none."""
        account = self.custody.get(address)
        if account is None:
            return None
        return bytes(account.sign_message(encode_typed_data(full_message=document)).signature)

    def chain_head(self) -> int:
        """The chain's latest block number: the readiness probe of the chain, for faces that hold no web3 object."""
        return int(self.w3.eth.block_number)

    def chain_client(self) -> str:
        """The chain node's own name and version (`web3_clientVersion`, e.g. `anvil/v1.7.1` or `Geth/v1.17.10-…`)."""
        return str(self.w3.client_version)

    def chain_time(self) -> int:
        """The latest block's timestamp: the clock deadlines and terms are judged by, for faces that hold no web3
        object."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def signature_deadline(self) -> int:
        """The deadline of a signature made now: `signature_validity_days` of chain time away."""
        return self.chain_time() + self.settings.signature_validity_days * 86_400

    def close(self) -> None:
        """Releases connections."""
        if "ipfs" in self.__dict__:
            self.ipfs.close()
        if "leadership" in self.__dict__:
            self.leadership.close()
        if "engine" in self.__dict__:
            self.engine.dispose()
