"""Hypothesis strategies for hostile webhook bodies, content types and header values.

Bodies range from random bytes to providers' real payloads (the fixtures) with junk planted at random
leaves, so that a correctly signed body gets past verification and reaches every parser's corners.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

FIXTURES = Path(__file__).parents[1] / "fixtures"

#: Unicode and byte-level edge cases: NUL, bidi overrides, BOM, combining marks, the last code point,
#: lone surrogates (only as JSON escapes or CESU-8 bytes), overlong and out-of-range UTF-8.
EDGE_TEXT = [
    "\ud800",
    "\udc00x",
    "\ud83d",
    "\x00",
    "\u202e",
    "\u200f",
    "\ufeff",
    "e\u0301" * 50,
    "\U0010ffff",
    "\U0001d56c",
    "\r\n",
    "\\",
    '"',
    "%",
]
EDGE_JSON_ESCAPES = ["\\ud800", "\\udfff", "\\udc00\\ud800", "\\u0000", "\\ud83d"]
EDGE_BYTES = [
    b"\xc0\xaf",
    b"\xe0\x80\xaf",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xff\xfe",
    b"\x00",
    b"\x80",
]

CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=latin-1",
    "multipart/form-data; boundary=xyz",
    "multipart/form-data",
    "text/plain",
    "text/xml",
    "application/octet-stream",
    "",
    "garbage",
    "application/json; charset=\u00e9",
]

# The fixtures each route's real deliveries look like.
FIXTURE_FILES = {
    "twilio-messages": ["twilio/sms_inbound.json", "twilio/whatsapp_text.json", "twilio/sms_mms.json"],
    "twilio-status": ["twilio/status_delivered.json", "twilio/status_failed_30003.json"],
    "instagram": ["instagram/text.json", "instagram/batched.json", "instagram/read.json"],
    "telegram": ["telegram/command_help.json", "telegram/command_order.json", "telegram/callback_query.json"],
    "shopify": ["shopify/orders_create_pending.json", "shopify/orders_fulfilled.json"],
    "woocommerce": ["woocommerce/order_processing.json", "woocommerce/order_completed.json"],
}
ORDER_EVENT: dict[str, Any] = {
    "event": "order.created",
    "order": {
        "id": "A-1042",
        "number": "1042",
        "status": "pending",
        "customer": {"name": "Ana Lima", "phone": "+14155550101", "email": "ana@example.com"},
        "items": [{"title": "House Espresso 1 kg", "quantity": 1, "price": "32.00"}],
        "total": "32.00",
        "currency": "USD",
        "tracking": {"carrier": "UPS", "number": "1Z999", "url": "https://example.com/t/1Z999"},
        "created_at": "2026-11-01T09:00:00Z",
        "updated_at": "2026-11-01T09:00:00Z",
        "channel": "whatsapp",
    },
}
FORM_ROUTES = frozenset({"twilio-messages", "twilio-status"})


def fixtures_of(route: str) -> list[Any]:
    if route == "orders":
        return [ORDER_EVENT]
    return [json.loads((FIXTURES / name).read_text()) for name in FIXTURE_FILES[route]]


edge_text = st.sampled_from(EDGE_TEXT) | st.text(max_size=40)
json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=True, allow_infinity=True)
    | edge_text
)
json_value = st.recursive(
    json_leaf,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(edge_text, children, max_size=4),
    max_leaves=20,
)


def dumps(value: Any, ascii_only: bool = True) -> bytes:
    """JSON the way Python writes it: NaN and Infinity included; lone surrogates as ``\\udxxx`` escapes when
    ``ascii_only``, else as the (invalid) UTF-8 bytes they would take."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def json_bytes(value: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    return st.builds(dumps, value, st.booleans())


@st.composite
def nested(draw: st.DrawFn) -> bytes:
    """Deeply nested arrays or objects, bare or inside the envelope a route expects."""
    depth = draw(st.integers(min_value=100, max_value=50_000))
    opening, closing = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
    inner = opening * depth + b"1" + closing * depth
    template = draw(
        st.sampled_from(
            [
                b"%s",
                b'{"object":"instagram","entry":[{"id":"1","messaging":[%s]}]}',
                b'{"update_id":1,"message":%s}',
                b'{"event":"order.created","order":{"id":"x","number":"1","items":%s}}',
                b'{"id":1,"line_items":%s}',
            ]
        )
    )
    return template.replace(b"%s", inner)


