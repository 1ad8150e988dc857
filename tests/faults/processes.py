"""Real processes for the fault tests: a database server of their own and ``orderbot`` web/worker processes.

The database is SecantusDB, started as ``orderbot serve`` starts it (``python -m secantus``), but on a port
and data dir the test owns, so the test can stop it and start it again on the same port and data.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from webhooks.ops.embedded import ping

REPO = Path(__file__).resolve().parents[2]
ORDERBOT = Path(sys.executable).with_name("orderbot")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    """Whether something accepts connections on the loopback ``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(ready: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``ready()`` every 50 ms until it is true; AssertionError naming ``what`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not ready within {timeout:g} s")
        time.sleep(0.05)


@dataclass
class DatabaseServer:
    """A SecantusDB server on a fixed port and data dir; ``stop`` and ``start`` again keep both."""

    data_dir: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/?directConnection=true&retryWrites=false"

    def start(self, timeout: float = 30.0) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        cmd = [sys.executable, "-m", "secantus", "--host", "127.0.0.1", "--port", str(self.port)]
        cmd += ["--storage-path", str(self.data_dir / "db"), "--log-level", "WARNING"]
        cmd += ["--sync-on-commit", "--standalone"]
        with (self.data_dir / "server.log").open("ab") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=self.data_dir, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(lambda: ping(self.uri), timeout, "the database server")

    def stop(self, *, kill: bool = False) -> None:
        """Stop the server: SIGKILL (a crash) or SIGTERM (an orderly stop)."""
        if self.proc is None:
            return
        self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
        self.proc.wait(timeout=30)
        self.proc = None


@dataclass
class Orderbot:
    """``orderbot web`` or ``orderbot worker`` as a child process with its own environment."""

    command: str
    env: dict[str, str]
    log_path: Path
    port: int | None = None
    proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> None:
        env = {**os.environ, **self.env}
        if self.port is not None:
            env["PORT"] = str(self.port)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [str(ORDERBOT), self.command], cwd=REPO, env=env, stdin=subprocess.DEVNULL, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        if self.port is not None:
            wait_until(self._listening, timeout, f"orderbot {self.command}")

    def _listening(self) -> bool:
        assert self.proc is not None and self.port is not None
        if self.proc.poll() is not None:
            raise AssertionError(f"orderbot {self.command} exited: see {self.log_path}")
        return listening(self.port)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=30)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None

    def rss_kib(self) -> int:
        """Resident memory of the process, from /proc (Linux)."""
        assert self.proc is not None
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0
