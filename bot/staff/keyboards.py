"""The inline buttons under staff replies, and the callback data each one carries back.

Callback data is a short prefix and an order id (or the attention list's hours), which is all a button
needs: the handler reads the order again through the shop-scoped service, so a stale or forged button
changes nothing it should not.
"""

from __future__ import annotations

from collections.abc import Sequence

from telegram import InlineKeyboardMarkup

from bot.staff.attention_list import ATTENTION_SHOWN
from bot.staff.formatting import clip
from channels.telegram import Button, keyboard
from orders.lifecycle import TERMINAL
from orders.model import Order
from orders.rules import Reason
from orders.usecases import AttentionItem

# Callback data of inline buttons: a prefix, then the order id (or the attention list's hours).
ADVANCE, NOTIFY, OPEN, REFRESH, ATTENTION = "adv:", "ntf:", "open:", "order:", "att:"
# Retry a failed notification: ``rty:<order id>:<channel>``.
RETRY = "rty:"
RETRY_CHANNELS = ("sms", "whatsapp", "email")
_CHANNEL_WORDS = {"sms": "SMS", "whatsapp": "WhatsApp", "email": "email"}


def order_buttons(order: Order) -> InlineKeyboardMarkup | None:
    """The order card's keyboard: Advance (while the order is open), Notify, Refresh; Retry after a
    failed notification."""
    row = [] if order.status in TERMINAL else [Button("⏩ Advance", f"{ADVANCE}{order.id}")]
    row += [Button("🔔 Notify", f"{NOTIFY}{order.id}"), Button("🔄 Refresh", f"{REFRESH}{order.id}")]
    return keyboard([row, *retry_buttons(order)])


def retry_buttons(order: Order, failed_channel: str | None = None) -> list[list[Button]]:
    """One tap to send the failed notification again on another channel the customer has an address on."""
    if Reason.NOTIFICATION_FAILED.value not in order.flags:
        return []
    reachable = {"sms": order.customer.phone, "whatsapp": order.customer.phone, "email": order.customer.email}
    row = [
        Button(f"↻ Retry by {_CHANNEL_WORDS[channel]}", f"{RETRY}{order.id}:{channel}")
        for channel in RETRY_CHANNELS
        if reachable[channel] and channel != failed_channel
    ]
    return [row] if row else []


def retry_of(data: str) -> tuple[str, str] | None:
    """The order id and channel in a Retry button's data, or None when it is not one of ours."""
    order_id, _, channel = data.removeprefix(RETRY).rpartition(":")
    return (order_id, channel) if order_id and channel in RETRY_CHANNELS else None


def open_button(order: Order) -> InlineKeyboardMarkup | None:
    return keyboard([[Button(f"📂 Open #{clip(order.number, 20)}", f"{OPEN}{order.id}")]])


def attention_origin(markup: InlineKeyboardMarkup | None) -> str | None:
    """The hours an attention list was drawn with ("" for the defaults); None for any other keyboard."""
    for row in markup.inline_keyboard if markup else ():
        for button in row:
            if isinstance(button.callback_data, str) and button.callback_data.startswith(ATTENTION):
                return button.callback_data.removeprefix(ATTENTION)
    return None


def attention_buttons(items: Sequence[AttentionItem], hours: float | None) -> InlineKeyboardMarkup | None:
    """Advance / Notify / Open for each order shown, then a refresh row that remembers ``hours``."""
    rows = [
        [
            Button(f"⏩ Advance #{clip(item.order.number, 20)}", f"{ADVANCE}{item.order.id}"),
            Button("🔔 Notify", f"{NOTIFY}{item.order.id}"),
            Button("📂 Open", f"{OPEN}{item.order.id}"),
        ]
        for item in items[:ATTENTION_SHOWN]
    ]
    rows.append([Button("🔄 Refresh list", f"{ATTENTION}{'' if hours is None else f'{hours:g}'}")])
    return keyboard(rows)


def found_buttons(orders: Sequence[Order]) -> InlineKeyboardMarkup | None:
    buttons = [Button(f"📂 #{clip(order.number, 20)}", f"{OPEN}{order.id}") for order in orders]
    return keyboard([buttons[i : i + 3] for i in range(0, len(buttons), 3)])


__all__ = [
    "ADVANCE",
    "ATTENTION",
    "NOTIFY",
    "OPEN",
    "REFRESH",
    "RETRY",
    "RETRY_CHANNELS",
    "attention_buttons",
    "attention_origin",
    "found_buttons",
    "open_button",
    "order_buttons",
    "retry_buttons",
    "retry_of",
]
