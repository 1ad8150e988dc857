"""``orderbot templates`` as a user runs it: a real process on the test's database, read back by the app."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from orders.model import Shop
from orders.store import Database
from tests.conftest import SECRET_KEY, Api
from webhooks.settings import Settings


async def orderbot(settings: Settings, *args: str) -> tuple[int, Any, str]:
    """Run ``orderbot ARGS`` on the test's database; its exit code, stdout as JSON (or None), stderr."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MONGODB_", "ORDERBOT_"))}
    env.update(
        MONGODB_URI=str(settings.mongodb_uri), MONGODB_DB=settings.mongodb_db, ORDERBOT_SECRET_KEY=SECRET_KEY,
        ORDERBOT_DATA_DIR=str(settings.data_dir),
    )  # fmt: skip
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "webhooks.cli", *args, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, json.loads(out) if out.strip() else None, err.decode()


async def test_set_list_preview_and_reset_from_the_terminal(
    settings: Settings, db: Database, shop: Shop, api: Api
) -> None:
    slot = ("greeting", "any", "sms")
    code, saved, _ = await orderbot(settings, "templates", "set", "--shop", shop.id, *slot,
                                    "--text", "Hi {first_name}, {shop_name} here")  # fmt: skip
    assert code == 0 and saved["custom"] is True
    code, listed, _ = await orderbot(settings, "templates", "list", "--shop", shop.id, "--custom")
    assert [(t["kind"], t["style"], t["text"]) for t in listed] == [
        ("greeting", "sms", "Hi {first_name}, {shop_name} here")
    ]
    # the running app speaks the text the command stored
    shown = await api.post("/templates/preview", {"kind": "greeting", "style": "sms"})
    assert shown["text"] == "Hi Alex, Acme Coffee here"

    code, out, err = await orderbot(settings, "templates", "set", "--shop", shop.id, *slot,
                                    "--text", "Hi {customer}")  # fmt: skip
    assert code == 2 and out is None and "{customer}" in err
    assert (await db.shops.get(shop.id)).message_texts == {
        "greeting/any/sms/en": "Hi {first_name}, {shop_name} here"
    }

    code, seen, _ = await orderbot(settings, "templates", "preview", "--shop", shop.id, "order_status",
                                   "shipped", "sms", "--text", "Olá {first_name}, #{order_number} saiu")  # fmt: skip
    assert code == 0
    assert seen["text"] == "Olá Alex, #1042 saiu"
    assert seen["sms"] == {"encoding": "UCS-2", "segments": 1, "units": len(seen["text"])}

    code, reset, err = await orderbot(settings, "templates", "reset", "--shop", shop.id, *slot)
    assert code == 0, err
    assert code == 0 and reset["custom"] is False and reset["text"] == reset["default"]
    assert (await db.shops.get(shop.id)).message_texts == {}
    code, _, err = await orderbot(
        settings, "templates", "reset", "--shop", shop.id, "greeting", "shipped", "sms"
    )
    assert code == 1 and "greeting texts are for any" in err
