"""Photos staff send the desk: ``/photo <number> [text]`` as a photo's caption, or a photo sent as a reply to
an order's card (its caption is the text).

The photo is downloaded from Telegram, checked and re-encoded like any other (``orders.images``), put on the
order's timeline and sent to the customer. The message's own id is the idempotency key, so a redelivered
update attaches nothing twice.
"""

from __future__ import annotations

from telegram import Message, Update

from bot.staff.arguments import MAX_TEXT, TOO_LONG, arguments, head, number_of, usage
from bot.staff.context import StaffContext, actor, lookup, message_key, message_of
from bot.staff.keyboards import ADVANCE, NOTIFY, OPEN, REFRESH, open_button
from orders.images import MAX_PHOTO_BYTES, PhotoRefused, PhotoTooLarge
from orders.model import Order, Source

_CARD_PREFIXES = (REFRESH, ADVANCE, NOTIFY, OPEN)
TOO_LARGE = f"That photo is over {MAX_PHOTO_BYTES // (1024 * 1024)} MB; send a smaller one."


def card_order_id(card: Message | None) -> str | None:
    """The order a bot message is about, read from its buttons (an order card, or a reply with Open)."""
    markup = card.reply_markup if card is not None else None
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            data = button.callback_data
            if isinstance(data, str) and data.startswith(_CARD_PREFIXES):
                return data.split(":", 1)[1]
    return None


async def _order_of(message: Message, context: StaffContext) -> tuple[Order, str] | None:
    """The order the photo is for and the text to send with it; None after saying how to send one."""
    caption = message.caption or ""
    if caption.split(maxsplit=1)[:1] == ["/photo"] or caption.startswith("/photo@"):
        words, text = head(arguments(caption), 1)
        if not words or number_of(words[0]) is None:
            await message.reply_text(usage("photo"))
            return None
        order = await lookup(message, context, words[0])
        return (order, text) if order else None
    if (order_id := card_order_id(message.reply_to_message)) is not None:
        return await context.service.queries.get(context.staff_shop, order_id), caption.strip()
    await message.reply_text(usage("photo"))
    return None


async def photo_message(update: Update, context: StaffContext) -> None:
    """A photo for an order's customer."""
    message = message_of(update)
    if len(message.caption or "") > MAX_TEXT:
        await message.reply_text(TOO_LONG)
        return
    if (found := await _order_of(message, context)) is None:
        return
    order, text = found
    largest = max(message.photo, key=lambda size: size.width * size.height)
    if largest.file_size is not None and largest.file_size > MAX_PHOTO_BYTES:
        await message.reply_text(TOO_LARGE)
        return
    data = bytes(await (await largest.get_file()).download_as_bytearray())
    try:
        attached = await context.service.photos.attach(
            context.staff_shop, order.id, data, caption=text or None, notify=True, actor=actor(update),
            source=Source.STAFF, idempotency_key=message_key(message),
        )  # fmt: skip
    except PhotoTooLarge:
        await message.reply_text(TOO_LARGE)
        return
    except PhotoRefused:
        await message.reply_text("That file is not a photo I can send (JPEG, PNG or WebP).")
        return
    how = (
        f" via {attached.notification.channel}"
        if attached.notification and attached.notification.channel
        else ""
    )
    await message.reply_text(
        f"📸 Photo added to order #{order.number}; it is on its way to the customer{how}.",
        reply_markup=open_button(order),
    )


async def photo_command(update: Update, context: StaffContext) -> None:
    """``/photo`` typed without a photo: say how to send one."""
    await message_of(update).reply_text(usage("photo"))


__all__ = ["card_order_id", "photo_command", "photo_message"]
