"""``orderbot eta backtest`` and the ``--promise-level`` setting, run as the command on a generated history."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_notifier_settings import run
from tests.integration.test_shop_settings_cli import env  # noqa: F401  (a fixture, used below)
from webhooks import cli

START = datetime(2026, 1, 1, tzinfo=UTC)
LANE = {"ship_from": {"country": "BR", "region": "SP"}, "ship_to": {"country": "BR", "region": "RJ"}}


def imported(capsys: pytest.CaptureFixture[str], tmp_path: Path, shop_id: str, count: int) -> None:
    """``count`` orders of one lane through ``orderbot import``, one every 12 hours from START, each
    delivered in 3, 4, 5 or 6 whole days."""
    rng = random.Random(5)
    lines = []
    for index in range(count):
        created = START + timedelta(hours=12 * index)
        lines.append(json.dumps({
            "external_id": f"G-{index}", "created_at": created.isoformat(),
            "shipped_at": (created + timedelta(days=1)).isoformat(),
            "delivered_at": (created + timedelta(days=rng.choice([3, 4, 5, 6]))).isoformat(), **LANE,
        }))  # fmt: skip
    history = tmp_path / "history.jsonl"
    history.write_text("\n".join(lines) + "\n")
    assert cli.main(["import", "--shop", shop_id, str(history)]) == 0
    capsys.readouterr()


def backtest(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    return run(capsys, "eta", "backtest", *args)


@pytest.mark.usefixtures("env")
def test_the_backtest_prints_the_share_kept_the_mean_promise_and_the_likely_dates(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, shop, _ = run(capsys, "shop", "add", "--name", "Acme", "--timezone", "UTC")
    assert code == 0
    imported(capsys, tmp_path, shop["shop_id"], 400)
    code, figures, said = backtest(capsys, "--shop", shop["shop_id"], "--since", "2026-04-01")
    assert code == 0, said
    made_since = sum(
        1 for index in range(400) if START + timedelta(hours=12 * index) >= datetime(2026, 4, 1, tzinfo=UTC)
    )
    assert figures["orders"] == figures["dated"] == made_since and figures["too_little_history"] == 0
    assert figures["level"] == 0.9
    # durations of 3 to 6 days, a quarter each: each order's own 0.9 day is the sixth (kept by all); the
    # shop's 0.9 over its orders as a whole is met with the fifth for some of them
    assert 0.8 < figures["delivered_by_share"] < 1.0 and 5.0 < figures["mean_promised_days"] < 6.0
    assert 0.4 < figures["likely_within_1_day"] < figures["likely_within_2_days"] <= 1.0
    assert "delivered by 'arrives by'" in said

    code, lower, _ = backtest(capsys, "--shop", shop["shop_id"], "--since", "2026-04-01", "--level", "0.5")
    assert code == 0 and lower["level"] == 0.5
    assert lower["mean_promised_days"] < 6 and 0.3 < lower["delivered_by_share"] < 0.9


@pytest.mark.usefixtures("env")
def test_the_shops_promise_level_is_the_backtests_default(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, shop, _ = run(capsys, "shop", "add", "--name", "Acme", "--promise-level", "0.6")
    assert code == 0 and shop["promise_level"] == 0.6
    imported(capsys, tmp_path, shop["shop_id"], 100)
    code, figures, _ = backtest(capsys, "--shop", shop["shop_id"], "--since", "2026-01-01")
    assert code == 0 and figures["level"] == 0.6
    # the first orders had no history to learn from
    assert (
        figures["too_little_history"] > 0
        and figures["dated"] == figures["orders"] - figures["too_little_history"]
    )


@pytest.mark.usefixtures("env")
@pytest.mark.parametrize("level", ["0.2", "1", "x"])
def test_a_level_out_of_range_is_refused(capsys: pytest.CaptureFixture[str], level: str) -> None:
    code, shop, _ = run(capsys, "shop", "add", "--name", "Acme")
    with pytest.raises(SystemExit) as exited:
        backtest(capsys, "--shop", shop["shop_id"], "--since", "2026-01-01", "--level", level)
    assert exited.value.code == 2
    if level != "x":
        code, _, said = run(capsys, "shop", "set", "--shop", shop["shop_id"], "--promise-level", level)
        assert code == 2 and "promise-level" in said


@pytest.mark.usefixtures("env")
def test_an_unknown_shop_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, said = backtest(capsys, "--shop", "shp_nope", "--since", "2026-01-01")
    assert code == 1 and "shp_nope" in said
