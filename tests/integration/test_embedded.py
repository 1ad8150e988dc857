"""The embedded database: a real SecantusDB child process, checked with sync pymongo."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient

from webhooks.ops.embedded import EmbeddedDatabaseError, embedded_mongodb, server_pid

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX only (fcntl)")


def _client(uri: str) -> MongoClient[dict[str, Any]]:
    return MongoClient(uri, serverSelectionTimeoutMS=2000)


def _state(data_dir: Path) -> dict[str, Any]:
    state: dict[str, Any] = json.loads((data_dir / "embedded.json").read_text())
    return state


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _server_pids(data_dir: Path) -> list[int]:
    """Pids of live processes whose command line names data_dir's storage (Linux /proc only)."""
    needle = str(data_dir / "db").encode()
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if b"secantus" in cmdline and needle in cmdline.split(b"\0"):
            pids.append(int(proc.name))
    return pids


def test_start_stop_and_data_survive_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "var" / "data"  # parents are created
    with embedded_mongodb(data_dir) as uri:
        assert uri.startswith("mongodb://127.0.0.1:")
        assert "directConnection=true" in uri and "retryWrites=false" in uri
        state = _state(data_dir)
        assert state["uri"] == uri and f":{state['port']}/" in uri
        pid = state["pid"]
        assert _pid_alive(pid)
        assert server_pid(data_dir) == pid
        with _client(uri) as client:
            client.orderbot_test.things.insert_one({"_id": "kept", "n": 1})
            # standalone, so no write pays for an oplog entry the service never reads
            assert "setName" not in client.admin.command("hello")
    assert not _pid_alive(pid)
    assert not (data_dir / "embedded.json").exists()
    assert (data_dir / "db").is_dir() and (data_dir / "embedded.log").is_file()

    with embedded_mongodb(data_dir) as uri2, _client(uri2) as client:
        assert client.orderbot_test.things.find_one({"_id": "kept"}) == {"_id": "kept", "n": 1}
    assert not (data_dir / "embedded.json").exists()


def test_nested_use_shares_the_running_server(tmp_path: Path) -> None:
    with embedded_mongodb(tmp_path) as outer:
        pid = _state(tmp_path)["pid"]
        with embedded_mongodb(tmp_path) as inner:
            assert inner == outer
        assert _pid_alive(pid)
        assert _state(tmp_path)["pid"] == pid
        with _client(outer) as client:
            assert client.admin.command("ping")["ok"] == 1
    assert not _pid_alive(pid)
    assert not (tmp_path / "embedded.json").exists()


def test_stale_state_file_is_ignored(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale_uri = "mongodb://127.0.0.1:9/?directConnection=true&retryWrites=false"
    (tmp_path / "embedded.json").write_text(json.dumps({"pid": dead.pid, "port": 9, "uri": stale_uri}))
    with embedded_mongodb(tmp_path) as uri:
        assert uri != stale_uri
        state = _state(tmp_path)
        assert state["uri"] == uri and state["pid"] != dead.pid
        with _client(uri) as client:
            assert client.admin.command("ping")["ok"] == 1
    assert not (tmp_path / "embedded.json").exists()
    assert server_pid(tmp_path) is None


def test_unusable_storage_raises_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "db").write_text("not a directory")
    with pytest.raises(EmbeddedDatabaseError) as info, embedded_mongodb(tmp_path):
        pytest.fail("the context must not be entered")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("embedded database did not start: ")
    assert "File exists" in message
    assert not (tmp_path / "embedded.json").exists()
    if Path("/proc/self").exists():
        assert _server_pids(tmp_path) == []


def test_startup_timeout_kills_the_child(tmp_path: Path) -> None:
    with pytest.raises(EmbeddedDatabaseError) as info, embedded_mongodb(tmp_path, startup_timeout=0.05):
        pytest.fail("the context must not be entered")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("embedded database did not start within 0.05 s")
    assert not (tmp_path / "embedded.json").exists()
    if Path("/proc/self").exists():
        assert _server_pids(tmp_path) == []
