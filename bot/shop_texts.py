"""A shop's own message texts: what it has, and changing them, checked before anything is stored.

Every text the service sends has a default (``bot.message_texts``); a shop replaces one by ``kind``,
``status``, ``style`` and ``language`` and resets it to bring the default back. A text is checked (its
placeholders known for its kind, its braces well formed) before it is written, so a stored text always
renders.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import message_texts, templating
from bot.message_texts import DEFAULT_LANGUAGE, MAX_TEXT, text_key
from orders.model import Shop
from orders.store import NotFound, ShopStore


@dataclass(frozen=True)
class TextSlot:
    """Where one text is filed: its kind, the order status it is for (or ``any``), style and language."""

    kind: str
    status: str
    style: str
    language: str

    @property
    def key(self) -> str:
        return text_key(self.kind, self.status, self.style, self.language)

    def known(self) -> TextSlot:
        """This slot, or ``NotFound`` naming what no text is kept for."""
        if not message_texts.is_known(self.kind, self.status, self.style, self.language):
            raise NotFound(f"no message text {self.key}: {_what_exists(self)}")
        return self


@dataclass(frozen=True)
class TextEntry:
    """One text as the shop sees it: the one in use, the default, and whether it is the shop's own."""

    slot: TextSlot
    text: str
    default: str
    custom: bool
    placeholders: tuple[str, ...]


def _what_exists(slot: TextSlot) -> str:
    if slot.kind not in message_texts.kinds():
        return "kinds are " + ", ".join(message_texts.kinds())
    if slot.status not in message_texts.statuses(slot.kind):
        return f"{slot.kind} texts are for " + ", ".join(message_texts.statuses(slot.kind))
    if slot.style not in message_texts.STYLES:
        return "styles are " + ", ".join(message_texts.STYLES)
    return "languages are " + ", ".join(message_texts.LANGUAGES)


def entry(shop: Shop, slot: TextSlot) -> TextEntry:
    """The text in use for ``slot``: the shop's own in that language, else that language's default."""
    default = message_texts.default_text(slot.kind, slot.status, slot.style, slot.language)
    own = shop.message_texts.get(slot.key)
    return TextEntry(
        slot,
        text=own if own is not None else default,
        default=default,
        custom=own is not None,
        placeholders=message_texts.placeholders(slot.kind),
    )


def entries(shop: Shop, language: str = DEFAULT_LANGUAGE) -> list[TextEntry]:
    """Every text the shop's customers can get in ``language``, in a stable order."""
    if language not in message_texts.LANGUAGES:
        raise NotFound(
            f"no message texts in {language!r}: languages are {', '.join(message_texts.LANGUAGES)}"
        )
    return [
        entry(shop, TextSlot(kind, status, style, language))
        for kind in message_texts.kinds()
        for status in message_texts.statuses(kind)
        for style in message_texts.STYLES
    ]


def checked(slot: TextSlot, text: str) -> str:
    """``text`` when it may be kept for ``slot``; ``TemplateError`` naming what is wrong with it."""
    if not text.strip():
        raise templating.TemplateError("the text is empty; reset it to use the default")
    if len(text) > MAX_TEXT:
        raise templating.TemplateError(f"the text is {len(text)} characters; at most {MAX_TEXT}")
    templating.check(text, message_texts.placeholders(slot.kind))
    return text


async def set_text(shops: ShopStore, shop: Shop, slot: TextSlot, text: str) -> TextEntry:
    """Keep the shop's own ``text`` for ``slot`` (checked first: nothing is written if it is refused)."""
    slot.known()
    checked(slot, text)
    await shops.set_text(shop.id, slot.key, text)
    return entry(shop.model_copy(update={"message_texts": {**shop.message_texts, slot.key: text}}), slot)


async def reset_text(shops: ShopStore, shop: Shop, slot: TextSlot) -> TextEntry:
    """Forget the shop's own text for ``slot``: the language's default speaks again."""
    slot.known()
    await shops.reset_text(shop.id, slot.key)
    rest = {key: text for key, text in shop.message_texts.items() if key != slot.key}
    return entry(shop.model_copy(update={"message_texts": rest}), slot)


__all__ = ["TextEntry", "TextSlot", "checked", "entries", "entry", "reset_text", "set_text"]