@st.composite
def huge(draw: st.DrawFn) -> bytes:
    """Bodies just under the limit: one enormous string, number or list."""
    size = draw(st.integers(min_value=1_000, max_value=900_000))
    kind = draw(st.sampled_from(["string", "number", "list", "keys"]))
    if kind == "string":
        return (
            b'{"update_id":1,"object":"instagram","event":"order.created","order":{"id":"'
            + b"x" * size
            + b'"}}'
        )
    if kind == "number":
        return b'{"update_id":' + b"9" * min(size, 20_000) + b',"id":' + b"7" * min(size, 20_000) + b"}"
    if kind == "list":
        return b'{"entry":[' + b"{}," * (size // 3) + b'{}],"line_items":[]}'
    return b"{" + b",".join(b'"k%d":1' % n for n in range(size // 8)) + b"}"


@st.composite
def escaped_edges(draw: st.DrawFn) -> bytes:
    """A JSON object whose strings carry escapes Python decodes into lone surrogates and NULs."""
    escape = draw(st.sampled_from(EDGE_JSON_ESCAPES))
    key = draw(st.sampled_from(["text", "mid", "id", "number", "update_id", "object", "event"]))
    return b'{"%s":"a%sb","object":"instagram","event":"order.created"}' % (key.encode(), escape.encode())


@st.composite
def broken_utf8(draw: st.DrawFn) -> bytes:
    """Valid-looking text with overlong, surrogate or out-of-range UTF-8 sequences planted in it."""
    base = draw(st.sampled_from([b'{"text":"%s"}', b"Body=%s&From=%%2B14155550199", b"%s"]))
    return base.replace(b"%s", draw(st.sampled_from(EDGE_BYTES)) * draw(st.integers(1, 4)))


@st.composite
def broken_forms(draw: st.DrawFn) -> bytes:
    """Form encodings that are wrong: stray percent signs, half escapes, empty keys, repeated fields."""
    pieces = draw(
        st.lists(
            st.sampled_from(
                [b"%", b"%z", b"%e2%82", b"%ED%A0%80", b"=", b"&", b"+", b"==", b";", b"From=", b"To=",
                 b"MessageSid=", b"MessageSid=SM1", b"Body=%00", b"NumMedia=-1", b"NumMedia=99999999999999",
                 b"From=whatsapp%3A%2B1", b"To=%2B14155550132", b"MessageStatus=delivered"]
            ),
            max_size=12,
        )
    )  # fmt: skip
    return b"".join(pieces)


def _leaves(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))] or [path]
    if isinstance(value, list):
        return [leaf for n, item in enumerate(value) for leaf in _leaves(item, (*path, n))] or [path]
    return [path]


def _planted(value: Any, path: tuple[Any, ...], junk: Any) -> Any:
    if not path:
        return junk
    head, rest = path[0], path[1:]
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[head] = _planted(value[head], rest, junk)
    return copy


@st.composite
def mutated(draw: st.DrawFn, route: str) -> bytes:
    """One of the route's real payloads with junk (wrong types, edge text, huge values) at some leaves."""
    payload = draw(st.sampled_from(fixtures_of(route)))
    leaves = _leaves(payload)
    for path in draw(st.lists(st.sampled_from(leaves), min_size=1, max_size=4, unique=True)):
        payload = _planted(payload, path, draw(json_value))
    if route in FORM_ROUTES:
        fields = {
            str(key): value if isinstance(value, str) else json.dumps(value) for key, value in payload.items()
        }
        return urlencode(fields, encoding="utf-8", errors="surrogatepass").encode()
    return dumps(payload, draw(st.booleans()))


def bodies(route: str) -> st.SearchStrategy[bytes]:
    """Every kind of hostile body, weighted towards the route's own shape."""
    return st.one_of(
        st.binary(max_size=2048),
        json_bytes(json_value),
        nested(),
        huge(),
        escaped_edges(),
        broken_utf8(),
        broken_forms(),
        mutated(route),
        mutated(route),
        mutated(route),
    )


content_types = st.sampled_from(CONTENT_TYPES)

#: Header values aiohttp's client will send (it refuses control characters; ``test_headers`` sends those
#: over a raw socket): junk text, long, non-ASCII.
header_values = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=200),
    st.sampled_from(["sha256=", "sha256=" + "0" * 64, "=" * 44, "\u202e", "\t", "a" * 8000]),
)
