"""``orderbot templates list|set|reset|preview``: the shop's own message texts from the terminal.

The same names, checks and answers as the REST API (``webhooks.api.templates``): each command prints JSON on
stdout; a refused text exits 2 with the reason on stderr, and nothing is saved.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from bot import message_texts, shop_texts
from bot.message_texts import DEFAULT_LANGUAGE
from bot.shop_texts import TextSlot
from bot.text_preview import preview
from orders.clock import utc_now
from orders.model import ShopId
from orders.store import Database
from webhooks.api.templates import TemplateOut
from webhooks.app import database_for
from webhooks.settings import Settings

__all__ = ["add_parser", "run"]


def add_parser(commands: Any) -> None:
    """The ``templates`` command and its four subcommands, on the ``orderbot`` parser's subcommands."""
    templates = commands.add_parser("templates", help="the shop's own message texts").add_subparsers(
        dest="templates_command", required=True
    )
    listing = templates.add_parser("list", help="every text in a language as a JSON array")
    listing.add_argument("--shop", required=True)
    listing.add_argument("--language", default=DEFAULT_LANGUAGE, choices=message_texts.LANGUAGES)
    listing.add_argument("--custom", action="store_true", help="only the texts the shop replaced")
    change = templates.add_parser("set", help="replace a text with the shop's own; prints it as JSON")
    reset = templates.add_parser("reset", help="restore a text's default; prints it as JSON")
    show = templates.add_parser("preview", help="render a text for an order; prints text, warnings, sms")
    for sub in (change, reset, show):
        sub.add_argument("--shop", required=True)
        sub.add_argument("kind", choices=message_texts.kinds())
        sub.add_argument("status", help="an order status for order_status texts, else 'any'")
        sub.add_argument("style", choices=message_texts.STYLES)
        sub.add_argument("--language", default=DEFAULT_LANGUAGE, choices=message_texts.LANGUAGES)
    for sub, required in ((change, True), (show, False)):
        given = sub.add_mutually_exclusive_group(required=required)
        given.add_argument("--text", help="the text, placeholders in braces such as {first_name}")
        given.add_argument("--text-file", type=Path, help="read the text from this file (UTF-8)")
    show.add_argument("--order", help="fill the placeholders from this order id (else a sample order)")


def run(settings: Settings, args: argparse.Namespace) -> None:
    print(json.dumps(asyncio.run(_with_database(settings, args)), ensure_ascii=False))


async def _with_database(settings: Settings, args: argparse.Namespace) -> Any:
    db = database_for(settings)
    try:
        await db.ensure_indexes()
        return await _command(db, args)
    finally:
        await db.close()


async def _command(db: Database, args: argparse.Namespace) -> Any:
    shop = await db.shops.get(ShopId(args.shop))
    if args.templates_command == "list":
        entries = shop_texts.entries(shop, args.language)
        return [TemplateOut.of(e).model_dump() for e in entries if e.custom or not args.custom]
    slot = TextSlot(args.kind, args.status, args.style, args.language).known()
    if args.templates_command == "reset":
        return TemplateOut.of(await shop_texts.reset_text(db.shops, shop, slot)).model_dump()
    text = args.text_file.read_text(encoding="utf-8") if args.text_file else args.text
    if args.templates_command == "set":
        return TemplateOut.of(await shop_texts.set_text(db.shops, shop, slot, text)).model_dump()
    order = customer = None
    if args.order:
        order = await db.orders.get(shop.id, args.order)
        if order.customer.phone:
            customer = await db.customers.find(shop.id, phone=order.customer.phone)
    seen = preview(shop, slot, now=utc_now(), text=text, order=order, customer=customer)
    sms = {"encoding": seen.sms.encoding, "segments": seen.sms.segments, "units": seen.sms.units}
    return {"text": seen.text, "subject": seen.subject, "warnings": seen.warnings, "sms": sms}
