"""Commands over the shop's orders as a whole: ``/help``, ``/stats``, ``/attention``, ``/find`` and ``/bulk``.

They answer with lists and figures for the staff member's shop; a list's buttons lead on to single orders.
"""

from __future__ import annotations

import asyncio

from telegram import InlineKeyboardMarkup, Update

from bot.staff.arguments import HELP, arguments, bulk_args, hours_of, phone_matches, phone_term, usage
from bot.staff.attention_list import render_attention
from bot.staff.context import StaffContext, actor, message_of, read_args
from bot.staff.keyboards import attention_buttons, found_buttons
from bot.staff.reports import FOUND_MAX, render_bulk, render_found, render_stats

_ATTENTION_LIMIT = 50
_SEARCH_POOL = 100  # orders sharing a phone's last four digits, filtered down to the full number


async def help_command(update: Update, context: StaffContext) -> None:
    shop = context.staff_shop
    intro = f"Order desk of {shop.name}."
    if context.shop_count > 1:
        intro += f" You are staff of {context.shop_count} shops; commands act for {shop.name}, the first."
    await message_of(update).reply_text(f"{intro}\n\n{HELP}")


async def stats_command(update: Update, context: StaffContext) -> None:
    shop = context.staff_shop
    await message_of(update).reply_text(render_stats(shop, await context.service.queries.stats(shop)))


async def attention_command(update: Update, context: StaffContext) -> None:
    args = context.args or []
    hours = hours_of(args[0]) if len(args) == 1 else None
    if len(args) > 1 or (args and hours is None):
        await message_of(update).reply_text(usage("attention"))
        return
    text, markup = await attention_view(context, hours)
    await message_of(update).reply_text(text, reply_markup=markup)


async def attention_view(
    context: StaffContext, hours: float | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    shop = context.staff_shop
    items = await context.service.attention.requiring_attention(
        shop, max_age_hours=hours, limit=_ATTENTION_LIMIT
    )
    more = len(items) >= _ATTENTION_LIMIT
    return render_attention(shop, items, hours, more=more), attention_buttons(items, hours)


async def bulk_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    if (parsed := await read_args(message, bulk_args)) is None:
        return
    shop = context.staff_shop
    found = await asyncio.gather(*(context.bot_data.find_number(shop, number) for number in parsed.numbers))
    ids: list[str] = [order.id for order in found if order is not None]
    results = (
        await context.service.bulk.run(shop, ids, parsed.action, actor=actor(update), status=parsed.status)
        if ids
        else []
    )
    context.bot_data.follow(shop, [result.order for result in results if result.order is not None])
    by_id = {result.order_id: result for result in results}
    rows = [
        (number, by_id.get(order.id) if order else None)
        for number, order in zip(parsed.numbers, found, strict=True)
    ]
    await message.reply_text(render_bulk(parsed, rows))


async def find_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    term = " ".join(arguments(message.text).split())
    if not 2 <= len(term) <= 100:
        await message.reply_text(usage("find"))
        return
    shop, service = context.staff_shop, context.service
    if (phone := phone_term(term)) is not None:
        pool, _ = await service.queries.list_orders(
            shop, status=None, search=phone[-4:], cursor=None, limit=_SEARCH_POOL
        )
        orders = [order for order in pool if phone_matches(order, phone)][:FOUND_MAX]
    else:
        orders, _ = await service.queries.list_orders(
            shop, status=None, search=term, cursor=None, limit=FOUND_MAX
        )
    await message.reply_text(render_found(term, orders, shop), reply_markup=found_buttons(orders))


__all__ = [
    "attention_command",
    "attention_view",
    "bulk_command",
    "find_command",
    "help_command",
    "stats_command",
]
