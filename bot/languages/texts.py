"""What the service says in each customer language other than English, as data per language.

English keeps its built-in composer (``bot.composer``); every other language speaks through templates of
the same placeholders a shop's own texts use, so a shop that edits a text starts from these words. Each
language writes each platform's style: WhatsApp casual, SMS concise, Instagram friendly, email professional,
the console plain, and a formal tone for shops that ask for one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import ModuleType

from bot.languages import texts_de, texts_es, texts_fr, texts_it, texts_pt

#: Styles that speak casually, with emoji, and add the customer's first name to a greeting.
CHAT_STYLES = ("whatsapp", "instagram")
_PROGRESS = re.compile(r" \(\{progress\}[^)]*\)")
_REPLY_EMOJI = {
    "greeting": "👋", "thanks": "😊", "human": "🙋", "no_orders": "🔎", "linked": "🎉", "menu": "🤖",
    "complaint": "🙏", "change": "✏️", "refund": "💬", "other": "🤖", "delay": "⏳", "late": "⏳",
}  # fmt: skip


@dataclass(frozen=True)
class Texts:
    """One language's words: the order's states, the status message per style, the replies, the topics."""

    language: str
    status_words: dict[str, str]
    stage_words: dict[str, str]
    eta: dict[str, str]
    arrival: dict[str, str]
    status: dict[str, str]
    several: dict[str, str]
    replies: dict[str, str]
    topics: dict[str, str]
    what: dict[str, str]
    about: str
    for_order: str
    subject: str

    @classmethod
    def of(cls, language: str, module: ModuleType) -> Texts:
        names = [name for name in cls.__dataclass_fields__ if name != "language"]
        return cls(language, **{name: getattr(module, name.upper()) for name in names})

    def status_template(self, style: str, status: str) -> str:
        """The status message for ``style``; a cancelled order has no progress to tell."""
        text = self.status.get(style, self.status["console"])
        return _PROGRESS.sub("", text) if status == "cancelled" else text

    def several_template(self, style: str) -> str:
        return self.several["sms" if style == "sms" else "chat" if style in CHAT_STYLES else "plain"]

    def reply(self, kind: str, style: str, *, formal: bool = False) -> str:
        """A fixed reply in ``style``: chats get the greeting's name and an emoji, other styles neither."""
        text = self.replies[kind]
        if style not in CHAT_STYLES or formal:
            return text.replace(" {first_name}", "")
        return f"{text} {_REPLY_EMOJI[kind]}" if kind in _REPLY_EMOJI else text


TEXTS = {
    code: Texts.of(code, module)
    for code, module in {
        "es": texts_es,
        "pt": texts_pt,
        "fr": texts_fr,
        "de": texts_de,
        "it": texts_it,
    }.items()
}


def default_text(kind: str, status: str, style: str, language: str) -> str:
    """The text a shop starts from for ``kind/status/style`` in ``language`` (not English: see message_texts)."""
    texts = TEXTS[language]
    if kind == "order_status":
        text = texts.status_template(style, status)
    elif kind == "several_orders":
        text = texts.several_template(style)
    else:
        text = texts.reply(kind, style)
    return text + " -{shop_name}" if style == "sms" else text
