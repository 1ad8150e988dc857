"""Telegram, the staff channel: python-telegram-bot's ``Application`` and a small adapter over its bot.

The Application is embedded in our own web server (``.updater(None)``): a webhook route hands each update
to ``process``, which runs the registered handlers and reports whether they failed in a way worth a retry.
``TelegramChannel`` follows ``channels.base.Channel``: it checks the webhook's secret token, decodes
updates and sends messages, mapping python-telegram-bot's errors to ``SendError``.
"""

from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

import httpx
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, ReplyParameters, Update
from telegram.error import (
    BadRequest,
    ChatMigrated,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
    TimedOut,
)
from telegram.ext import Application, CallbackContext, ContextTypes, ExtBot

from channels.base import (
    ChannelName,
    DeliveryUpdate,
    InboundMessage,
    Limits,
    OutboundMessage,
    Receipt,
    SendError,
    WebhookRequest,
)
from channels.payloads import load_json
from channels.telegram_updates import check_update, complete_update

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name, not a secret
MAX_LENGTH = 4096
_CHAT_ID = re.compile(r"-?[1-9][0-9]{0,19}")  # a user, group or channel id; never a phone number

CCT = TypeVar("CCT", bound=CallbackContext[Any, Any, Any, Any])
UD = TypeVar("UD")
CD = TypeVar("CD")
BD = TypeVar("BD")


def build_application(
    token: str, *, base_url: str | None, context_types: ContextTypes[CCT, UD, CD, BD]
) -> Application[ExtBot[None], CCT, UD, CD, BD, None]:
    """An Application for embedding: no updater (our route feeds it), no job queue (the worker schedules).

    ``base_url`` points the Bot API (``{base}/bot<token>/<method>``) and file downloads at another server,
    such as a test stand-in; None keeps python-telegram-bot's defaults (api.telegram.org).
    """
    builder = Application.builder().token(token).context_types(context_types).updater(None).job_queue(None)
    if base_url:
        base = base_url.rstrip("/")
        builder = builder.base_url(f"{base}/bot").base_file_url(f"{base}/file/bot")
    application = builder.build()
    application.add_error_handler(_record_failure)
    return application


class UpdateFailed(Exception):
    """A handler failed on an update in a way a redelivery may fix (network, database, a bug)."""


_failures: ContextVar[list[BaseException] | None] = ContextVar("telegram_update_failures", default=None)


async def process(application: Application[Any, Any, Any, Any, Any, Any], update: Update) -> None:
    """Run the application's handlers on one update, inline; UpdateFailed when one should be retried.

    python-telegram-bot hands handler exceptions to error handlers instead of raising them; the error
    handler ``build_application`` registers records them here. A refusal by Telegram that a retry cannot
    change (the user blocked the bot, a bad request) is logged and counts as handled.
    """
    failures: list[BaseException] = []
    reset = _failures.set(failures)
    try:
        await application.process_update(update)
    finally:
        _failures.reset(reset)
    retryable = [exc for exc in failures if not isinstance(exc, TelegramError) or send_error(exc).transient]
    if retryable:
        first = retryable[0]
        raise UpdateFailed(f"update {update.update_id} failed: {type(first).__name__}") from first


async def _record_failure(update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
    error = context.error
    if error is None:
        return
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(error, TelegramError) and not send_error(error).transient:
        log.warning("a reply to update %s failed; not retried: %s", update_id, error)
    else:
        log.error("handling Telegram update %s failed", update_id, exc_info=error)
    failures = _failures.get()
    if failures is not None:
        failures.append(error)


#: httpx errors raised before any byte of the request was written (python-telegram-bot wraps them in
#: TimedOut or NetworkError, keeping them as ``__cause__``).
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _network_error(exc: NetworkError, code: str) -> SendError:
    """Transient when Telegram answered (5xx, 502) or the request never went out; else ambiguous.

    python-telegram-bot's TimedOut covers httpx's connect, pool, write and read timeouts alike; the httpx
    error it wraps tells them apart: after a write or read timeout or a dropped connection the message may
    have been sent.
    """
    cause = exc.__cause__
    if cause is None or isinstance(cause, (TelegramError, *_NOT_SENT)):
        return SendError(str(exc), transient=True, code=code)
    return SendError(
        f"no answer from Telegram after the request was sent: {exc}", transient=False, code="ambiguous",
        ambiguous=True,
    )  # fmt: skip


def send_error(exc: TelegramError) -> SendError:
    """Telegram's refusal as a SendError: flood control, 5xx and unsent requests are transient; a request
    that went out and got no answer is ambiguous."""
    # BadRequest and TimedOut are NetworkErrors in python-telegram-bot: the permanent ones go first.
    match exc:
        case Forbidden():
            return SendError(str(exc), transient=False, code="forbidden")
        case BadRequest():
            return SendError(str(exc), transient=False, code="bad_request")
        case ChatMigrated():
            return SendError(str(exc), transient=False, code="chat_migrated")
        case InvalidToken() | EndPointNotFound():
            return SendError(str(exc), transient=False, code="invalid_token")
        case RetryAfter():
            return SendError(str(exc), transient=True, code="retry_after")
        case TimedOut():
            return _network_error(exc, "timed_out")
        case NetworkError():
            return _network_error(exc, "network_error")
    return SendError(str(exc), transient=True, code="telegram_error")


@dataclass(frozen=True)
class Button:
    """An inline keyboard button that sends ``data`` (at most 64 bytes) back as a callback query."""

    text: str
    data: str


def keyboard(rows: Sequence[Sequence[Button]]) -> InlineKeyboardMarkup | None:
    if not rows:
        return None
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(button.text, callback_data=button.data) for button in row] for row in rows]
    )


