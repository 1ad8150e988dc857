"""The shape of the Bot API updates the staff handlers read, checked before python-telegram-bot sees them.

``Update.de_json`` trusts its input: an entity whose ``length`` is a string, or a chat id of 30 digits,
becomes an Update that fails inside a handler, where it looks like a bug worth a retry. Telegram sends
neither, so an update that does not fit these models is refused as malformed. Only the fields the handlers
use are checked, strictly (no coercion); every other field passes through untouched. Pure: no I/O.

Telegram's own example updates ("Testing your bot with updates", core.telegram.org/bots/webhooks) leave out
fields its servers always send and python-telegram-bot requires: a user's ``is_bot``, a chat's ``type``, a
callback query's ``chat_instance``, a file's ``file_unique_id``, the ``bot_command`` entity of a "/start".
``complete_update`` fills in exactly those, when absent, with what Telegram would have sent for a person
writing to the bot in private (a file's unique id stands in as its id: nothing here reads either), so that
the examples (and anything built from them) are handled like the real thing.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["check_update", "complete_update"]

#: Telegram's ids fit in 52 bits; MongoDB stores at most 64.
Int64 = Annotated[int, Field(ge=-(2**63), lt=2**63)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _User(_Shape):
    id: Int64
    is_bot: bool
    first_name: str


class _Chat(_Shape):
    id: Int64
    type: str


class _Entity(_Shape):
    type: str
    offset: Annotated[int, Field(ge=0)]
    length: Annotated[int, Field(ge=0)]


class _Message(_Shape):
    message_id: Int64
    date: Int64
    chat: _Chat
    from_: _User | None = Field(None, alias="from")
    text: str | None = None
    entities: list[_Entity] | None = None


class _CallbackQuery(_Shape):
    id: str
    from_: _User = Field(alias="from")
    data: str | None = None
    message: _Message | None = None


class _Update(_Shape):
    update_id: Int64
    message: _Message | None = None
    edited_message: _Message | None = None
    channel_post: _Message | None = None
    edited_channel_post: _Message | None = None
    callback_query: _CallbackQuery | None = None


def check_update(data: dict[str, Any]) -> None:
    """ValueError naming the first field of ``data`` that no Telegram update would carry like that."""
    try:
        _Update.model_validate(data)
    except ValidationError as exc:
        error = exc.errors(include_url=False, include_input=False)[0]
        where = ".".join(str(part) for part in error["loc"])
        raise ValueError(f"not a Telegram update: {where}: {error['msg']}") from None


_MESSAGES = ("message", "edited_message", "channel_post", "edited_channel_post")
_FILES = ("audio", "voice", "document", "video", "video_note", "animation", "sticker")
_QUERIES = ("callback_query", "inline_query", "chosen_inline_result")


def complete_update(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with the fields Telegram always sends but its documented examples omit filled in (in place)."""
    for key in _MESSAGES:
        _complete_message(data.get(key))
    for key in _QUERIES:
        query = data.get(key)
        if isinstance(query, dict):
            _complete_user(query.get("from"))
            _complete_message(query.get("message"))
            if key == "callback_query":
                query.setdefault("chat_instance", "")
    return data


def _complete_user(user: object) -> None:
    if isinstance(user, dict):
        user.setdefault("is_bot", False)


def _complete_message(message: object, depth: int = 0) -> None:
    if not isinstance(message, dict) or depth > 1:
        return
    sender, chat, text = message.get("from"), message.get("chat"), message.get("text")
    _complete_user(sender)
    if isinstance(chat, dict) and isinstance(sender, dict) and chat.get("id") == sender.get("id"):
        chat.setdefault("type", "private")  # a private chat's id is its user's
    if isinstance(text, str) and text.startswith("/") and "entities" not in message:
        command = text.split(maxsplit=1)[0]
        length = len(command.encode("utf-16-le")) // 2  # entities count UTF-16 code units
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    for file in [message.get(key) for key in _FILES] + list(message.get("photo") or []):
        if isinstance(file, dict) and isinstance(file.get("file_id"), str):
            file.setdefault("file_unique_id", file["file_id"])
    _complete_message(message.get("reply_to_message"), depth + 1)
