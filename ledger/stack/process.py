"""A supervised child process: started with its log in a file, ready when a probe says so, stopped cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType


class ProcessFailedError(RuntimeError):
    """A child process exited, or did not become ready in time."""


class ManagedProcess:
    """One child process of the stack.

    The child runs in its own process group so that Ctrl-C in the terminal reaches the supervisor
    first, which then stops every child in order instead of leaving half a stack running.
    """

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        log_path: Path,
        ready: Callable[[], bool],
        env: Mapping[str, str] | None = None,
        stop_signal: signal.Signals = signal.SIGTERM,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.log_path = log_path
        self._ready = ready
        self._env = {**os.environ, **(env or {})}
        self._stop_signal = stop_signal
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60.0) -> None:
        """Starts the child and waits until its probe answers, or raises with the end of its log."""
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - argv is built by the project, not from input
                self.argv,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._env,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ProcessFailedError(f"{self.name} exited with {self._process.returncode}: {self.log_tail()}")
            if self._probe():
                return
            time.sleep(0.1)
        self.stop()
        raise ProcessFailedError(f"{self.name} was not ready within {timeout:.0f}s: {self.log_tail()}")

    def _probe(self) -> bool:
        try:
            return self._ready()
        except Exception:  # noqa: BLE001 - any failure of the probe means "not ready yet"
            return False

    @property
    def running(self) -> bool:
        """Whether the child is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._process.pid if self._process else None

    def stop(self, timeout: float = 20.0) -> None:
        """Asks the child to stop (with its stop signal), and kills it if it does not within `timeout`."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, self._stop_signal)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=timeout)

    def log_tail(self, lines: int = 20) -> str:
        """The last lines of the child's log, for error messages."""
        if not self.log_path.exists():
            return "(no log)"
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def __enter__(self) -> ManagedProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
