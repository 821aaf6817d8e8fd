"""Where the project's pinned tools live once `scripts/setup.sh` has installed them.

npm installs solc, forge and anvil under the repository's `node_modules`; the setup builds Kubo and geth
from the Go module proxy into the user's cache directory. Each location can be overridden by an
environment variable, e.g. for a production host that installs the binaries elsewhere.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from ledger.config import ChainClient

PROJECT_ROOT = Path(__file__).resolve().parent.parent
KUBO_VERSION = "v0.43.0"
GETH_VERSION = "v1.17.10"


def cache_dir() -> Path:
    """The user's cache directory for this project (XDG), where the setup keeps what it builds."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "data-rights-ledger"


@dataclass(frozen=True)
class Tool:
    """One external program: its name, where it is expected, and the variable that overrides it."""

    name: str
    env_var: str
    default: Path

    @property
    def path(self) -> Path:
        """The configured path, or the default location, or whatever is on PATH."""
        override = os.environ.get(self.env_var)
        if override:
            return Path(override)
        if self.default.exists():
            return self.default
        found = shutil.which(self.name)
        return Path(found) if found else self.default

    def is_installed(self) -> bool:
        """Whether the program exists and is executable."""
        candidate = self.path
        return candidate.is_file() and os.access(candidate, os.X_OK)


_NPM_BIN = PROJECT_ROOT / "node_modules" / "@foundry-rs"

ANVIL = Tool("anvil", "DRL_ANVIL_BIN", _NPM_BIN / "anvil-linux-amd64" / "bin" / "anvil")
FORGE = Tool("forge", "DRL_FORGE_BIN", _NPM_BIN / "forge-linux-amd64" / "bin" / "forge")
SOLC = Tool("solc", "DRL_SOLC_BIN", PROJECT_ROOT / "tools" / "solc" / "solc")
IPFS = Tool("ipfs", "DRL_IPFS_BIN", cache_dir() / f"kubo-{KUBO_VERSION}" / "ipfs")


def tlog_build_hash() -> str:
    """The hash the setup names the evidence log's build by: tools/tlog's go.mod, go.sum, Go source and embedded SQL
    (in the order scripts/setup.sh concatenates them)."""
    module = PROJECT_ROOT / "tools" / "tlog"
    files = [module / "go.mod", module / "go.sum", *sorted(module.glob("*.go")), *sorted(module.glob("*.sql"))]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files if f.exists())).hexdigest()[:16]


TLOG = Tool("tlog", "DRL_TLOG_BIN", cache_dir() / f"tlog-{tlog_build_hash()}" / "tlog")

GETH = Tool("geth", "DRL_GETH_BIN", cache_dir() / f"geth-{GETH_VERSION}" / "geth")

ALL_TOOLS = (ANVIL, FORGE, SOLC, IPFS, TLOG)
CLUSTER_TOOLS = (GETH,)  # needed by `drl up --topology cluster`, `drl up --chain geth` and the geth tests only
CHAIN_CLIENTS: dict[ChainClient, Tool] = {"anvil": ANVIL, "geth": GETH}


def embedded_tools(chain: ChainClient) -> tuple[Tool, ...]:
    """What the embedded stack on `chain` needs installed: the common tools and that chain's client."""
    return tuple(dict.fromkeys((*ALL_TOOLS, CHAIN_CLIENTS[chain])))
