"""Every shop setting through ``orderbot shop add`` and ``orderbot shop set``, by the API's names."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from orders.crypto import is_sealed
from orders.store import open_database
from tests.conftest import SECRET_KEY
from tests.integration.test_notifier_settings import run
from webhooks.api.shop_settings import MASK
from webhooks.settings import Settings

SHIPPED = "HX" + "a" * 32
PASSWORD = "smtp-" + "p" * 20


@pytest.fixture
def env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command's environment: the test's database."""
    assert settings.mongodb_uri is not None
    monkeypatch.setenv("MONGODB_URI", settings.mongodb_uri)
    monkeypatch.setenv("MONGODB_DB", settings.mongodb_db)
    monkeypatch.setenv("ORDERBOT_DATA_DIR", str(settings.data_dir))


def test_shop_set_changes_every_setting_and_prints_them_with_secrets_masked(
    env: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    settings: Settings,
) -> None:
    code, shop, _ = run(capsys, "shop", "add", "--name", "Acme", "--staff-telegram-id", "42")
    assert code == 0 and shop["staff_telegram_ids"] == [42] and shop["auto_progress"] is False
    password_file = tmp_path / "smtp-password"
    password_file.write_text(PASSWORD + "\n")

    code, changed, err = run(
        capsys, "shop", "set", "--shop", shop["shop_id"], "--name", "Acme Roasters",
        "--sms-number", "+1 (415) 555-0143", "--whatsapp-number", "07911 123456", "--instagram-id", "1784",
        "--staff-telegram-id", "1001", "--staff-telegram-id", "1002", "--staff-email", "ops@acme.example",
        "--timezone", "Europe/London", "--default-country", "GB", "--languages", "en,es", "--tone", "formal",
        "--signature", "Acme", "--smtp-host", "smtp.acme.example", "--smtp-port", "465", "--smtp-tls", "tls",
        "--smtp-user", "mailer", "--smtp-password-file", str(password_file), "--smtp-from", "orders@acme.example",
        "--quiet-hours", "22:00-07:00", "--rate", "sms=3", "--whatsapp-template", f"shipped={SHIPPED}",
        "--threshold", "pending_too_long=36", "--auto-progress", "on", "--auto-after-hours", "12",
        "--ai-confidence", "0.9", "--ai-messages", "on", "--ai-daily-budget", "50", "--promise-level", "0.95",
    )  # fmt: skip
    assert code == 0, err
    expected = {
        "name": "Acme Roasters", "sms_number": "+14155550143", "whatsapp_number": "+447911123456",
        "instagram_id": "1784", "staff_telegram_ids": [1001, 1002], "staff_emails": ["ops@acme.example"],
        "timezone": "Europe/London", "default_country": "GB", "languages": ["en", "es"], "tone": "formal",
        "signature": "Acme", "smtp_host": "smtp.acme.example", "smtp_port": 465, "smtp_tls": "tls",
        "smtp_user": "mailer", "smtp_password": MASK, "smtp_from": "orders@acme.example",
        "quiet_hours": "22:00-07:00", "rates": {"sms": 3.0}, "whatsapp_templates": {"shipped": SHIPPED},
        "auto_progress": True, "auto_after_hours": 12.0, "ai_confidence": 0.9, "ai_messages": True,
        "ai_daily_budget": 50, "promise_level": 0.95,
    }  # fmt: skip
    assert {key: changed[key] for key in expected} == expected
    assert changed["thresholds"]["pending_too_long"] == 36
    assert PASSWORD not in json.dumps(changed)

    code, listed, _ = run(capsys, "shop", "list")
    assert {key: listed[0][key] for key in expected} == expected

    code, cleared, _ = run(capsys, "shop", "set", "--shop", shop["shop_id"], "--sms-number", "",
                           "--staff-telegram-id", "none", "--auto-progress", "off")  # fmt: skip
    assert code == 0
    assert (cleared["sms_number"], cleared["staff_telegram_ids"], cleared["auto_progress"]) == (
        None,
        [],
        False,
    )
    assert cleared["whatsapp_number"] == "+447911123456"  # what was not given stays


def test_the_smtp_password_is_sealed_at_rest(
    env: None,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    settings: Settings,
) -> None:
    password_file = tmp_path / "pw"
    password_file.write_text(PASSWORD)
    code, shop, err = run(
        capsys, "shop", "add", "--name", "Sealed", "--smtp-host", "smtp.example.com",
        "--smtp-from", "shop@example.com", "--smtp-password-file", str(password_file),
    )  # fmt: skip
    assert code == 0, err
    assert shop["smtp_password"] == MASK

    async def stored() -> dict[str, Any] | None:
        assert settings.mongodb_uri is not None
        db = open_database(settings.mongodb_uri, settings.mongodb_db, secret_keys=(SECRET_KEY,))
        try:
            return await db.client[settings.mongodb_db].shops.find_one({"_id": shop["shop_id"]})
        finally:
            await db.close()

    doc = asyncio.run(stored())
    assert doc is not None and is_sealed(doc["email"]["password"]) and PASSWORD not in str(doc)


@pytest.mark.parametrize(
    ("option", "value", "problem"),
    [
        ("--sms-number", "+44 20 7946 0000", "--sms-number: this is a landline"),
        ("--timezone", "Mars/Olympus", "--timezone:"),
        ("--default-country", "XX", "--default-country:"),
        ("--smtp-host", "smtp.example.com", "--smtp-from:"),
        ("--threshold", "lost=3", "--threshold:"),
        ("--ai-confidence", "2", "--ai-confidence:"),
        ("--ai-daily-budget", "-1", "--ai-daily-budget:"),
        ("--staff-email", "nobody", "--staff-email:"),
    ],
)
def test_a_bad_setting_names_its_option_and_nothing_is_saved(
    env: None,
    capsys: pytest.CaptureFixture[str],
    option: str,
    value: str,
    problem: str,
) -> None:
    code, shop, _ = run(capsys, "shop", "add", "--name", "Acme")
    code, _, err = run(capsys, "shop", "set", "--shop", shop["shop_id"], "--name", "Renamed", option, value)
    assert code == 2 and problem in err, err
    code, listed, _ = run(capsys, "shop", "list")
    assert listed == [shop]
    code, _, err = run(capsys, "shop", "add", "--name", "Other", option, value)
    assert code == 2 and problem in err
    assert len(run(capsys, "shop", "list")[1]) == 1
