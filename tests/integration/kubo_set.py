"""Fixtures' helpers for replication tests: a set of real Kubo nodes peered on loopback, and a lying node."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from ledger.stack.kubo import KuboPorts, kubo_set_processes
from ledger.stack.process import ManagedProcess

from ..conftest import free_port


@dataclass
class KuboNodes:
    """Running Kubo nodes of one set: their processes and RPC API URLs, in order."""

    processes: list[ManagedProcess]
    urls: list[str]


@contextmanager
def running_kubo_set(data_dir: Path, count: int) -> Iterator[KuboNodes]:
    """`count` real Kubo daemons peered with each other, stopped on exit."""
    ports = [KuboPorts(free_port(), free_port(), free_port()) for _ in range(count)]
    processes = kubo_set_processes(data_dir, ports)
    with ExitStack() as stack:
        for process in processes:
            stack.enter_context(process)
        urls = [node.api_url for node in ports]
        _wait_until_peered(urls)
        yield KuboNodes(processes, urls)


def _wait_until_peered(urls: list[str], timeout: float = 30.0) -> None:
    """Kubo's peering service connects in the background after start: a test that begins at once can find a node
    with no peers yet (seen on a quiet machine, where the test wins the race)."""
    deadline = time.monotonic() + timeout
    while True:
        counts = [len(httpx.post(f"{url}/api/v0/swarm/peers", timeout=5).json().get("Peers") or []) for url in urls]
        if all(count >= len(urls) - 1 for count in counts):
            return
        assert time.monotonic() < deadline, f"the Kubo nodes did not peer within {timeout} s: {counts} peers"
        time.sleep(0.2)


class _Liar(BaseHTTPRequestHandler):
    """Answers every Kubo RPC call with 200 and the same forged bytes: a node serving content that is not the CID's."""

    def do_POST(self) -> None:
        body = b'{"Version":"0.0.0-liar"}' if self.path.startswith("/api/v0/version") else b"forged bytes"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def lying_node() -> Iterator[str]:
    """A loopback HTTP server impersonating a Kubo RPC API that returns wrong bytes (a fault injector)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Liar)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
