"""Embedded SecantusDB (MongoDB wire protocol) run as a child process when ``MONGODB_URI`` is unset.

The server is never imported: it runs as ``python -m secantus`` on a free loopback port, with its data
under a data dir, shared by every process using that dir while one of them keeps it running.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pymongo
from pymongo.errors import PyMongoError

SERVER_COMMAND = (sys.executable, "-m", "secantus")
_POLL_INTERVAL = 0.1
_STOP_TIMEOUT = 10.0
_PR_SET_PDEATHSIG = 1
_NOT_INSTALLED = "embedded database not installed: pip install 'orderbot[embedded]' or set MONGODB_URI"


class EmbeddedDatabaseError(RuntimeError):
    """The embedded database could not be started; the message is one line fit to show a user."""


@contextlib.contextmanager
def embedded_mongodb(
    data_dir: Path, *, startup_timeout: float = 30.0, server_command: Sequence[str] = SERVER_COMMAND
) -> Iterator[str]:
    """Yield a MongoDB URI for the embedded server with its data under data_dir.

    If another process already runs the server for ``data_dir`` (recorded in
    ``embedded.json``), its URI is yielded and that server is left alone. Otherwise a
    server is started as a child process and stopped when the context exits. Enter
    this from a thread that outlives the context (e.g. the main thread): on Linux
    the child is sent SIGTERM when the thread that started it exits.

    Args:
        data_dir: Directory for the storage (``db``), log, address file and lock;
            created if missing.
        startup_timeout: Seconds to wait for a new server to answer a ping.
        server_command: The argv that runs SecantusDB's command line (its flags are appended); the test
            suite passes one whose TTL monitor is off, because its clock is not the wall clock.

    Yields:
        A ``mongodb://`` URI for a direct connection with retryable writes off.

    Raises:
        EmbeddedDatabaseError: The server is not installed or did not start.
    """
    proc, uri = _attach_or_start(data_dir, startup_timeout, server_command)
    try:
        yield uri
    finally:
        if proc is not None:
            _shut_down(proc, data_dir)


def _attach_or_start(
    data_dir: Path, startup_timeout: float, server_command: Sequence[str]
) -> tuple[subprocess.Popen[bytes] | None, str]:
    """Return (None, uri) of a server already running for data_dir, or start one: (child, uri)."""
    state_path = data_dir / "embedded.json"
    proc: subprocess.Popen[bytes] | None = None
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        uri = _running_uri(state_path)
        if uri is not None:
            return None, uri
        with _flock(data_dir / "embedded.lock", startup_timeout):
            uri = _running_uri(state_path)  # another process may have started it while we waited
            if uri is not None:
                return None, uri
            if importlib.util.find_spec("secantus") is None:
                raise EmbeddedDatabaseError(_NOT_INSTALLED)
            stale = _read_state(state_path)
            if stale is not None:  # a crashed owner's server may still be releasing the storage
                _wait_exit(stale[0], _STOP_TIMEOUT)
            proc, port = _start(data_dir, startup_timeout, server_command)
            uri = _uri(port)
            _write_state(state_path, proc.pid, port, uri)
            return proc, uri
    except BaseException as exc:
        if proc is not None:
            _stop(proc)
        if isinstance(exc, OSError):
            raise EmbeddedDatabaseError(f"embedded database could not start: {exc}") from exc
        raise


def _shut_down(proc: subprocess.Popen[bytes], data_dir: Path) -> None:
    """Stop our server and forget its address, holding the lock so nobody reopens the storage meanwhile."""
    with contextlib.ExitStack() as stack:
        with contextlib.suppress(EmbeddedDatabaseError, OSError):
            stack.enter_context(_flock(data_dir / "embedded.lock", _STOP_TIMEOUT))
        _stop(proc)
        state = _read_state(data_dir / "embedded.json")
        if state is not None and state[0] == proc.pid:
            with contextlib.suppress(OSError):
                (data_dir / "embedded.json").unlink()


def _uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false"


def ping(uri: str) -> bool:
    """Tell whether a MongoDB server at uri answers a ping within about a second."""
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(uri, serverSelectionTimeoutMS=1000)
    try:
        client.admin.command("ping")
    except PyMongoError:
        return False
    finally:
        client.close()
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        pass
    return True


def server_pid(data_dir: Path) -> int | None:
    """The process id of the server recorded for ``data_dir`` (alive or not), or None when none is."""
    state = _read_state(data_dir / "embedded.json")
    return state[0] if state is not None else None


def _read_state(state_path: Path) -> tuple[int, str] | None:
    """Return the (pid, uri) recorded in state_path, or None if it is missing or malformed."""
    try:
        state = json.loads(state_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    pid, uri = (state.get("pid"), state.get("uri")) if isinstance(state, dict) else (None, None)
    return (pid, uri) if isinstance(pid, int) and pid > 0 and isinstance(uri, str) else None


def _running_uri(state_path: Path) -> str | None:
    """Return the URI recorded in state_path if its server is alive and answers, else None."""
    state = _read_state(state_path)
    return state[1] if state is not None and _pid_alive(state[0]) and ping(state[1]) else None


def _wait_exit(pid: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(_POLL_INTERVAL)


def _write_state(state_path: Path, pid: int, port: int, uri: str) -> None:
    tmp = state_path.with_name(f"{state_path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"pid": pid, "port": port, "uri": uri}) + "\n", encoding="utf-8")
    tmp.replace(state_path)


@contextlib.contextmanager
def _flock(lock_path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive flock on lock_path, waiting at most timeout seconds for it."""
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    msg = f"embedded database busy: another process holds {lock_path} for too long"
                    raise EmbeddedDatabaseError(msg) from None
                time.sleep(_POLL_INTERVAL)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def _pdeathsig_preexec() -> Callable[[], None] | None:
    """Return a preexec_fn making the child get SIGTERM when its parent dies (Linux only)."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before fork, not in the child
    parent = os.getpid()

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os._exit(1)

    return preexec


def _last_log_line(log_path: Path, offset: int) -> str:
    """Return the last non-empty line written to log_path after offset, or ''."""
    with log_path.open("rb") as log:
        log.seek(offset)
        lines = [line.strip() for line in log.read().decode(errors="replace").splitlines()]
    return next((line for line in reversed(lines) if line), "")


def _start(
    data_dir: Path, startup_timeout: float, server_command: Sequence[str]
) -> tuple[subprocess.Popen[bytes], int]:
    """Start the server as a child process and wait until it answers a ping; return it and its port."""
    log_path = data_dir / "embedded.log"
    port = _free_port()
    uri = _uri(port)
    cmd = [*server_command, "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--storage-path", str(data_dir / "db"), "--log-level", "WARNING"]
    # Standalone: no oplog. The service uses neither change streams nor transactions, so the oplog entry
    # the server would otherwise compute and write for every write is work for nothing.
    cmd += ["--standalone"]
    with log_path.open("ab") as log:
        offset = log.tell()
        proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            cmd,
            cwd=data_dir,  # so no secantusd.toml is auto-discovered from the user's cwd
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a terminal Ctrl-C reaches only us; we stop the child in order
            preexec_fn=_pdeathsig_preexec(),  # noqa: PLW1509 - only calls a pre-resolved prctl
        )
    try:
        deadline = time.monotonic() + startup_timeout
        while not (_port_open(port) and ping(uri)):
            if proc.poll() is not None:
                line = _last_log_line(log_path, offset) or f"exited with code {proc.returncode}"
                raise EmbeddedDatabaseError(f"embedded database did not start: {line} (see {log_path})")
            if time.monotonic() >= deadline:
                msg = f"embedded database did not start within {startup_timeout:g} s (see {log_path})"
                raise EmbeddedDatabaseError(msg)
            time.sleep(_POLL_INTERVAL)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc, port


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the child: SIGTERM, then SIGKILL if it has not exited within the stop timeout."""
    proc.terminate()  # a no-op if it has already exited
    try:
        proc.wait(timeout=_STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
