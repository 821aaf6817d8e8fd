"""What an anonymous caller can make the real server spend: a uvicorn process of its own, measured via /proc.

The server runs as a subprocess so its memory is its own; it needs no chain or IPFS for these requests (the
runtime connects lazily), only a data directory for the token table.
"""

from __future__ import annotations

import os
import select
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from api.tokens import ApiToken, Role, issue_token
from ledger.config import Settings
from ledger.runtime import LedgerRuntime
from ledger.stack.devkeys import LOCAL_CHAIN_ID, dev_account

from ..conftest import free_port

MIB = 1 << 20


def _peak_rss_bytes(pid: int) -> int:
    """The process's high-water mark of resident memory (VmHWM), which a freed spike still shows."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmHWM in /proc status")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("limits")


@pytest.fixture(scope="module")
def registrant_token(data_dir: Path) -> str:
    """A registrant token in the server's database, issued before it starts."""
    runtime = LedgerRuntime(Settings(data_dir=data_dir))
    ApiToken.metadata.create_all(runtime.engine)
    with runtime.sessions.begin() as session:
        token = issue_token(session, dev_account(6, LOCAL_CHAIN_ID).address, [Role.REGISTRANT], "limits")
    runtime.close()
    return token


@pytest.fixture(scope="module")
def server(registrant_token: str, data_dir: Path) -> Iterator[tuple[str, int]]:
    """`uvicorn api.app:create_app` on a free loopback port, as `drl serve --workers N` runs it."""
    port = free_port()
    environment = {
        **os.environ,
        "DRL_DATA_DIR": str(data_dir),
        "DRL_RPC_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens: these requests never need it
        "DRL_IPFS_API_URL": f"http://127.0.0.1:{free_port()}",
        "DRL_CONFIG": str(data_dir / "absent.toml"),
        "DRL_MAX_UPLOAD_BYTES": str(8 * MIB),
    }
    command = [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1"]
    process = subprocess.Popen([*command, "--port", str(port), "--log-level", "warning"], env=environment, cwd=data_dir)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # a busy machine imports slowly
    while True:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert process.poll() is None, "the server exited"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.2)
    yield url, process.pid
    process.terminate()
    process.wait(timeout=10)


def _send_chunked(port: int, path: str, total: int, headers: str = "") -> tuple[int, int]:
    """Streams `total` bytes of a JSON string as a chunked body; returns (status, bytes the server took).

    Stops sending as soon as the server answers or closes the connection, as a real client would.
    """
    with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}"
            "Transfer-Encoding: chunked\r\n\r\n".encode()
        )
        chunk = b"a" * MIB
        sent = 0
        try:
            connection.sendall(b'6\r\n{"x":"\r\n')
            while sent < total:
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                if select.select([connection], [], [], 0)[0]:
                    break  # the server has answered
            else:
                connection.sendall(b'2\r\n"}\r\n0\r\n\r\n')
        except (BrokenPipeError, ConnectionResetError):
            pass
        answer = b""
        while b"\r\n" not in answer:
            piece = connection.recv(4096)
            if not piece:
                break
            answer += piece
    status_line = answer.split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1]), sent


def test_anonymous_chunked_body_is_refused_before_it_is_read(server: tuple[str, int]) -> None:
    """Issue 11 item 2: 64 MiB chunked to /v1/drafts without a token is refused at once; memory stays flat."""
    url, pid = server
    port = int(url.rsplit(":", 1)[1])
    before = _peak_rss_bytes(pid)
    status, _ = _send_chunked(port, "/v1/drafts", 64 * MIB)
    grown = _peak_rss_bytes(pid) - before
    assert status == 401
    assert grown < 16 * MIB, f"the server grew by {grown / MIB:.0f} MiB for a request it refuses"


def test_chunked_body_over_the_route_cap_is_cut_off_with_413(server: tuple[str, int], registrant_token: str) -> None:
    """With a valid token, a chunked JSON body is counted as it arrives and cut off at the route's small cap."""
    url, pid = server
    port = int(url.rsplit(":", 1)[1])
    before = _peak_rss_bytes(pid)
    status, sent = _send_chunked(port, "/v1/drafts", 64 * MIB, f"Authorization: Bearer {registrant_token}\r\n")
    grown = _peak_rss_bytes(pid) - before
    assert status == 413
    assert sent < 32 * MIB
    assert grown < 16 * MIB, f"the server grew by {grown / MIB:.0f} MiB for a body over its cap"


def test_upload_over_the_configured_cap_is_refused_with_413(server: tuple[str, int]) -> None:
    """The public verify-file upload has its own, larger, configured cap (8 MiB in this server)."""
    url, _ = server
    response = httpx.post(f"{url}/v1/verify/file", files={"file": ("big.bin", b"\0" * (9 * MIB))}, timeout=30)
    assert response.status_code == 413
    assert response.json()["code"] == "body_too_large"
    small = httpx.post(f"{url}/v1/verify/file", files={"file": ("small.bin", b"\0" * MIB)}, timeout=30)
    assert small.status_code != 413


def test_a_deeply_nested_body_is_refused_and_the_server_lives(server: tuple[str, int], registrant_token: str) -> None:
    """A 200 KB body of nested arrays crashed the server (segmentation fault): a library the ledger imports
    (py_ecc) raises Python's recursion limit to 100,000, so parsing it overflowed the C stack. Any token
    holder could stop the service with one request."""
    url, pid = server
    answer = httpx.post(
        f"{url}/v1/drafts",
        content=b"[" * 200_000,
        headers={"Authorization": f"Bearer {registrant_token}", "Content-Type": "application/json"},
        timeout=60,
    )
    assert answer.status_code == 422, answer.text
    assert answer.json()["code"] == "body_too_deep"
    assert httpx.get(f"{url}/healthz", timeout=10).status_code == 200
    assert Path(f"/proc/{pid}").exists()
