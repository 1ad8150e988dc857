"""Staff commands on Telegram, written as python-telegram-bot handlers.

``install`` registers them on an Application built with ``context_types()``. Every update first meets
``admit`` (group -1): it resolves the sender's shop from ``shop.staff_telegram_ids`` into
``context.shop``, answers anyone else one short "not authorised" and stops there. Handlers then reach the
order desk through ``context.bot_data`` (a ``Desk`` the composition root binds at start-up); what they say
is rendered by ``bot.staff_views``.

Every lookup is scoped to the staff member's shop: an order number is found only in that shop, and an
order id in a button's callback data is read through the shop-scoped service, so another shop's id is
"no such order" and changes nothing. Every action records the staff member (``Name (tg:<id>)``) as its
actor on the order's timeline. Notifications carry an idempotency key made from the Telegram message or
callback query, so a redelivered update queues nothing twice.

Staff listed in several shops act for the oldest of them (the first created); ``/start`` says so.
Only private chats are served: a group could show order details to people who are not staff.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram import CallbackQuery, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatType
from telegram.error import BadRequest
from telegram.ext import (
    Application,
    ApplicationHandlerStop,
    CallbackContext,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    ExtBot,
    MessageHandler,
    TypeHandler,
    filters,
)

from bot import staff_views as views
from orders.lifecycle import InvalidTransition
from orders.model import FAILED_STATES as _FAILED
from orders.model import Order, OutboxKind, Shop, Source
from orders.service import OrderService
from orders.store import Conflict, Database, NotFound

log = logging.getLogger(__name__)

NOT_AUTHORISED = "Sorry, you are not authorised to use this bot."
_ATTENTION_LIMIT = 50
_SEARCH_POOL = 100  # orders sharing a phone's last four digits, filtered down to the full number


class Desk:
    """``application.bot_data``: the order desk the handlers use, bound once at start-up."""

    def __init__(self) -> None:
        self._service: OrderService | None = None

    def bind(self, service: OrderService) -> None:
        self._service = service

    @property
    def service(self) -> OrderService:
        if self._service is None:
            raise RuntimeError("the staff desk is not bound to an OrderService yet")
        return self._service

    @property
    def db(self) -> Database:
        return self.service.db

    async def find_number(self, shop: Shop, number: str) -> Order | None:
        """The shop's latest order with this number; other shops' orders are never found."""
        return await self.db.orders.find_number(shop.id, number)


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
    def service(self) -> OrderService:
        return self.bot_data.service


StaffApplication = Application[ExtBot[None], StaffContext, dict[Any, Any], dict[Any, Any], Desk, None]
Handler = Callable[[Update, StaffContext], Coroutine[Any, Any, None]]


def context_types() -> ContextTypes[StaffContext, dict[Any, Any], dict[Any, Any], Desk]:
    return ContextTypes(context=StaffContext, bot_data=Desk)


def install(application: StaffApplication) -> None:
    """Register the staff gate, the commands and the inline buttons."""
    new_messages = filters.UpdateType.MESSAGE  # an edited "/status" is not a new request
    commands: dict[str | tuple[str, ...], Handler] = {
        ("start", "help"): help_command, "stats": stats_command, "attention": attention_command,
        "order": order_command, "status": status_command, "advance": advance_command,
        "notify": notify_command, "followup": followup_command, "bulk": bulk_command, "find": find_command,
    }  # fmt: skip
    buttons: dict[str, Handler] = {
        views.ADVANCE: advance_button, views.NOTIFY: notify_button, views.OPEN: open_card,
        views.REFRESH: refresh_order, views.ATTENTION: refresh_attention, views.RETRY: retry_button,
    }  # fmt: skip
    application.add_handler(TypeHandler(Update, admit), group=-1)
    application.add_handlers(
        [
            *(CommandHandler(names, refusing(run), filters=new_messages) for names, run in commands.items()),
            *(CallbackQueryHandler(refusing(run), pattern=f"^{prefix}") for prefix, run in buttons.items()),
            CallbackQueryHandler(stale_button),
            MessageHandler(new_messages, fallback),
        ]
    )


# -- the gate and shared steps ------------------------------------------------------------------------


async def admit(update: Update, context: StaffContext) -> None:
    """Let staff through with their shop resolved; refuse anyone else once, and ignore other chats."""
    user, chat = update.effective_user, update.effective_chat
    if user is None or user.is_bot or chat is None or chat.type != ChatType.PRIVATE:
        raise ApplicationHandlerStop
    shops = await context.bot_data.db.shops.for_staff(user.id)
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


async def tell(update: Update, text: str) -> None:
    """A short answer: a toast for a button, a reply for a message."""
    if update.callback_query is not None:
        await update.callback_query.answer(views.clip(text, 200))
    elif update.message is not None:
        await update.message.reply_text(text)


def actor(update: Update) -> str:
    """Who acts, for the timeline: ``Mara Lindqvist (tg:5012345678)``."""
    user = update.effective_user
    assert user is not None
    return f"{views.clip(user.full_name, 64)} (tg:{user.id})"


def _user_id(update: Update) -> int | None:
    return update.effective_user.id if update.effective_user else None


def message_of(update: Update) -> Message:
    assert update.message is not None
    return update.message


def message_key(message: Message) -> str:
    """An idempotency key for what this message asks: a redelivery of it asks the same."""
    return f"tg:{message.chat_id}:{message.message_id}"


async def lookup(message: Message, context: StaffContext, word: str) -> Order | None:
    """The shop's order numbered ``word``; replies and returns None when there is none."""
    shop = context.staff_shop
    number = views.number_of(word)
    if number is None:
        return None
    order = await context.bot_data.find_number(shop, number)
    if order is None:
        await message.reply_text(f"No order #{views.clip(number, 20)} in {shop.name}.")
    return order


