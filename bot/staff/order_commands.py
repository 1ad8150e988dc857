"""Commands that act on one order: ``/order``, ``/status``, ``/advance``, ``/notify`` and ``/followup``.

Each finds the order by number within the staff member's shop, acts through the order service with the
staff member as actor, and answers with what changed and a button to open the order's card.
"""

from __future__ import annotations

from datetime import timedelta

from telegram import Update

from bot.staff.arguments import (
    MAX_TEXT,
    TOO_LONG,
    arguments,
    head,
    hours_of,
    number_of,
    order_number,
    status_args,
    usage,
)
from bot.staff.context import StaffContext, actor, lookup, message_key, message_of, read_args
from bot.staff.keyboards import open_button, order_buttons
from bot.staff.order_card import (
    render_decision,
    render_moved,
    render_order,
    render_queued,
    render_transition_refused,
)
from orders.lifecycle import InvalidTransition
from orders.model import Source


async def order_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    number = order_number(context.args or [])
    if number is None:
        await message.reply_text(usage("order"))
        return
    if order := await lookup(message, context, number):
        view = await context.service.queries.progress(context.staff_shop, order.id)
        text = render_order(view, context.staff_shop)
        await message.reply_text(text, reply_markup=order_buttons(view.order))


async def status_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    if (parsed := await read_args(message, status_args)) is None:
        return
    if not (order := await lookup(message, context, parsed.number)):
        return
    if order.status == parsed.status:
        await message.reply_text(f"Order #{order.number} is already {order.status}.")
        return
    try:
        moved = await context.service.desk.update_status(
            context.staff_shop, order.id, parsed.status, source=Source.STAFF, actor=actor(update),
            note=parsed.note, notify=True, force=parsed.force,
        )  # fmt: skip
    except InvalidTransition as exc:
        await message.reply_text(render_transition_refused(order.number, exc))
        return
    context.bot_data.follow(context.staff_shop, [moved])
    await message.reply_text(render_moved(order.status, moved, parsed.note), reply_markup=open_button(moved))


async def advance_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    args = context.args or []
    if len(args) != 1 or number_of(args[0]) is None:
        await message.reply_text(usage("advance"))
        return
    if order := await lookup(message, context, args[0]):
        result = await context.service.progression.auto_progress(
            context.staff_shop, order.id, actor=actor(update)
        )
        if result.applied:
            context.bot_data.follow(context.staff_shop, [result.order])
        text = render_decision(result, context.staff_shop)
        await message.reply_text(text, reply_markup=open_button(result.order))


async def notify_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    words, text = head(arguments(message.text), 1)
    if not words or number_of(words[0]) is None:
        await message.reply_text(usage("notify"))
        return
    await queue_message(update, context, words[0], text, None)


async def followup_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    words, text = head(arguments(message.text), 2)
    hours = hours_of(words[1]) if len(words) == 2 else None
    if hours is None or number_of(words[0]) is None:
        await message.reply_text(usage("followup"))
        return
    await queue_message(update, context, words[0], text, hours)


async def queue_message(
    update: Update, context: StaffContext, number: str, text: str, hours: float | None
) -> None:
    """``/notify`` (now) and ``/followup`` (in ``hours``): a message to the order's customer."""
    message = message_of(update)
    if len(text) > MAX_TEXT:
        await message.reply_text(TOO_LONG)
        return
    if not (order := await lookup(message, context, number)):
        return
    shop, service = context.staff_shop, context.service
    due_at = None if hours is None else service.clock() + timedelta(hours=hours)
    entry = await service.desk.notify(
        shop, order.id, message=text or None, channel=None, actor=actor(update), due_at=due_at,
        idempotency_key=message_key(message),
    )  # fmt: skip
    if due_at is None and text:  # the staff member's own words, now: an answer to the customer
        await service.answers.answered_on_order(shop, order.id)
    text = render_queued(order, shop, entry.channel, text, due_at)
    await message.reply_text(text, reply_markup=open_button(order))


__all__ = [
    "advance_command",
    "followup_command",
    "notify_command",
    "order_command",
    "queue_message",
    "status_command",
]
