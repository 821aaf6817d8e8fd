"""Settings of the ledger: the only place that reads the environment.

Values come from `DRL_*` environment variables, then from a TOML file (`drl.toml` in the working
directory, or the file named by `DRL_CONFIG`), then from the embedded defaults: a local chain (`EMBEDDED_CHAIN`),
a local Kubo node and SQLite, all on 127.0.0.1.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

ChainClient = Literal["anvil", "geth"]
"""The EVM clients the ledger's own stacks run: anvil (Foundry) or go-ethereum in developer mode."""

EMBEDDED_CHAIN: ChainClient = "geth"
"""The chain `drl up` starts when neither `--chain` nor `DRL_EMBEDDED_CHAIN` says otherwise: geth, since anvil's
`submit` rate falls to a tenth with its own history and geth's held after 100,000 registrations (docs/performance.md,
"The embedded chain's age"). anvil stays for whoever must move the chain's clock (the quick start's walk, tests)."""


def _config_file() -> Path:
    return Path(os.environ.get("DRL_CONFIG", "drl.toml"))


class Settings(BaseSettings):
    """Where the ledger's components are and how it behaves."""

    model_config = SettingsConfigDict(env_prefix="DRL_", extra="forbid")

    data_dir: Path = Field(default=Path(".drl"), description="Chain state, Kubo repo, database, deployment file.")
    rpc_url: str = Field(default="http://127.0.0.1:8545", description="EVM JSON-RPC endpoint.")
    chain_id: int = Field(default=31337, description="Chain id the deployment and signatures are bound to.")
    ipfs_api_url: str = Field(default="http://127.0.0.1:5001", description="Kubo RPC API.")
    ipfs_gateway_url: str = Field(default="http://127.0.0.1:8080", description="Kubo gateway.")
    ipfs_nodes: list[str] = Field(
        default_factory=list,
        description="Kubo RPC APIs of the replica set, in write order; empty means ipfs_api_url alone.",
    )
    ipfs_replicas: int = Field(
        default=2,
        ge=1,
        description="Nodes every manifest, evidence file and certificate document is pinned on "
        "(capped at the number of nodes).",
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; SQLite in data_dir by default.")
    keystore_dir: Path | None = Field(default=None, description="Encrypted V3 keystores; data_dir/keystore by default.")
    confirmations: int = Field(default=0, ge=0, description="Blocks an event must be buried under to be indexed.")
    finality_tag: Literal["finalized", "safe"] | None = Field(
        default=None,
        description="Block tag the chain marks final blocks with (e.g. finalized on Besu QBFT); else confirmations.",
    )
    reorg_horizon_blocks: int = Field(
        default=64, ge=1, description="How far back a settled write is checked for having fallen out of the chain."
    )
    notice_days: int = Field(default=7, ge=1, le=3650, description="Public-notice period of a new authority.")
    review_interval_days: int = Field(default=365, ge=1, le=3650, description="Annual-review interval.")
    relayer_address: str | None = Field(
        default=None, description="The key that pays gas for relayed writes; its keystore is in keystore_dir."
    )
    relayer_password: SecretStr | None = Field(default=None, description="The relayer keystore's password.")
    relayer_password_file: Path | None = Field(default=None, description="File holding the relayer keystore password.")
    custody_addresses: list[str] = Field(
        default_factory=list, description="Keys the service holds for authorities and regulators (keystores)."
    )
    custody_password: SecretStr | None = Field(default=None, description="The custody keystores' password.")
    custody_password_file: Path | None = Field(
        default=None, description="File holding the custody keystores' password."
    )
    keystore_password: SecretStr | None = Field(default=None, description="Password of registrant keys for the CLI.")
    negative_list_file: Path | None = Field(
        default=None,
        description="JSON negative list (负面清单): categories, industries and terms that may not circulate.",
    )
    signature_validity_days: int = Field(default=7, ge=1, le=90, description="Deadline of registrant signatures.")
    api_host: str = Field(default="127.0.0.1", description="Address the HTTP service listens on.")
    api_port: int = Field(default=8000, ge=1, le=65535)
    authority_names: dict[int, str] = Field(
        default={1: "数据产权登记中心（开发） Data Property Registration Centre (development)"},
        description="The names of the registration authorities by id, as certificates print them.",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="Where buyers reach the service; printed in certificate QR codes."
    )
    max_json_body_bytes: int = Field(
        default=1 << 20, ge=1024, description="Largest request body of a JSON route, counted as it arrives."
    )
    max_upload_bytes: int = Field(
        default=1 << 30, ge=1024, description="Largest request body of an upload route (evidence, verify-file)."
    )
    rate_limit_per_minute: int = Field(
        default=600, ge=0, description="Requests a client address may make to public routes a minute; 0 is off."
    )
    rate_limit_burst: int = Field(default=120, ge=1, description="Requests a client address may make at once.")
    rate_limit_shared: bool = Field(
        default=False,
        description="Keep the rate limits' buckets in the service database, shared by every instance that uses it "
        "(several `drl serve` instances); else each process has its own.",
    )
    max_writes_in_progress: int = Field(
        default=0,
        ge=0,
        description="JSON write requests (drafts, signatures, submissions, ...) each HTTP worker process works on at "
        "once; the rest wait their turn in order of arrival, never refused. A request asleep until the chain or the "
        "index moves gives its place up. 0 (the default) is no limit: 4 lowered the rate at 64 clients "
        "(docs/performance.md, 'Admission at the door').",
    )
    max_fee_per_gas: int = Field(
        default=500 * 10**9, ge=0, description="Fee cap in wei: the outbox never signs a transaction above it."
    )
    outbox_max_queue_age_seconds: int = Field(
        default=600, ge=1, description="The service reports unready when a write waits longer than this."
    )
    draft_evidence_days: int = Field(
        default=30, ge=1, le=3650, description="Evidence of a draft never submitted is unpinned after this."
    )
    leader_heartbeat_seconds: float = Field(
        default=1.0, gt=0, le=60, description="How often a standby instance tries to take the leader's lease."
    )
    embedded_chain: ChainClient = Field(
        default=EMBEDDED_CHAIN,
        description="The chain client of `drl up`'s embedded stack: anvil, or geth --dev (every block on disk).",
    )
    anvil_port: int = Field(default=8545, ge=1, le=65535, description="The embedded chain's JSON-RPC port.")
    ipfs_api_port: int = Field(default=5001, ge=1, le=65535)
    ipfs_gateway_port: int = Field(default=8080, ge=1, le=65535)
    ipfs_swarm_port: int = Field(default=4001, ge=1, le=65535)
    postgres_port: int = Field(default=55432, ge=1, le=65535, description="PostgreSQL of `drl up --topology cluster`.")
    tlog_url: str = Field(default="http://127.0.0.1:2025", description="The evidence log (tools/tlog, Tessera).")
    tlog_port: int = Field(default=2025, ge=1, le=65535, description="Port of the embedded evidence log.")
    tlog_origin: str = Field(
        default="data-rights-ledger.local/evidence", description="The evidence log's origin: its checkpoints' name."
    )
    tlog_anchor_every_entries: int = Field(
        default=10_000, ge=1, description="Anchor the log's checkpoint on chain once this many entries are new."
    )
    tlog_anchor_every_seconds: float = Field(
        default=60.0, gt=0, description="Anchor the log's checkpoint at least this often while entries are new."
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Explicit arguments win, then the environment, then the TOML file."""
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=_config_file()))

    @staticmethod
    def password(value: SecretStr | None, file: Path | None) -> str | None:
        """A password given directly (environment) or, failing that, in a file; None when neither is set."""
        if value is not None:
            return value.get_secret_value()
        if file is not None:
            return file.read_text().rstrip("\n")
        return None

    @property
    def deployment_file(self) -> Path:
        """The deployment file: chain id, contract addresses and the deployment block."""
        return self.data_dir / "deployment.json"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, SQLite inside the data directory unless configured."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'ledger.db').resolve()}"

    @property
    def resolved_ipfs_nodes(self) -> list[str]:
        """The Kubo RPC APIs content is replicated over: the configured set, or the one node."""
        return self.ipfs_nodes or [self.ipfs_api_url]

    @property
    def tlog_dir(self) -> Path:
        """The evidence log: its tiles, entry bundles and checkpoint, and its key files."""
        return self.data_dir / "tlog"

    @property
    def resolved_keystore_dir(self) -> Path:
        """The keystore directory, inside the data directory unless configured."""
        return self.keystore_dir or self.data_dir / "keystore"
