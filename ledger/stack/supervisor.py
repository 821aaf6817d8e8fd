"""Runs the embedded stack: anvil and Kubo on 127.0.0.1, contracts deployed on first start.

The supervisor restarts a component that dies (a few times, then gives up and stops the whole stack)
and stops everything in reverse order on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

from web3 import Web3

from ledger.chain.deployment import Deployment, attach_or_deploy
from ledger.config import Settings
from ledger.stack.anvil import anvil_process
from ledger.stack.bootstrap import bootstrap_local_ledger
from ledger.stack.devkeys import dev_account
from ledger.stack.kubo import kubo_process
from ledger.stack.process import ManagedProcess, ProcessFailedError
from ledger.stack.tlog import tlog_process

MAX_RESTARTS = 3


class EmbeddedStack:
    """The local chain and IPFS node of `drl up`, with the ledger deployed on the chain."""

    def __init__(self, settings: Settings, *, persist_chain: bool = True) -> None:
        self.settings = settings
        data_dir = settings.data_dir
        self.processes: list[ManagedProcess] = [
            anvil_process(data_dir, settings.anvil_port, settings.chain_id, persist=persist_chain),
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
