"""The ``orderbot`` command as a user runs it: real processes, the embedded database, real HTTP."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from webhooks.shop_platforms.generic import sign

ORDERBOT = [sys.executable, "-m", "webhooks.cli"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "ORDERBOT_"))}
    env.update(ORDERBOT_DATA_DIR=str(data_dir), **extra)
    return env


def _run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ORDERBOT, *args], env=_env(data_dir), capture_output=True, text=True, timeout=60, check=False
    )


def _request(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


class Server:
    def __init__(self, data_dir: Path, *args: str) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [*ORDERBOT, "serve", "--port", str(self.port), *args],
            env=_env(data_dir),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _request(f"{self.base}/readyz")[0] == 200:
                    return
            except OSError:
                time.sleep(0.2)
        self.process.kill()
        raise AssertionError(
            f"server did not start: {self.process.stderr.read() if self.process.stderr else ''}"
        )

    def stop(self) -> tuple[str, str]:
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=30)
        return out, err


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "var"
    yield path
    shutil.rmtree(path, ignore_errors=True)


def _embedded_pid(data_dir: Path) -> int:
    return int(json.loads((data_dir / "embedded.json").read_text())["pid"])


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # an exited child that its parent has not reaped yet is not running
    status = Path(f"/proc/{pid}/status")
    return not status.exists() or "State:\tZ" not in status.read_text()


def test_serve_demo_signed_webhook_and_restart(data_dir: Path) -> None:
    server = Server(data_dir, "--demo")
    db_pid = _embedded_pid(data_dir)
    out, err = server.stop()
    shop_id = re.search(r"shop id:\s+(\S+)", out)
    secret = re.search(r"webhook secret:\s+(\S+)", out)
    token = re.search(r"API token:\s+(\S+)", out)
    assert shop_id and secret and token, out
    desk = re.search(r"order desk:\s+(\S+)", out)
    assert desk and desk.group(1) == f"{server.base}/dashboard#token={token.group(1)}", out
    assert server.process.returncode == 0, err
    time.sleep(0.5)
    assert not _alive(db_pid), "the embedded database outlived serve"
    assert not (data_dir / "embedded.json").exists()

    # Data survives a restart; --demo again creates nothing new.
    server = Server(data_dir, "--demo")
    try:
        auth = {"Authorization": f"Bearer {token.group(1)}"}
        with urllib.request.urlopen(f"{server.base}/dashboard", timeout=10) as page:
            assert page.status == 200 and b"<html" in page.read().lower()
        status, stats = _request(f"{server.base}/api/v1/orders/stats", headers=auth)
        assert status == 200
        # 30 current orders and the past (delivered or cancelled, and six askers' shipped or delivered; its
        # size depends on the day: tests/integration/test_demo_history.py holds that it is made once)
        total = stats["total"]
        assert total > 100
        # auto-progression is on in the demo: the 3 pending orders over 24 h moved to processing, and the
        # 3 processing orders with a tracking number to shipped
        assert (stats["by_status"]["pending"], stats["by_status"]["processing"]) == (3, 6)
        assert stats["by_status"]["shipped"] >= 9

        body = json.dumps({"event": "order.created", "order": {"id": "A-1", "number": "5001"}}).encode()
        headers = {
            "Content-Type": "application/json",
            "X-Orderbot-Signature": sign(secret.group(1), body),
            "X-Orderbot-Event-Id": "evt-1",
        }
        status, accepted = _request(f"{server.base}/webhooks/orders/{shop_id.group(1)}", body, headers)
        assert (status, accepted["status"], accepted["duplicate"]) == (200, "pending", False)
        status, again = _request(f"{server.base}/webhooks/orders/{shop_id.group(1)}", body, headers)
        assert (status, again["duplicate"], again["order_id"]) == (200, True, accepted["order_id"])
        assert _request(f"{server.base}/api/v1/orders/stats", headers=auth)[1]["total"] == total + 1

        # Other commands use the running server and print JSON or the token alone.
        listed = _run(data_dir, "shop", "list")
        assert listed.returncode == 0, listed.stderr
        assert [shop["shop_id"] for shop in json.loads(listed.stdout)] == [shop_id.group(1)]
    finally:
        server.stop()


def test_shop_add_list_and_token(data_dir: Path) -> None:
    added = _run(data_dir, "shop", "add", "--name", "Bean There", "--sms-number", "+14155550100",
                 "--staff-telegram-id", "111", "--staff-telegram-id", "222", "--timezone", "Europe/Lisbon")  # fmt: skip
    assert added.returncode == 0, added.stderr
    shop = json.loads(added.stdout)
    assert shop["name"] == "Bean There"
    assert shop["staff_telegram_ids"] == [111, 222]
    assert len(shop["webhook_secret"]) >= 32

    listed = json.loads(_run(data_dir, "shop", "list").stdout)
    assert [s["shop_id"] for s in listed] == [shop["shop_id"]]

    token = _run(data_dir, "token", "--shop", shop["shop_id"], "--role", "admin", "--days", "1")
    assert token.returncode == 0, token.stderr
    assert re.fullmatch(r"[\w-]+\.[\w-]+\.[\w-]+\n", token.stdout)

    unknown = _run(data_dir, "token", "--shop", "shop_nope")
    assert unknown.returncode == 1
    assert unknown.stdout == ""
    assert "unknown shop" in unknown.stderr

    clash = _run(data_dir, "shop", "add", "--name", "Copycat", "--sms-number", "+14155550100")
    assert clash.returncode == 1
    assert "already uses" in clash.stderr

    # a shop number typed with a fullwidth digit is stored as Twilio writes it in To: E.164 in ASCII digits
    odd = _run(data_dir, "shop", "add", "--name", "Odd", "--whatsapp-number", "+1\uff14155550101")
    assert odd.returncode == 0, odd.stderr
    assert json.loads(odd.stdout)["whatsapp_number"] == "+14155550101"
    # and one that is no phone number at all is refused before anything is stored
    bad = _run(data_dir, "shop", "add", "--name", "Bad", "--whatsapp-number", "+1\uff14")
    assert bad.returncode == 2 and "--whatsapp-number: this is not a phone number" in bad.stderr
    assert len(json.loads(_run(data_dir, "shop", "list").stdout)) == 2


def test_shop_set_changes_settings_add_could_not(data_dir: Path) -> None:
    shop = json.loads(
        _run(data_dir, "shop", "add", "--name", "Bean There", "--staff-telegram-id", "111").stdout
    )
    changed = _run(data_dir, "shop", "set", "--shop", shop["shop_id"], "--name", "Bean Here",
                   "--sms-number", "415 555 0143", "--staff-telegram-id", "222", "--tone", "formal",
                   "--auto-progress", "on", "--auto-after-hours", "12")  # fmt: skip
    assert changed.returncode == 0, changed.stderr
    got = json.loads(changed.stdout)
    assert (got["name"], got["sms_number"], got["staff_telegram_ids"]) == ("Bean Here", "+14155550143", [222])
    assert (got["tone"], got["auto_progress"], got["auto_after_hours"]) == ("formal", True, 12)

    bad = _run(data_dir, "shop", "set", "--shop", shop["shop_id"], "--name", "X", "--sms-number", "12")
    assert bad.returncode == 2 and "--sms-number: this is not a phone number" in bad.stderr
    assert json.loads(_run(data_dir, "shop", "list").stdout)[0]["name"] == "Bean Here"


def test_clear_error_when_the_database_cannot_start(tmp_path: Path) -> None:
    blocker = tmp_path / "var"
    blocker.mkdir()
    (blocker / "db").write_text("not a directory")
    result = _run(blocker, "shop", "list")
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1].startswith("orderbot: embedded database")
    assert "Traceback" not in result.stderr


def test_chat_as_a_customer_at_the_terminal(data_dir: Path) -> None:
    shop = json.loads(_run(data_dir, "shop", "add", "--name", "Bean There").stdout)
    talk = subprocess.run(
        [*ORDERBOT, "chat", "--shop", shop["shop_id"], "--as", "+1 415 555 0101", "--style", "sms"],
        env=_env(data_dir),
        input="hi\nwhere is order 1042?\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert talk.returncode == 0, talk.stderr
    replies = [line for line in talk.stdout.splitlines() if "bot> " in line]
    assert len(replies) == 2
    assert "order number" in replies[0]
    assert "couldn't find order #1042" in replies[1]
    assert all(reply.endswith("-Bean There") for reply in replies)  # SMS style: signed

    bad = _run(data_dir, "chat", "--shop", shop["shop_id"], "--as", "not-a-phone")
    assert bad.returncode == 2
    assert "international form" in bad.stderr


IMPORT_FIXTURES = Path(__file__).parent.parent / "fixtures" / "import"


def _import(data_dir: Path, shop_id: str, *args: str) -> tuple[int, list[dict[str, Any]], str]:
    result = _run(data_dir, "import", "--shop", shop_id, *args)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    return result.returncode, lines, result.stderr


def test_import_history_from_csv_and_json_lines(data_dir: Path) -> None:
    shop = json.loads(_run(data_dir, "shop", "add", "--name", "Bean There").stdout)
    csv_file, jsonl_file = IMPORT_FIXTURES / "history.csv", IMPORT_FIXTURES / "history.jsonl"

    code, lines, err = _import(data_dir, shop["shop_id"], str(csv_file), "--dry-run")
    assert [line["outcome"] for line in lines] == ["created"] * 3 + ["invalid"] * 2
    assert "dry run, nothing written" in err and code == 1  # some rows are invalid

    code, lines, err = _import(data_dir, shop["shop_id"], str(csv_file))
    assert [(line["line"], line["outcome"]) for line in lines] == [
        (2, "created"), (3, "created"), (4, "created"), (5, "invalid"), (6, "invalid"),
    ]  # fmt: skip
    assert lines[3]["error"] == "status pending contradicts paid_at"
    assert "3 created, 0 updated, 0 unchanged, 2 invalid" in err and code == 1

    code, lines, _ = _import(data_dir, shop["shop_id"], str(jsonl_file))  # the same orders, as JSON lines
    assert [line["outcome"] for line in lines] == ["unchanged"] * 3 + ["invalid"] * 2

    unknown = _run(data_dir, "import", "--shop", "shop_nope", str(jsonl_file))
    assert unknown.returncode == 1 and "shop_nope" in unknown.stderr