# -- commands -----------------------------------------------------------------------------------------


async def help_command(update: Update, context: StaffContext) -> None:
    shop = context.staff_shop
    intro = f"Order desk of {shop.name}."
    if context.shop_count > 1:
        intro += f" You are staff of {context.shop_count} shops; commands act for {shop.name}, the first."
    await message_of(update).reply_text(f"{intro}\n\n{views.HELP}")


async def stats_command(update: Update, context: StaffContext) -> None:
    shop = context.staff_shop
    await message_of(update).reply_text(views.render_stats(shop, await context.service.stats(shop)))


async def attention_command(update: Update, context: StaffContext) -> None:
    args = context.args or []
    hours = views.hours_of(args[0]) if len(args) == 1 else None
    if len(args) > 1 or (args and hours is None):
        await message_of(update).reply_text(views.usage("attention"))
        return
    text, markup = await attention_view(context, hours)
    await message_of(update).reply_text(text, reply_markup=markup)


async def attention_view(
    context: StaffContext, hours: float | None
) -> tuple[str, InlineKeyboardMarkup | None]:
    shop = context.staff_shop
    items = await context.service.requiring_attention(shop, max_age_hours=hours, limit=_ATTENTION_LIMIT)
    more = len(items) >= _ATTENTION_LIMIT
    return views.render_attention(shop, items, hours, more=more), views.attention_buttons(items, hours)


async def order_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    number = views.order_number(context.args or [])
    if number is None:
        await message.reply_text(views.usage("order"))
        return
    if order := await lookup(message, context, number):
        view = await context.service.progress(context.staff_shop, order.id)
        text = views.render_order(view, context.staff_shop)
        await message.reply_text(text, reply_markup=views.order_buttons(view.order))


