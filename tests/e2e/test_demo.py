"""The demo as a newcomer runs it: ``serve --demo``, ``orderbot chat`` beside it, the README's curl examples."""

from __future__ import annotations

import json
import re
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_cli import ORDERBOT, Server, _env, _request, _run

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[tuple[Server, dict[str, str]]]:
    """A running ``orderbot serve --demo`` and what it printed (shop id, webhook secret, API token)."""
    data_dir = tmp_path / "var"
    server = Server(data_dir, "--demo")
    assert server.process.stdout is not None
    printed: dict[str, str] = {}
    for line in server.process.stdout:
        if found := re.match(r"\s+(shop id|webhook secret|API token):\s+(\S+)", line):
            printed[found.group(1)] = found.group(2)
        if len(printed) == 3:
            break
    printed["data_dir"] = str(data_dir)
    try:
        yield server, printed
    finally:
        server.stop()


def _api(server: Server, token: str, path: str) -> Any:
    status, body = _request(f"{server.base}/api/v1{path}", headers={"Authorization": f"Bearer {token}"})
    assert status == 200, body
    return body


def test_chat_beside_a_running_serve_gets_every_reply(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    server = Server(data_dir)
    try:
        shop = json.loads(_run(data_dir, "shop", "add", "--name", "Bean There").stdout)
        token = _run(data_dir, "token", "--shop", shop["shop_id"]).stdout.strip()
        questions = ["hi", "where is order 1001?", "when will it arrive?", "thanks"] * 3
        talk = subprocess.run(
            [*ORDERBOT, "chat", "--shop", shop["shop_id"], "--as", "+14155550101", "--style", "sms"],
            env=_env(data_dir),
            input="".join(f"{line}\n" for line in questions),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert talk.returncode == 0, talk.stderr
        replies = [line for line in talk.stdout.splitlines() if "bot> " in line]
        assert len(replies) == len(questions), talk.stdout
        assert "couldn't find order #1001" in replies[1]

        stats = _api(server, token, "/orders/stats")["notifications"]
        # every reply sent once, by chat or by serve's dispatcher, delivered and counted; none failed
        assert (stats["sent"], stats["delivered"], stats["failed"]) == (len(questions),) * 2 + (0,)
    finally:
        server.stop()


def test_the_demo_shows_what_it_would_send_as_delivered(demo: tuple[Server, dict[str, str]]) -> None:
    server, printed = demo
    token = printed["API token"]
    order = _api(server, token, "/orders?search=1001")["orders"][0]
    body = json.dumps({"order_id": order["order_id"], "status": "processing"}).encode()
    request = urllib.request.Request(
        f"{server.base}/api/v1/orders/update-status",
        data=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200

    notifications: list[dict[str, Any]] = []
    for _ in range(100):  # the dispatcher polls every half second
        notifications = _api(server, token, f"/orders/{order['order_id']}/progress")["notifications"]
        if notifications and all(n["state"] not in ("queued", "sending", "sent") for n in notifications):
            break
        time.sleep(0.1)
    # what the demo would have sent about the change, delivered; the order's first message too, unless the
    # change came before the dispatcher got to it (then the customer hears of the latest state only)
    assert [(n["status"], n["state"], n["error"]) for n in notifications][-1] == (
        "processing",
        "delivered",
        None,
    )
    assert all(
        (n["state"], n["error"]) in (("delivered", None), ("skipped", "superseded")) for n in notifications
    )
    failed = _api(server, token, "/orders/requiring-attention?reason=notification_failed")
    assert failed["count"] == 0, failed


def _readme_curl_examples() -> list[str]:
    """The order webhook's ``sh`` examples, as the README shows them (so the README cannot drift)."""
    section = README.read_text().split("## The order webhook", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sh\n(.*?)```", section, re.S)
    assert len(blocks) == 2 and all("curl" in block for block in blocks), blocks
    return blocks


def test_the_readme_curl_examples_create_a_complete_order_then_update_it(
    demo: tuple[Server, dict[str, str]],
) -> None:
    server, printed = demo
    env = {**_env(Path(printed["data_dir"])), "SHOP_ID": printed["shop id"]}
    env["WEBHOOK_SECRET"] = printed["webhook secret"]
    answers = []
    for block in _readme_curl_examples():
        script = block.replace("http://127.0.0.1:8080", server.base)
        ran = subprocess.run(
            ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=30, check=False
        )
        assert ran.returncode == 0, ran.stderr
        answers.append(json.loads(ran.stdout))
        shown = re.search(r"^# (\{.*\})$", block, re.M)
        assert shown is not None
        assert answers[-1]["status"] == json.loads(shown.group(1).replace("ord_…", "x"))["status"]
    assert answers[0]["order_id"] == answers[1]["order_id"]
    assert [a["duplicate"] for a in answers] == [False, False]

    token = printed["API token"]
    # the update is applied just after its answer (README): read until it shows, within a bound
    deadline = time.monotonic() + 10
    while (order := _api(server, token, f"/orders/{answers[0]['order_id']}"))["status"] != "shipped":
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert (order["number"], order["status"]) == ("1042", "shipped")
    assert order["customer"]["name"] == "Ana Lima" and order["customer"]["phone"] == "+14155550101"
    assert [item["title"] for item in order["items"]] == ["House Espresso 1 kg"]
    assert order["tracking"]["carrier"] == "UPS"
    attention = _api(server, token, "/orders/requiring-attention")["orders"]
    assert answers[0]["order_id"] not in [row["order_id"] for row in attention]
