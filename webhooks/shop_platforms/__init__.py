"""Shop platforms' order events: the shop's own JSON, Shopify and WooCommerce, parsed and routed in.

Apart from ``channels/`` on purpose: a chat channel carries messages to and from people, a shop platform
tells the service what happened to an order.

- ``generic``: ``POST /webhooks/orders/{shop_id}``, the shop's own signed JSON;
- ``routes``: ``POST /webhooks/shopify/{shop_id}`` and ``/webhooks/woocommerce/{shop_id}``;
- ``deliveries``: the steps every one of these routes takes (signed body, parse, count, answer);
- ``shopify``: a Shopify delivery's headers, signature, dedupe key and test mark;
- ``shopify_orders``: a Shopify order and how it maps onto ours;
- ``woocommerce``: a WooCommerce delivery and its order;
- ``platform_orders``: what the Shopify and WooCommerce adapters read alike.
"""
