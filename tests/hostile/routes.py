"""Every webhook route, and how its provider signs a delivery: the only place the hostile tests sign bodies.

Each route signs with the integration tests' helpers and the adapters' own ``sign`` functions, so a
"correctly signed" body here is exactly what verification accepts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from channels import instagram
from channels.telegram import SECRET_HEADER
from channels.twilio import SIGNATURE_HEADER as TWILIO_HEADER
from channels.twilio_forms import parse_form
from orders.model import Shop
from tests.hostile.conftest import SHOPIFY_SECRET, WOO_SECRET
from tests.integration import test_instagram as ig
from tests.integration import test_telegram as tg
from tests.integration import test_twilio as tw
from webhooks.shop_platforms import generic as orders_webhook
from webhooks.shop_platforms import shopify, woocommerce

Headers = dict[str, str]


def twilio_signature(path: str, body: bytes) -> str:
    """Twilio's signature of a form body: over the public URL and the fields (none when it is not UTF-8)."""
    try:
        fields: Mapping[str, str] = parse_form(body)
    except ValueError:
        fields = {}
    return str(RequestValidator(tw.AUTH_TOKEN).compute_signature(f"{tw.PUBLIC_URL}{path}", fields))


@dataclass(frozen=True)
class Route:
    """A webhook route: its path for a shop, the header that proves a delivery, and how to make it."""

    name: str
    path_of: Callable[[Shop], str]
    signature_header: str
    sign: Callable[[Shop, str, bytes], str]  # (shop, path, body) -> header value
    extra: Headers  # what the provider always sends besides the signature (topics)

    def path(self, shop: Shop) -> str:
        return self.path_of(shop)

    def signed(self, shop: Shop, body: bytes) -> Headers:
        """The headers of a correctly signed delivery of ``body``."""
        path = self.path(shop)
        return {**self.extra, self.signature_header: self.sign(shop, path, body)}


ROUTES = [
    Route(
        "twilio-messages",
        lambda shop: tw.MESSAGES,
        TWILIO_HEADER,
        lambda shop, path, body: twilio_signature(path, body),
        {},
    ),
    Route(
        "twilio-status",
        lambda shop: tw.STATUS,
        TWILIO_HEADER,
        lambda shop, path, body: twilio_signature(path, body),
        {},
    ),
    Route(
        "instagram",
        lambda shop: "/webhooks/instagram",
        instagram.SIGNATURE_HEADER,
        lambda shop, path, body: instagram.sign(ig.APP_SECRET, body),
        {},
    ),
    Route(
        "telegram",
        lambda shop: "/webhooks/telegram",
        SECRET_HEADER,
        lambda shop, path, body: tg.SECRET,
        {},
    ),
    Route(
        "orders",
        lambda shop: f"/webhooks/orders/{shop.id}",
        orders_webhook.SIGNATURE_HEADER,
        lambda shop, path, body: orders_webhook.sign(shop.webhook_secret, body),
        {},
    ),
    Route(
        "shopify",
        lambda shop: f"/webhooks/shopify/{shop.id}",
        shopify.SIGNATURE_HEADER,
        lambda shop, path, body: shopify.sign(SHOPIFY_SECRET, body),
        {shopify.TOPIC_HEADER: "orders/updated"},
    ),
    Route(
        "woocommerce",
        lambda shop: f"/webhooks/woocommerce/{shop.id}",
        woocommerce.SIGNATURE_HEADER,
        lambda shop, path, body: woocommerce.sign(WOO_SECRET, body),
        {woocommerce.TOPIC_HEADER: "order.updated"},
    ),
]

BY_NAME = {route.name: route for route in ROUTES}
