"""A shop's own texts: placeholders in braces, checked when saved and filled in when sent.

Only plain names in braces are placeholders (``{first_name}``); ``{{`` and ``}}`` are literal braces, and
anything else in braces (a format spec, an attribute, a stray brace) is refused when the text is saved, so
a text either renders exactly as written or is never stored.

A placeholder with no value (a customer without a name, an order without tracking) leaves no gap: the
space before it goes with it ("Hi {first_name}!" → "Hi!"), and a line whose placeholders are all empty is
left out ("Track: {tracking_url}" on an order not shipped yet), unless one of them is the customer's name:
a greeting without the name is still a greeting.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

_WHITESPACE = re.compile(r"\s+")
#: Placeholders whose emptiness leaves their line in (the greeting stays, without the name).
KEEPS_ITS_LINE = frozenset({"first_name"})
_TOKEN = re.compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|[{}]")


class TemplateError(ValueError):
    """A text the service cannot fill in; ``unknown`` names the placeholders it does not know."""

    def __init__(self, message: str, unknown: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.unknown = unknown


def placeholders(text: str) -> list[str]:
    """The placeholders ``text`` uses, in order of first use; ``TemplateError`` on a malformed brace."""
    found: dict[str, None] = {}
    for token in _TOKEN.finditer(text):
        if token.group(1) is not None:
            found[token.group(1)] = None
        elif token.group(0) in "{}":
            around = text[max(0, token.start() - 10) : token.end() + 10]
            raise TemplateError(
                f"a lone {token.group(0)!r} near {around!r}: placeholders are names in braces such as "
                "{first_name}; write {{ or }} for a brace itself"
            )
    return list(found)


def check(text: str, known: Iterable[str]) -> None:
    """Refuse ``text`` when it uses a placeholder outside ``known``, naming each such placeholder."""
    allowed = tuple(known)
    unknown = tuple(name for name in placeholders(text) if name not in allowed)
    if unknown:
        names = ", ".join("{" + name + "}" for name in unknown)
        usable = ", ".join("{" + name + "}" for name in allowed)
        raise TemplateError(f"unknown placeholder {names}; this text may use {usable}", unknown)


def render(text: str, values: Mapping[str, str | None]) -> str:
    """``text`` with its placeholders filled in from ``values`` (each flattened to one line).

    A placeholder missing from ``values`` counts as empty; checking against what is known is ``check``'s job.
    """
    lines = []
    for line in text.split("\n"):
        out: list[str] = []
        at = 0
        filled = empty = 0
        keep = False
        for token in _TOKEN.finditer(line):
            out.append(line[at : token.start()])
            at = token.end()
            name = token.group(1)
            if name is None:
                out.append(token.group(0)[0])
                continue
            value = _WHITESPACE.sub(" ", values.get(name) or "")  # one line; an edge space is kept
            if value.strip():
                filled += 1
                out.append(value)
                continue
            empty += 1
            keep = keep or name in KEEPS_ITS_LINE
            if out and out[-1].endswith(" "):
                out[-1] = out[-1][:-1]
        out.append(line[at:])
        if empty and not filled and not keep:
            continue
        lines.append("".join(out).rstrip())
    return "\n".join(lines).strip("\n")


__all__ = ["TemplateError", "check", "placeholders", "render"]
