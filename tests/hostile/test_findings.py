"""What the hostile tests found, one focused test each: a correctly signed delivery that used to fail.

Each body here once answered a 5xx (500, or a 503 that made the provider redeliver it forever); each is
now refused with a 400 and writes nothing.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from multidict import MultiMapping

from channels import twilio
from channels.base import InboundMessage, WebhookRequest
from channels.twilio import SIGNATURE_HEADER, open_twilio
from channels.twilio_forms import MAX_FORM_FIELDS, parse_form
from tests.hostile.conftest import Target
from tests.hostile.garbage import fixtures_of
from tests.hostile.routes import BY_NAME
from tests.integration import test_telegram as tg
from tests.integration import test_twilio as tw


async def refused(target: Target, route: str, body: bytes) -> dict[str, Any]:
    """Deliver ``body`` correctly signed; it must be a 400 that wrote nothing. Its error."""
    before = await target.snapshot()
    hook = BY_NAME[route]
    headers = {**hook.signed(target.shop, body), "Content-Type": "application/json"}
    response = await target.client.post(hook.path(target.shop), data=body, headers=headers)
    answer: dict[str, Any] = await response.json()
    assert response.status == 400, answer
    assert await target.snapshot() == before
    error: dict[str, Any] = answer["error"]
    return error


def instagram_text(text_json: str) -> bytes:
    """Instagram's text fixture with its message text replaced by the raw JSON string ``text_json``."""
    payload = fixtures_of("instagram")[0]
    payload["entry"][0]["messaging"][0]["message"]["text"] = "@@TEXT@@"
    return json.dumps(payload).replace('"@@TEXT@@"', text_json).encode()


def command(text: str, **message: Any) -> dict[str, Any]:
    update = tg.command(text)
    update["message"].update(message)
    return update


@pytest.mark.parametrize(
    ("route", "body"),
    [
        ("instagram", b'{"object":"instagram","entry":[{"messaging":[' + b"[" * 5000 + b"]" * 5000 + b"]}]}"),
        ("telegram", b'{"update_id":1,"message":' + b'{"a":' * 5000 + b"1" + b"}" * 5001),
    ],
    ids=["instagram", "telegram"],
)
async def test_json_nested_deeper_than_the_decoder_allows_is_malformed(
    target: Target, route: str, body: bytes
) -> None:
    error = await refused(target, route, body)

    assert error == {"code": "malformed", "message": "the body is nested too deeply"}


async def test_an_instagram_message_with_a_lone_surrogate_is_malformed(target: Target) -> None:
    error = await refused(target, "instagram", instagram_text('"where is \\ud800 my order"'))

    assert error["code"] == "malformed"
    assert "surrogate" in error["message"]


async def test_a_telegram_command_with_a_lone_surrogate_is_malformed(target: Target) -> None:
    body = json.dumps(command("/order 1001")).replace("/order 1001", "/order 1001\\udfff").encode()

    error = await refused(target, "telegram", body)

    assert "surrogate" in error["message"]


@pytest.mark.parametrize(
    ("update", "field"),
    [
        (command("/help", entities=[{"offset": 0, "length": "5", "type": "bot_command"}]), "length"),
        (command("/help", chat={"id": 2**70, "type": "private"}), "message.chat.id"),
        (command("/help", message_id=True), "message.message_id"),
        ({"update_id": 7, "callback_query": {"id": "1", "from": {"id": "5012345678"}}}, "from.id"),
    ],
    ids=["entity-length-text", "chat-id-over-64-bits", "message-id-bool", "user-id-text"],
)
async def test_a_telegram_update_of_the_wrong_shape_is_malformed_not_retried(
    target: Target, update: dict[str, Any], field: str
) -> None:
    error = await refused(target, "telegram", json.dumps(update).encode())

    assert error["code"] == "malformed"
    assert field in error["message"]


