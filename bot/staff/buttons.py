"""What the inline buttons do: advance, notify, retry a failed message, open or refresh a card or list.

A button carries only an order id, read again through the shop-scoped service, so another shop's id is
"no such order". Each tap is answered with a toast, and the message it sits on is redrawn where that
helps; a notification keyed by the callback query is queued once however often Telegram redelivers it.
"""

from __future__ import annotations

from telegram import Message, Update

from bot.staff.arguments import hours_of
from bot.staff.context import StaffContext, actor, edit, query_of
from bot.staff.formatting import clip
from bot.staff.keyboards import (
    ADVANCE,
    ATTENTION,
    NOTIFY,
    OPEN,
    REFRESH,
    RETRY,
    attention_origin,
    order_buttons,
    retry_of,
)
from bot.staff.order_card import decision_toast, render_decision, render_order
from bot.staff.shop_commands import attention_view
from orders.model import OutboxKind, OutboxState

_FAILED = (OutboxState.FAILED, OutboxState.DEAD, OutboxState.REVIEW)


async def advance_button(update: Update, context: StaffContext) -> None:
    """Run auto-progress on the order, then redraw the card or attention list the button is on."""
    query, order_id = query_of(update, ADVANCE)
    shop = context.staff_shop
    result = await context.service.auto_progress(shop, order_id, actor=actor(update))
    toast = decision_toast(result)
    origin = attention_origin(query.message.reply_markup if isinstance(query.message, Message) else None)
    if origin is not None:
        text, markup = await attention_view(context, hours_of(origin) if origin else None)
        await edit(query, f"{toast}\n\n{text}", markup)
    else:
        view = await context.service.progress(shop, order_id)
        text = f"{render_order(view, shop)}\n\n{render_decision(result, shop)}"
        await edit(query, text, order_buttons(view.order))
    await query.answer(toast)


async def notify_button(update: Update, context: StaffContext) -> None:
    """Queue the standard status message to the order's customer; the answer says so."""
    query, order_id = query_of(update, NOTIFY)
    shop = context.staff_shop
    order = await context.service.get(shop, order_id)
    await context.service.notify(
        shop, order.id, message=None, channel=None, actor=actor(update), idempotency_key=f"tg-cb:{query.id}"
    )
    await query.answer(f"🔔 Status message to the customer of #{clip(order.number, 20)} queued.")


async def retry_button(update: Update, context: StaffContext) -> None:
    """Send the order's last failed notification again, on the channel the button names (once per tap)."""
    query, data = query_of(update, RETRY)
    parsed = retry_of(data)
    if parsed is None:
        await query.answer("This button is no longer in use.")
        return
    order_id, channel = parsed
    shop = context.staff_shop
    order = await context.service.get(shop, order_id)  # another shop's id: NotFound, answered as unknown
    entries = await context.bot_data.stores.outbox.for_order(shop.id, order.id)
    failed = next(
        (e for e in reversed(entries) if e.state in _FAILED and e.kind != OutboxKind.STAFF_ALERT), None
    )
    await context.service.notify(
        shop, order.id, channel=channel, actor=actor(update),
        message=failed.message if failed and failed.kind != OutboxKind.STATUS_UPDATE else None,
        idempotency_key=f"retry:{failed.id if failed else query.id}:{channel}",
    )  # fmt: skip
    await query.answer(f"↻ #{clip(order.number, 20)} queued again by {channel}.")


async def open_card(update: Update, context: StaffContext) -> None:
    """Send the order's card as a new message."""
    query, order_id = query_of(update, OPEN)
    view = await context.service.progress(context.staff_shop, order_id)
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        render_order(view, context.staff_shop),
        reply_markup=order_buttons(view.order),
    )
    await query.answer()


async def refresh_order(update: Update, context: StaffContext) -> None:
    """The order card's refresh button: redraw the card in place."""
    query, order_id = query_of(update, REFRESH)
    view = await context.service.progress(context.staff_shop, order_id)
    changed = await edit(query, render_order(view, context.staff_shop), order_buttons(view.order))
    await query.answer("Updated." if changed else "Already up to date.")


async def refresh_attention(update: Update, context: StaffContext) -> None:
    query, hours = query_of(update, ATTENTION)
    text, markup = await attention_view(context, hours_of(hours) if hours else None)
    changed = await edit(query, text, markup)
    await query.answer("Updated." if changed else "Already up to date.")


__all__ = [
    "advance_button",
    "notify_button",
    "open_card",
    "refresh_attention",
    "refresh_order",
    "retry_button",
]
