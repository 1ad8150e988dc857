"""Generated garbage at every webhook route: never a 5xx, and nothing written unless it was signed.

Unsigned (or wrongly signed) deliveries must change nothing at all. Correctly signed garbage reaches the
parsers: it may be accepted when it happens to make sense, but a refusal (4xx) must have written nothing,
and no answer is ever a 5xx.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile.conftest import Target
from tests.hostile.garbage import bodies, content_types, header_values
from tests.hostile.routes import ROUTES, Route
from tests.integration import test_telegram as tg

HOSTILE = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)

by_route = pytest.mark.parametrize("route", ROUTES, ids=[route.name for route in ROUTES])


async def deliver(target: Target, route: Route, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    response = await target.client.post(route.path(target.shop), data=body, headers=headers)
    text = await response.text()
    assert response.status < 500, (response.status, text[:500])
    return response.status, text


def wrong_signatures(route: Route, target: Target, body: bytes) -> st.SearchStrategy[dict[str, str]]:
    """No signature, junk, another body's signature, or this body's signature under the wrong header."""
    other = route.signed(target.shop, body + b" ")
    if route.name == "telegram":  # its secret token signs no body: another body's would be valid
        other = {route.signature_header: tg.SECRET[::-1]}
    return st.one_of(
        st.just({}),
        header_values.map(lambda value: {route.signature_header: value}),
        st.just(other),
        st.just({"X-Signature": route.signed(target.shop, body)[route.signature_header]}),
    )


@by_route
@HOSTILE
@given(data=st.data())
async def test_unsigned_garbage_is_refused_and_writes_nothing(
    target: Target, route: Route, data: st.DataObject
) -> None:
    body = data.draw(bodies(route.name), label="body")
    headers = {**data.draw(wrong_signatures(route, target, body), label="signature")}
    if content_type := data.draw(content_types, label="content type"):
        headers["Content-Type"] = content_type
    before = await target.snapshot()

    status, text = await deliver(target, route, body, headers)

    # WooCommerce's unsigned ping is the one unsigned delivery answered 200, with nothing written.
    assert 400 <= status < 500 or (route.name == "woocommerce" and '"ignored":"ping"' in text), text[:500]
    assert await target.snapshot() == before


@by_route
@HOSTILE
@given(data=st.data())
async def test_signed_garbage_never_fails_and_a_refusal_writes_nothing(
    target: Target, route: Route, data: st.DataObject
) -> None:
    body = data.draw(bodies(route.name), label="body")
    headers = route.signed(target.shop, body)
    if content_type := data.draw(content_types, label="content type"):
        headers["Content-Type"] = content_type
    before = await target.snapshot()

    status, text = await deliver(target, route, body, headers)

    if status >= 400:
        assert '"error"' in text, text[:500]
        assert await target.snapshot() == before
