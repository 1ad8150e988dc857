"""The hub's life: opened after the database, woken by this process's feed writes, closed at shutdown."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from webhooks.keys import DATABASE, LIVE_HUB, SETTINGS
from webhooks.live.hub import LiveHub

__all__ = ["setup"]


def setup(app: web.Application) -> None:
    """Open the hub after the database; end its streams when the server starts stopping, since aiohttp
    waits for running handlers (an open stream never ends by itself) before it cleans up."""
    app.cleanup_ctx.append(_live_hub)
    app.on_shutdown.append(_end_streams)


async def _live_hub(app: web.Application) -> AsyncIterator[None]:
    db = app[DATABASE]
    app[LIVE_HUB] = hub = LiveHub(db.feed, poll_seconds=app[SETTINGS].live_poll_seconds)
    db.feed.listen(hub.wake)
    yield
    await hub.close()


async def _end_streams(app: web.Application) -> None:
    if LIVE_HUB in app:
        await app[LIVE_HUB].close()
