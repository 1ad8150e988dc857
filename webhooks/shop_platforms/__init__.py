"""Shop platforms' order events: the shop's own JSON, Shopify and WooCommerce, parsed and routed in.

Apart from ``channels/`` on purpose: a chat channel carries messages to and from people, a shop platform
tells the service what happened to an order.
"""
