"""Garbage where bodies are not: Meta's GET subscription check and the shop id in the shop routes' paths.

Query values and path segments are random bytes, percent-encoded, so they may decode to text that is not
UTF-8, NUL, or nothing at all. The challenge is echoed only for ``subscribe`` with the verify token, and
nothing is ever written.
"""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yarl import URL

from tests.hostile.conftest import Target
from tests.integration import test_instagram as ig

HOSTILE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

junk = st.binary(max_size=64) | st.sampled_from([b"\xff", b"\xed\xa0\x80", b"\x00", b"\xe2\x80\xae", b""])
keys = st.sampled_from([b"hub.mode", b"hub.verify_token", b"hub.challenge"]) | junk
values = junk | st.sampled_from([b"subscribe", ig.VERIFY_TOKEN.encode()])


def encoded(pairs: list[tuple[bytes, bytes]]) -> str:
    return "&".join(f"{quote_from_bytes(key)}={quote_from_bytes(value)}" for key, value in pairs)


@HOSTILE
@given(pairs=st.lists(st.tuples(keys, values), max_size=6))
async def test_the_subscription_check_answers_garbage_with_403_or_400(
    target: Target, pairs: list[tuple[bytes, bytes]]
) -> None:
    before = await target.snapshot()
    first = {key: value for key, value in reversed(pairs)}  # the first of repeated parameters counts
    subscribed = (
        first.get(b"hub.mode") == b"subscribe" and first.get(b"hub.verify_token") == ig.VERIFY_TOKEN.encode()
    )

    response = await target.client.get(URL("/webhooks/instagram?" + encoded(pairs), encoded=True))

    if not subscribed:
        assert response.status == 403
    elif first.get(b"hub.challenge"):
        assert response.status == 200
        assert response.content_type == "text/plain"
    else:
        assert response.status == 400
    assert await target.snapshot() == before


@pytest.mark.parametrize("platform", ["orders", "shopify", "woocommerce"])
@HOSTILE
@given(segment=junk.filter(bool))
async def test_a_shop_id_of_garbage_is_an_unknown_shop(target: Target, platform: str, segment: bytes) -> None:
    before = await target.snapshot()
    path = f"/webhooks/{platform}/{quote_from_bytes(segment, safe='')}"

    response = await target.client.post(URL(path, encoded=True), data=b"{}")

    assert response.status == 404, await response.text()
    assert await target.snapshot() == before
