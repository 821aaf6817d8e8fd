"""Runs the embedded stack: a chain (anvil or geth --dev), Kubo and the evidence log on 127.0.0.1, contracts
deployed on first start.

The chain client is the one the caller names, else the one whose chain the data directory holds, else the
settings' `embedded_chain`. anvil keeps its state by
dumping it every few seconds (a killed anvil loses its last seconds of blocks); geth keeps every block's state
in its database as the block is sealed. A data directory holds one chain: starting the other client on it is
refused, since its deployment file names contracts the other chain does not have.

The supervisor restarts a component that dies (a few times, then gives up and stops the whole stack)
and stops everything in reverse order on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from web3 import Web3

from ledger.chain.deployment import Deployment, attach_or_deploy
from ledger.config import ChainClient, Settings
from ledger.stack.anvil import STATE_FILE as ANVIL_STATE
from ledger.stack.anvil import anvil_process
from ledger.stack.bootstrap import bootstrap_local_ledger
from ledger.stack.devkeys import dev_account
from ledger.stack.geth import DATADIR as GETH_DATADIR
from ledger.stack.geth import geth_process
from ledger.stack.kubo import kubo_process
from ledger.stack.process import ManagedProcess, ProcessFailedError
from ledger.stack.tlog import tlog_process

MAX_RESTARTS = 3


class ChainMismatchError(ProcessFailedError):
    """The data directory holds the other chain client's chain."""


def chain_held(data_dir: Path) -> ChainClient | None:
    """Which client's chain the data directory holds, if any."""
    if (data_dir / GETH_DATADIR).exists():
        return "geth"
    if (data_dir / ANVIL_STATE).exists():
        return "anvil"
    return None


def embedded_chain(settings: Settings, requested: ChainClient | None = None) -> ChainClient:
    """The chain client of the embedded stack: the one asked for, else the one whose chain the data directory
    holds (so a changed default never strands an existing ledger), else the settings' `embedded_chain`."""
    return requested or chain_held(settings.data_dir) or settings.embedded_chain


def chain_process(settings: Settings, chain: ChainClient, *, persist: bool = True) -> ManagedProcess:
    """The embedded chain node on `anvil_port`: anvil automining, or geth sealing a block as soon as a
    transaction waits (period 0), crash-safe, its engine API on the port above. geth always keeps its chain."""
    data_dir = settings.data_dir
    if chain == "geth":
        return geth_process(data_dir, settings.anvil_port, settings.anvil_port + 1, block_period=0, crash_safe=True)
    return anvil_process(data_dir, settings.anvil_port, settings.chain_id, persist=persist)


class EmbeddedStack:
    """The local chain and IPFS node of `drl up`, with the ledger deployed on the chain."""

    def __init__(self, settings: Settings, *, chain: ChainClient | None = None, persist_chain: bool = True) -> None:
        """`chain` defaults to `embedded_chain(settings)`; `persist_chain` False runs anvil without a state file.

        Raises ChainMismatchError when `chain` is not the client whose chain the data directory holds."""
        self.settings = settings
        self.chain = embedded_chain(settings, chain)
        data_dir = settings.data_dir
        held = chain_held(data_dir)
        if held not in (None, self.chain):
            raise ChainMismatchError(f"{data_dir} holds a {held} chain: start it with --chain {held}, or use another")
        self.processes: list[ManagedProcess] = [
            chain_process(settings, self.chain, persist=persist_chain),
            kubo_process(data_dir, settings.ipfs_api_port, settings.ipfs_gateway_port, settings.ipfs_swarm_port),
            tlog_process(settings.tlog_dir, settings.tlog_port, settings.tlog_origin),
        ]
        self._stopping = threading.Event()
        self.deployment: Deployment | None = None

    def start(self) -> Deployment:
        """Starts every component, deploys (or attaches to) the contracts and sets up the local roles."""
        self.settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # keys, database: the owner's alone
        try:
            for process in self.processes:
                process.start()
            w3 = Web3(Web3.HTTPProvider(self.settings.rpc_url))
            admin = dev_account(0, self.settings.chain_id)
            self.deployment, _ = attach_or_deploy(w3, admin, self.settings.deployment_file)
            bootstrap_local_ledger(
                w3, self.deployment, admin, self.settings.notice_days, self.settings.review_interval_days
            )
        except BaseException:
            self.stop()
            raise
        return self.deployment

    def supervise(self, on_restart: Callable[[str], None] = lambda name: None, poll: float = 1.0) -> None:
        """Watches the components until `stop_requested`; restarts one that died, up to MAX_RESTARTS times."""
        restarts = dict.fromkeys((p.name for p in self.processes), 0)
        while not self._stopping.wait(poll):
            for process in self.processes:
                if process.running:
                    continue
                if restarts[process.name] >= MAX_RESTARTS:
                    raise ProcessFailedError(f"{process.name} keeps dying: {process.log_tail()}")
                restarts[process.name] += 1
                on_restart(process.name)
                process.start()

    def request_stop(self, signum: int | None = None, frame: FrameType | None = None) -> None:
        """Asks `supervise` to return; safe to call from a signal handler."""
        self._stopping.set()

    def install_signal_handlers(self) -> None:
        """Ctrl-C and SIGTERM end supervision cleanly instead of killing the process mid-write."""
        signal.signal(signal.SIGINT, self.request_stop)
        signal.signal(signal.SIGTERM, self.request_stop)

    def stop(self) -> None:
        """Stops the components in reverse order of start."""
        for process in reversed(self.processes):
            process.stop()
