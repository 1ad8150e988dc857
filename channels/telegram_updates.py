"""The shape of the Bot API updates the staff handlers read, checked before python-telegram-bot sees them.

``Update.de_json`` trusts its input: an entity whose ``length`` is a string, or a chat id of 30 digits,
becomes an Update that fails inside a handler, where it looks like a bug worth a retry. Telegram sends
neither, so an update that does not fit these models is refused as malformed. Only the fields the handlers
use are checked, strictly (no coercion); every other field passes through untouched. Pure: no I/O.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

__all__ = ["check_update"]

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