async def status_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    parsed = views.status_args(views.arguments(message.text))
    if isinstance(parsed, str):
        await message.reply_text(parsed)
        return
    if not (order := await lookup(message, context, parsed.number)):
        return
    if order.status == parsed.status:
        await message.reply_text(f"Order #{order.number} is already {order.status}.")
        return
    try:
        moved = await context.service.update_status(
            context.staff_shop, order.id, parsed.status, source=Source.STAFF, actor=actor(update),
            note=parsed.note, notify=True, force=parsed.force,
        )  # fmt: skip
    except InvalidTransition as exc:
        await message.reply_text(views.render_transition_refused(order.number, exc))
        return
    await message.reply_text(
        views.render_moved(order.status, moved, parsed.note), reply_markup=views.open_button(moved)
    )


async def advance_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    args = context.args or []
    if len(args) != 1 or views.number_of(args[0]) is None:
        await message.reply_text(views.usage("advance"))
        return
    if order := await lookup(message, context, args[0]):
        result = await context.service.auto_progress(context.staff_shop, order.id, actor=actor(update))
        text = views.render_decision(result, context.staff_shop)
        await message.reply_text(text, reply_markup=views.open_button(result.order))


async def notify_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    words, text = views.head(views.arguments(message.text), 1)
    if not words or views.number_of(words[0]) is None:
        await message.reply_text(views.usage("notify"))
        return
    await queue_message(update, context, words[0], text, None)


async def followup_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    words, text = views.head(views.arguments(message.text), 2)
    hours = views.hours_of(words[1]) if len(words) == 2 else None
    if hours is None or views.number_of(words[0]) is None:
        await message.reply_text(views.usage("followup"))
        return
    await queue_message(update, context, words[0], text, hours)


async def queue_message(
    update: Update, context: StaffContext, number: str, text: str, hours: float | None
) -> None:
    """``/notify`` (now) and ``/followup`` (in ``hours``): a message to the order's customer."""
    message = message_of(update)
    if len(text) > views.MAX_TEXT:
        await message.reply_text(views.TOO_LONG)
        return
    if not (order := await lookup(message, context, number)):
        return
    shop, service = context.staff_shop, context.service
    due_at = None if hours is None else service.clock() + timedelta(hours=hours)
    entry = await service.notify(
        shop, order.id, message=text or None, channel=None, actor=actor(update), due_at=due_at,
        idempotency_key=message_key(message),
    )  # fmt: skip
    text = views.render_queued(order, shop, entry.channel, text, due_at)
    await message.reply_text(text, reply_markup=views.open_button(order))


async def bulk_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    parsed = views.bulk_args(views.arguments(message.text))
    if isinstance(parsed, str):
        await message.reply_text(parsed)
        return
    shop = context.staff_shop
    found = await asyncio.gather(*(context.bot_data.find_number(shop, number) for number in parsed.numbers))
    ids: list[str] = [order.id for order in found if order is not None]
    results = (
        await context.service.bulk(shop, ids, parsed.action, actor=actor(update), status=parsed.status)
        if ids
        else []
    )
    by_id = {result.order_id: result for result in results}
    rows = [
        (number, by_id.get(order.id) if order else None)
        for number, order in zip(parsed.numbers, found, strict=True)
    ]
    await message.reply_text(views.render_bulk(parsed, rows))


async def find_command(update: Update, context: StaffContext) -> None:
    message = message_of(update)
    term = " ".join(views.arguments(message.text).split())
    if not 2 <= len(term) <= 100:
        await message.reply_text(views.usage("find"))
        return
    shop, service = context.staff_shop, context.service
    if (phone := views.phone_term(term)) is not None:
        pool, _ = await service.list_orders(
            shop, status=None, search=phone[-4:], cursor=None, limit=_SEARCH_POOL
        )
        orders = [order for order in pool if views.phone_matches(order, phone)][: views.FOUND_MAX]
    else:
        orders, _ = await service.list_orders(
            shop, status=None, search=term, cursor=None, limit=views.FOUND_MAX
        )
    await message.reply_text(views.render_found(term, orders, shop), reply_markup=views.found_buttons(orders))


