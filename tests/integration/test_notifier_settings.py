"""A shop's notification settings through ``orderbot shop add`` and ``orderbot shop set``."""

from __future__ import annotations

import json
from typing import Any

import pytest

from webhooks import cli
from webhooks.settings import Settings

NUDGE, SHIPPED = "HX" + "b" * 32, "HX" + "a" * 32


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.mongodb_uri is not None
    monkeypatch.setenv("MONGODB_URI", settings.mongodb_uri)
    monkeypatch.setenv("MONGODB_DB", settings.mongodb_db)
    monkeypatch.setenv("ORDERBOT_DATA_DIR", str(settings.data_dir))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, json.loads(out) if out.strip() else {}, err


def test_templates_quiet_hours_debounce_and_rates_are_set_on_add_and_changed_later(
    env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, shop, _ = run(
        capsys, "shop", "add", "--name", "Acme", "--whatsapp-number", "+14155238886",
        "--whatsapp-template", f"nudge={NUDGE}", "--quiet-hours", "22:00-07:30", "--rate", "sms=2",
    )  # fmt: skip
    assert code == 0
    assert shop["notify"] == {
        "whatsapp_templates": {"nudge": NUDGE}, "quiet_start": "22:00", "quiet_end": "07:30",
        "debounce_seconds": 0.0, "rates": {"sms": 2.0}, "nudge_wait_hours": 24.0, "ai_messages": False,
        "ai_daily_budget": 500, "csat_delay_hours": None,
    }  # fmt: skip

    code, changed, _ = run(
        capsys, "shop", "set", "--shop", str(shop["shop_id"]), "--whatsapp-template", f"shipped={SHIPPED}",
        "--quiet-hours", "off", "--debounce-seconds", "30", "--nudge-wait-hours", "6",
    )  # fmt: skip
    assert code == 0
    notify = changed["notify"]
    assert isinstance(notify, dict)
    assert notify["whatsapp_templates"] == {"nudge": NUDGE, "shipped": SHIPPED}
    assert (notify["quiet_start"], notify["quiet_end"], notify["debounce_seconds"]) == ("00:00", "00:00", 30)
    assert notify["nudge_wait_hours"] == 6

    code, listed, _ = run(capsys, "shop", "list")
    assert listed[0]["notify"] == notify


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("--whatsapp-template", "shipped=SM123", "not a Twilio Content SID"),
        ("--whatsapp-template", f"lost={SHIPPED}", "an order status or 'nudge'"),
        ("--whatsapp-template", "shipped", "takes KEY=VALUE"),
        ("--quiet-hours", "25:00-07:00", "not a time of day"),
        ("--rate", "sms=0", "above 0"),
    ],
)
def test_bad_settings_are_refused_and_nothing_is_stored(
    env: None, capsys: pytest.CaptureFixture[str], option: str, value: str, problem: str
) -> None:
    code, _, err = run(capsys, "shop", "add", "--name", "Acme", option, value)
    assert code == 2 and problem in err
    assert run(capsys, "shop", "list")[1] == []
