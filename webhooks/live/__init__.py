"""The desk's live updates: ``GET /api/v1/events`` (Server-Sent Events) over each shop's feed.

Changes are put on the shop's feed where they happen (``orders.store.feed``: orders, messages in and out,
delivery states, alerts), so every web process serves every change, whichever process made it. Here:
the hub that reads each shop's feed once per process for all its streams (``hub``), and the tickets an
EventSource opens a stream with (``tickets``). The routes are in ``webhooks.api.events``.
"""

from __future__ import annotations