async def fallback(update: Update, context: StaffContext) -> None:
    """Unknown commands and anything else that is not a command."""
    text = message_of(update).text or ""
    if text.startswith("/"):
        await message_of(update).reply_text(f"Unknown command {text.split()[0][:40]}.\n{views.USAGE}")
    else:
        await message_of(update).reply_text(views.USAGE)


# -- inline buttons ---------------------------------------------------------------------------------


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


async def advance_button(update: Update, context: StaffContext) -> None:
    """Run auto-progress on the order, then redraw the card or attention list the button is on."""
    query, order_id = query_of(update, views.ADVANCE)
    shop = context.staff_shop
    result = await context.service.auto_progress(shop, order_id, actor=actor(update))
    toast = views.decision_toast(result)
    origin = views.attention_origin(
        query.message.reply_markup if isinstance(query.message, Message) else None
    )
    if origin is not None:
        text, markup = await attention_view(context, views.hours_of(origin) if origin else None)
        await edit(query, f"{toast}\n\n{text}", markup)
    else:
        view = await context.service.progress(shop, order_id)
        text = f"{views.render_order(view, shop)}\n\n{views.render_decision(result, shop)}"
        await edit(query, text, views.order_buttons(view.order))
    await query.answer(toast)


async def notify_button(update: Update, context: StaffContext) -> None:
    """Queue the standard status message to the order's customer; the answer says so."""
    query, order_id = query_of(update, views.NOTIFY)
    shop = context.staff_shop
    order = await context.service.get(shop, order_id)
    await context.service.notify(
        shop, order.id, message=None, channel=None, actor=actor(update), idempotency_key=f"tg-cb:{query.id}"
    )
    await query.answer(f"🔔 Status message to the customer of #{views.clip(order.number, 20)} queued.")


async def retry_button(update: Update, context: StaffContext) -> None:
    """Send the order's last failed notification again, on the channel the button names (once per tap)."""
    query, data = query_of(update, views.RETRY)
    parsed = views.retry_of(data)
    if parsed is None:
        await query.answer("This button is no longer in use.")
        return
    order_id, channel = parsed
    shop = context.staff_shop
    order = await context.service.get(shop, order_id)  # another shop's id: NotFound, answered as unknown
    entries = await context.bot_data.db.outbox.for_order(shop.id, order.id)
    failed = next(
        (e for e in reversed(entries) if e.state in _FAILED and e.kind != OutboxKind.STAFF_ALERT), None
    )
    await context.service.notify(
        shop, order.id, channel=channel, actor=actor(update),
        message=failed.message if failed and failed.kind != OutboxKind.STATUS_UPDATE else None,
        idempotency_key=f"retry:{failed.id if failed else query.id}:{channel}",
    )  # fmt: skip
    await query.answer(f"↻ #{views.clip(order.number, 20)} queued again by {channel}.")


async def open_card(update: Update, context: StaffContext) -> None:
    """Send the order's card as a new message."""
    query, order_id = query_of(update, views.OPEN)
    view = await context.service.progress(context.staff_shop, order_id)
    assert update.effective_chat is not None
    await context.bot.send_message(
        update.effective_chat.id,
        views.render_order(view, context.staff_shop),
        reply_markup=views.order_buttons(view.order),
    )
    await query.answer()


async def refresh_order(update: Update, context: StaffContext) -> None:
    """The order card's refresh button: redraw the card in place."""
    query, order_id = query_of(update, views.REFRESH)
    view = await context.service.progress(context.staff_shop, order_id)
    changed = await edit(query, views.render_order(view, context.staff_shop), views.order_buttons(view.order))
    await query.answer("Updated." if changed else "Already up to date.")


async def refresh_attention(update: Update, context: StaffContext) -> None:
    query, hours = query_of(update, views.ATTENTION)
    text, markup = await attention_view(context, views.hours_of(hours) if hours else None)
    changed = await edit(query, text, markup)
    await query.answer("Updated." if changed else "Already up to date.")


async def stale_button(update: Update, context: StaffContext) -> None:
    assert update.callback_query is not None
    await update.callback_query.answer("This button is no longer in use.")