@pytest.mark.parametrize("route", ["instagram", "telegram"])
async def test_numbers_json_cannot_carry_are_malformed(target: Target, route: str) -> None:
    for body in (b'{"update_id":' + b"9" * 5000 + b"}", b'{"update_id":NaN,"object":"instagram"}'):
        error = await refused(target, route, body)

        assert error == {"code": "malformed", "message": "the body is not valid JSON"}


def far_future(route: str) -> bytes:
    """A delivery the route would take, stamped in the year 9999."""
    match route:
        case "orders":
            order = {**fixtures_of("orders")[0]["order"], "updated_at": "9999-12-31T23:59:59Z"}
            return json.dumps({"event": "order.updated", "order": order}).encode()
        case "shopify":
            return json.dumps(
                {**fixtures_of("shopify")[0], "updated_at": "9999-12-31T23:59:59-05:00"}
            ).encode()
    return json.dumps({**fixtures_of("woocommerce")[0], "date_modified_gmt": "9999-12-31T23:59:59"}).encode()


@pytest.mark.parametrize("route", ["orders", "shopify", "woocommerce"])
async def test_an_order_event_from_the_far_future_is_refused_so_it_cannot_freeze_the_order(
    target: Target, route: str
) -> None:
    before = await target.snapshot()
    hook = BY_NAME[route]
    body = far_future(route)
    headers = {**hook.signed(target.shop, body), "Content-Type": "application/json"}

    response = await target.client.post(hook.path(target.shop), data=body, headers=headers)

    answer = await response.json()
    assert response.status == 422, answer
    assert answer["error"]["details"][0]["field"].endswith("updated_at")
    assert await target.snapshot() == before


async def test_a_form_of_a_million_empty_fields_is_refused_without_hogging_the_process(
    target: Target,
) -> None:
    """Checking Twilio's signature over 349,000 empty fields took 2 s of CPU, stalling every request."""
    body = b"a=&" * 349_000
    hook = BY_NAME["twilio-messages"]
    headers = {
        hook.signature_header: "bm90IGEgc2lnbmF0dXJl",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    started = time.process_time()  # this process runs the server: CPU it spent, whatever the machine's load

    response = await target.client.post(hook.path(target.shop), data=body, headers=headers)

    assert response.status == 403
    assert time.process_time() - started < 0.5


def test_a_twilio_form_is_read_up_to_its_field_limit() -> None:
    assert len(parse_form(b"&".join(b"f%d=1" % n for n in range(MAX_FORM_FIELDS)))) == MAX_FORM_FIELDS
    with pytest.raises(ValueError, match="Max number of fields"):
        parse_form(b"&".join(b"f%d=1" % n for n in range(MAX_FORM_FIELDS + 1)))


@given(st.text(alphabet="ab=&+%;#?/ \n\x00é😀0123456789ABCDEFZz", max_size=60))
def test_a_twilio_form_is_read_as_the_standard_library_reads_it(text: str) -> None:
    """Including what no provider sends: a field the signature check reads differently is a wrong check."""
    assert list(parse_form(text.encode()).items()) == parse_qsl(text, keep_blank_values=True)


def test_a_twilio_form_kept_for_the_signature_check_cannot_be_changed_by_its_reader(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    parsed: list[bytes] = []

    def counted(body: bytes) -> MultiMapping[str]:
        parsed.append(body)
        return parse_form(body)

    monkeypatch.setattr(twilio, "parse_form", counted)
    params = tw.fixture("sms_inbound")
    body = urlencode(params).encode()
    hook = WebhookRequest(f"{tw.PUBLIC_URL}{tw.MESSAGES}", {SIGNATURE_HEADER: tw.signature(params)}, body)
    [message] = open_twilio(auth_token=tw.AUTH_TOKEN, clock=lambda: datetime.now(UTC)).read(hook) or []
    assert parsed == [body]  # the signature check's parse, reused by the reading
    assert isinstance(message, InboundMessage) and message.provider_id == params["MessageSid"]

    form = parse_form(b"MessageSid=SM1&Body=hi&Body=there")
    assert form.getall("Body") == ["hi", "there"]
    with pytest.raises(TypeError):
        form["Body"] = "changed"  # type: ignore[index]