def provider_id(message: Message) -> str:
    """A message's id across chats: Telegram numbers messages per chat."""
    return f"{message.chat_id}:{message.message_id}"


class TelegramChannel:
    """Staff chats on Telegram through python-telegram-bot's bot."""

    name = ChannelName.TELEGRAM
    limits = Limits(max_length=MAX_LENGTH)

    def __init__(self, bot: ExtBot[None], webhook_secret: str | None) -> None:
        self._bot = bot
        self._secret = webhook_secret

    @property
    def accepts_webhooks(self) -> bool:
        """Whether a webhook secret is configured; without one no update can be trusted."""
        return bool(self._secret)

    def verify_secret(self, header: str | None) -> bool:
        """Constant-time check of the ``X-Telegram-Bot-Api-Secret-Token`` header."""
        if not self._secret or header is None:
            return False
        return hmac.compare_digest(self._secret.encode(), header.encode("utf-8", "surrogateescape"))

    def verify(self, request: WebhookRequest) -> bool:
        return self.verify_secret(request.headers.get(SECRET_HEADER))

    def decode(self, body: bytes) -> Update:
        """The Update in a webhook body, bound to our bot; ValueError when it is not one."""
        data = load_json(body)
        if not isinstance(data, dict):
            raise ValueError("the body must be a JSON object")
        update_id = data.get("update_id")
        if not isinstance(update_id, int) or isinstance(update_id, bool):
            raise ValueError("update_id must be an integer")
        check_update(complete_update(data))
        try:
            return Update.de_json(data, self._bot)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"not a Telegram update: {type(exc).__name__}") from exc

    def parse(self, request: WebhookRequest) -> list[InboundMessage | DeliveryUpdate]:
        message = self.decode(request.body).message
        if message is None or message.from_user is None or message.text is None:
            return []
        return [
            InboundMessage(
                channel=self.name,
                provider_id=provider_id(message),
                sender=str(message.from_user.id),
                recipient=self._bot.token.split(":", 1)[0],
                text=message.text,
                received_at=message.date.astimezone(UTC) if message.date else datetime.now(UTC),
                sender_name=message.from_user.full_name,
            )
        ]

    async def send(self, message: OutboundMessage, *, buttons: Sequence[Sequence[Button]] = ()) -> Receipt:
        """Send a text (with optional inline buttons) to the chat ``message.to``; SendError when refused."""
        if not _CHAT_ID.fullmatch(message.to):
            raise SendError("not a Telegram chat id", transient=False, code="bad_recipient")
        chat_id = int(message.to)
        reply = None
        if message.reply_to_id and message.reply_to_id.rpartition(":")[2].isdigit():
            reply = ReplyParameters(
                int(message.reply_to_id.rpartition(":")[2]), allow_sending_without_reply=True
            )
        try:
            sent = await self._bot.send_message(
                chat_id=chat_id, text=message.text, reply_markup=keyboard(buttons), reply_parameters=reply
            )
        except TelegramError as exc:
            raise send_error(exc) from exc
        return Receipt(provider_id=provider_id(sent))


__all__ = [
    "MAX_LENGTH",
    "SECRET_HEADER",
    "Button",
    "TelegramChannel",
    "UpdateFailed",
    "build_application",
    "keyboard",
    "process",
    "provider_id",
    "send_error",
]
