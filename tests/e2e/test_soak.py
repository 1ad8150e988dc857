"""A short soak in CI: ``bench/soak.py`` for 20 seconds must end with no error, duplicate or lost delivery.

It runs the real thing as ``bench/soak.py`` does: the embedded database, two ``orderbot web`` and two
``orderbot worker`` processes, the Twilio stand-in, and mixed traffic with replays.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SOAK = Path(__file__).resolve().parents[2] / "bench" / "soak.py"


def test_a_short_soak_loses_nothing_duplicates_nothing_and_errs_never() -> None:
    run = subprocess.run(
        [sys.executable, str(SOAK), "--seconds", "20", "--rate", "15", "--json"],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    lines = [line for line in run.stdout.splitlines() if line.startswith("SOAK ")]
    assert lines, run.stdout + run.stderr
    figures = json.loads(lines[-1].removeprefix("SOAK "))
    report = run.stdout
    assert figures["errors"] == 0, report
    assert figures["duplicates"] == 0, report
    assert figures["lost"] == 0, report
    assert figures["processes_alive"], report
    assert run.returncode == 0, report
    # the mix really ran: every kind of traffic, replays included, and notifications went out
    routes = figures["routes"]
    for route in ("twilio", "twilio (replay)", "order webhook", "order webhook (replay)",
                  "POST /orders/update-status", "GET /orders/stats", "GET /orders/requiring-attention"):  # fmt: skip
        assert routes.get(route, {}).get("count", 0) > 0, route
    stored = figures["stored"]
    assert stored["inbound messages"] == routes["twilio"]["count"]
    assert stored["provider sends"] >= stored["inbound messages"]  # a reply to each, and status news
