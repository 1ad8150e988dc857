"""Who may use the staff desk, and how a refused or failed request is answered.

Every update meets ``admit`` first: it resolves the sender's shop into ``context.shop`` and answers anyone
who is not staff once, so no handler ever runs for a stranger. ``refusing`` wraps each handler so an
unknown or another shop's order, and a lost race, are one plain line instead of an error.
"""

from __future__ import annotations

import functools
import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.staff.context import Handler, StaffContext, tell
from orders.store import Conflict, NotFound

log = logging.getLogger(__name__)

NOT_AUTHORISED = "Sorry, you are not authorised to use this bot."


async def admit(update: Update, context: StaffContext) -> None:
    """Let staff through with their shop resolved; refuse anyone else once, and ignore other chats."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop
    shops = await context.bot_data.stores.shops.for_staff(user.id)
    if not shops:
        log.info("refused Telegram user %s: not staff of any shop", user.id)
        if update.callback_query is not None:
            await update.callback_query.answer(NOT_AUTHORISED, show_alert=True)
        elif update.message is not None:
            await update.message.reply_text(NOT_AUTHORISED)
        raise ApplicationHandlerStop
    context.shop = min(shops, key=lambda shop: (shop.created_at, shop.id))
    context.shop_count = len(shops)


def refusing(handler: Handler) -> Handler:
    """``handler``, answering an unknown (or another shop's) order and a lost race in one line."""

    @functools.wraps(handler)
    async def run(update: Update, context: StaffContext) -> None:
        try:
            await handler(update, context)
        except NotFound:
            log.info("staff %s asked for an order not in shop %s", _user_id(update), context.staff_shop.id)
            await tell(update, f"No such order in {context.staff_shop.name}.")
        except Conflict:
            await tell(update, "The order kept changing meanwhile; try again.")

    return run


def _user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


__all__ = ["NOT_AUTHORISED", "admit", "refusing"]
