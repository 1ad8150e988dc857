"""Which handler answers which command and which button, and ``install`` that registers them.

The gate runs first (group -1) on every update. Only new messages reach the commands (an edited
``/status`` is not a new request); a text that replies to an alert answers its customer
(``answer_commands``); a button nobody knows any more, and any other text that is not a command, get one
line saying what the desk understands.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, TypeHandler, filters

from bot.staff.answer_commands import reply_command, reply_to_alert
from bot.staff.arguments import USAGE
from bot.staff.buttons import (
    advance_button,
    notify_button,
    open_card,
    refresh_attention,
    refresh_order,
    retry_button,
)
from bot.staff.context import Handler, StaffApplication, StaffContext, message_of
from bot.staff.gate import admit, refusing
from bot.staff.keyboards import ADVANCE, ATTENTION, NOTIFY, OPEN, REFRESH, RETRY
from bot.staff.order_commands import (
    advance_command,
    followup_command,
    notify_command,
    order_command,
    status_command,
)
from bot.staff.photo_commands import photo_command, photo_message
from bot.staff.shop_commands import attention_command, bulk_command, find_command, help_command, stats_command


def install(application: StaffApplication) -> None:
    """Register the staff gate, the commands and the inline buttons."""
    new_messages = filters.UpdateType.MESSAGE  # an edited "/status" is not a new request
    commands: dict[str | tuple[str, ...], Handler] = {
        ("start", "help"): help_command, "stats": stats_command, "attention": attention_command,
        "order": order_command, "status": status_command, "advance": advance_command,
        "notify": notify_command, "followup": followup_command, "bulk": bulk_command, "find": find_command,
        "reply": reply_command,
        "photo": photo_command,
    }  # fmt: skip
    buttons: dict[str, Handler] = {
        ADVANCE: advance_button, NOTIFY: notify_button, OPEN: open_card,
        REFRESH: refresh_order, ATTENTION: refresh_attention, RETRY: retry_button,
    }  # fmt: skip
    application.add_handler(TypeHandler(Update, admit), group=-1)
    application.add_handlers(
        [
            *(CommandHandler(names, refusing(run), filters=new_messages) for names, run in commands.items()),
            *(CallbackQueryHandler(refusing(run), pattern=f"^{prefix}") for prefix, run in buttons.items()),
            CallbackQueryHandler(stale_button),
            # a reply to an alert answers the customer it is about
            MessageHandler(
                new_messages & filters.REPLY & filters.TEXT & ~filters.COMMAND, refusing(reply_to_alert)
            ),
            MessageHandler(new_messages & filters.PHOTO, refusing(photo_message)),
            MessageHandler(new_messages, fallback),
        ]
    )


async def fallback(update: Update, context: StaffContext) -> None:
    """Unknown commands and anything else that is not a command."""
    text = message_of(update).text or ""
    if text.startswith("/"):
        await message_of(update).reply_text(f"Unknown command {text.split()[0][:40]}.\n{USAGE}")
    else:
        await message_of(update).reply_text(USAGE)


async def stale_button(update: Update, context: StaffContext) -> None:
    """A button whose callback data no handler knows (say, from a desk before an update)."""
    assert update.callback_query is not None
    await update.callback_query.answer("This button is no longer in use.")


__all__ = ["fallback", "install", "stale_button"]
