"""Staff answer customers from Telegram: ``/reply <number> <text>``, or a reply to an alert.

An alert's Telegram message is stored when it is sent (``messages``: its chat and message id, and the
outbox entry of the alert, which names the customer and the order), so a reply to it finds whom to answer.
The answer goes like every person's answer (``bot.answer_plan``): through the outbox on the customer's
channel, refused when it would never reach them, on the order's timeline with the staff member as author.
"""

from __future__ import annotations

from telegram import Message, Update

from bot.answer_plan import AnswerRefused, StaffAnswers
from bot.staff.arguments import MAX_TEXT, TOO_LONG, arguments, head, number_of, usage
from bot.staff.context import StaffContext, actor, lookup, message_key, message_of
from bot.staff.formatting import clip
from orders.model import CustomerRecord, Order, OutboxKind, Source
from orders.store import NotFound
from orders.usecases import Answer

#: What a reply to anything but an alert about a customer gets.
NOT_AN_ALERT = "Reply to an alert about a customer to answer them, or use /reply <number> <text>."


async def reply_command(update: Update, context: StaffContext) -> None:
    """``/reply 1042 Your parcel left today``: the text to the customer of order 1042."""
    message = message_of(update)
    words, text = head(arguments(message.text), 1)
    if not words or number_of(words[0]) is None or not text:
        await message.reply_text(usage("reply"))
        return
    if not (order := await lookup(message, context, words[0])):
        return
    customer = await _customer_of(context, order)
    if customer is None:
        await message.reply_text(f"Order #{order.number} has no phone to answer on.")
        return
    await _answer(update, context, customer, order, text)


async def reply_to_alert(update: Update, context: StaffContext) -> None:
    """A reply to an alert: its text goes to the customer the alert was about."""
    message = message_of(update)
    replied = message.reply_to_message
    assert replied is not None
    shop, db = context.staff_shop, context.service.db
    sent = await db.messages.by_provider_id("telegram", f"{replied.chat_id}:{replied.message_id}")
    entries = await db.conversations.entries(shop.id, [sent.outbox_id]) if sent and sent.outbox_id else {}
    alert = next(iter(entries.values()), None)
    if alert is None or alert.kind != OutboxKind.STAFF_ALERT:
        await message.reply_text(NOT_AN_ALERT)
        return
    order = await db.orders.get(shop.id, alert.order_id) if alert.order_id else None
    customer = None
    if alert.customer_id:
        customer = await db.customers.get(shop.id, alert.customer_id)
    elif order is not None:
        customer = await _customer_of(context, order)
    if customer is None:
        await message.reply_text(NOT_AN_ALERT)
        return
    await _answer(update, context, customer, order, message.text or "")


async def _customer_of(context: StaffContext, order: Order) -> CustomerRecord | None:
    """The customer who writes from the order's phone (recorded now when they never wrote)."""
    if not order.customer.phone:
        return None
    service = context.service
    return await service.db.customers.find_or_create(
        context.staff_shop.id, now=service.clock(), phone=order.customer.phone
    )


async def _answer(
    update: Update, context: StaffContext, customer: CustomerRecord, order: Order | None, text: str
) -> None:
    message: Message = message_of(update)
    text = text.strip()
    if not text:
        await message.reply_text(NOT_AN_ALERT)
        return
    if len(text) > MAX_TEXT:
        await message.reply_text(TOO_LONG)
        return
    answer = Answer(
        text=text, channel=None, actor=actor(update), order_id=order.id if order else None,
        idempotency_key=message_key(message), source=Source.STAFF,
    )  # fmt: skip
    answers = StaffAnswers(context.service, context.service.clock)
    about = f" (order #{order.number})" if order else ""
    try:
        _, plan = await answers.send(context.staff_shop, customer.id, answer)
    except AnswerRefused as refused:
        await message.reply_text(f"⛔ Not sent to the customer{about}: {refused.plan.explanation}.")
        return
    except NotFound:
        await message.reply_text("That customer is no longer in this shop.")
        return
    await message.reply_text(f"✉️ Answer to the customer{about} queued: {clip(plan.explanation, 300)}.")


__all__ = ["NOT_AN_ALERT", "reply_command", "reply_to_alert"]
