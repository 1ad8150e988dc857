"""Tracking aggregators (AfterShip, EasyPost): carrier news in by webhook, trackers registered by API.

Apart from ``shop_platforms`` on purpose: a shop platform tells the service what happened to an order, an
aggregator tells it where the order's parcel is. Both land on the same event path (``orders.usecases.ShopEvents``), so a
carrier's stage is applied, deduplicated and recovered exactly as a shop's shipment status is.
"""
