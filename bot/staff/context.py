"""What every staff handler works with: the desk bound at start-up, the per-update context, and its replies.

``Desk`` is ``application.bot_data``: the composition root binds the order service to it once, so the
handlers never build clients. ``StaffContext`` carries the shop ``admit`` resolved for this update; the
helpers here read who acts and what they asked, and answer with a reply, a toast or a redrawn message.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any, TypeVar

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.error import BadRequest
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from bot.staff.arguments import arguments, number_of
from bot.staff.formatting import clip
from bot.stores import DeskStores
from orders.model import Order, Shop
from orders.usecases import OrderUseCases

#: What the composition root does with orders staff moved: register their parcels with the aggregators.
Follow = Callable[[Shop, Iterable[Order]], None]


class Desk:
    """``application.bot_data``: the order desk the handlers use, bound once at start-up."""

    def __init__(self) -> None:
        self._service: OrderUseCases | None = None
        self._stores: DeskStores | None = None
        self._follow: Follow | None = None

    def bind(self, service: OrderUseCases, stores: DeskStores, follow: Follow | None = None) -> None:
        self._service = service
        self._stores = stores
        self._follow = follow

    def follow(self, shop: Shop, orders: Iterable[Order]) -> None:
        """Hand orders a staff command moved to the composition root's follow-ups (trackers registered)."""
        if self._follow is not None:
            self._follow(shop, orders)

    @property
    def service(self) -> OrderUseCases:
        if self._service is None:
            raise RuntimeError("the staff desk is not bound to its use cases yet")
        return self._service

    @property
    def stores(self) -> DeskStores:
        if self._stores is None:
            raise RuntimeError("the staff desk is not bound to its stores yet")
        return self._stores

    async def find_number(self, shop: Shop, number: str) -> Order | None:
        """The shop's latest order with this number; other shops' orders are never found."""
        return await self.stores.orders.find_number(shop.id, number)


class StaffContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], Desk]):
    """The handlers' context: ``admit`` sets ``shop`` (and how many shops list the user) per update."""

    shop: Shop | None = None
    shop_count: int = 0

    @property
    def staff_shop(self) -> Shop:
        if self.shop is None:
            raise RuntimeError("no staff shop resolved for this update")
        return self.shop

    @property
    def service(self) -> OrderUseCases:
        return self.bot_data.service


StaffApplication = Application[ExtBot[None], StaffContext, dict[Any, Any], dict[Any, Any], Desk, None]
Handler = Callable[[Update, StaffContext], Coroutine[Any, Any, None]]
Args = TypeVar("Args")


def context_types() -> ContextTypes[StaffContext, dict[Any, Any], dict[Any, Any], Desk]:
    return ContextTypes(context=StaffContext, bot_data=Desk)


async def tell(update: Update, text: str) -> None:
    """A short answer: a toast for a button, a reply for a message."""
    if update.callback_query is not None:
        await update.callback_query.answer(clip(text, 200))
    elif update.message is not None:
        await update.message.reply_text(text)


def actor(update: Update) -> str:
    """Who acts, for the timeline: ``Mara Lindqvist (tg:5012345678)``."""
    user = update.effective_user
    assert user is not None
    return f"{clip(user.full_name, 64)} (tg:{user.id})"


def message_of(update: Update) -> Message:
    assert update.message is not None
    return update.message


def message_key(message: Message) -> str:
    """An idempotency key for what this message asks: a redelivery of it asks the same."""
    return f"tg:{message.chat_id}:{message.message_id}"


async def lookup(message: Message, context: StaffContext, word: str) -> Order | None:
    """The shop's order numbered ``word``; replies and returns None when there is none."""
    shop = context.staff_shop
    number = number_of(word)
    if number is None:
        return None
    order = await context.bot_data.find_number(shop, number)
    if order is None:
        await message.reply_text(f"No order #{clip(number, 20)} in {shop.name}.")
    return order


async def read_args(message: Message, parse: Callable[[str], Args | str]) -> Args | None:
    """What ``parse`` makes of the words after the command; None after replying with the line it gave instead."""
    parsed = parse(arguments(message.text))
    if isinstance(parsed, str):
        await message.reply_text(parsed)
        return None
    return parsed


def query_of(update: Update, prefix: str) -> tuple[CallbackQuery, str]:
    """The callback query and what its data carries after ``prefix`` (an order id, or hours)."""
    query = update.callback_query
    assert query is not None and query.data is not None
    return query, query.data.removeprefix(prefix)


async def edit(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """Redraw the button's message; False when it already shows exactly this.

    A message too old to edit (an InaccessibleMessage) is not redrawn: the new text comes as a new message.
    """
    if query.message is not None and not query.message.is_accessible:
        await query.get_bot().send_message(query.message.chat.id, text, reply_markup=markup)
        return True
    try:
        await query.edit_message_text(text, reply_markup=markup)
    except BadRequest as exc:
        if "not modified" not in str(exc).lower():
            raise
        return False
    return True


__all__ = [
    "Desk",
    "Handler",
    "StaffApplication",
    "StaffContext",
    "actor",
    "context_types",
    "edit",
    "lookup",
    "message_key",
    "message_of",
    "query_of",
    "read_args",
    "tell",
]
