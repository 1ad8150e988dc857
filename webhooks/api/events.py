"""``GET /api/v1/events``: the token's shop's changes as Server-Sent Events (or, without
``Accept: text/event-stream``, as one JSON page), and ``POST /api/v1/events/ticket`` for an EventSource.

Each event's id is its number in the shop's feed (``orders.store.feed``), given by the database in commit
order, so ``Last-Event-ID`` (or ``?last_event_id=``, for a new EventSource) resumes exactly after it: the
events missed come first, then ``ready`` with ``resumed: true``. A first connection, or a position the feed
no longer keeps, gets ``ready`` with ``resumed: false``: reload what you show. Idle streams carry a comment
line every ``ORDERBOT_LIVE_HEARTBEAT_SECONDS``; a stream ends after ``ORDERBOT_LIVE_STREAM_SECONDS`` and the
desk reconnects (told so by a ``renew`` event). Only the token's shop is ever read: the shop id comes from
the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json

from aiohttp import web
from aiohttp_sse import EventSourceResponse

from webhooks.api.routes import SHOP, routes
from webhooks.api.schemas.live import EventOut, EventsOut, EventsQuery, TicketOut
from webhooks.keys import DATABASE, LIVE_HUB, PRINCIPAL, SECRET_KEY, SETTINGS
from webhooks.live.hub import Ready, Stream
from webhooks.live.tickets import STREAM_PATH, TICKET_SECONDS, issue_ticket
from webhooks.middleware import ApiError

#: What an EventSource waits before it reconnects after a stream ended or broke.
RECONNECT_MS = 1000


@routes.get("/events", "The shop's changes, live (Server-Sent Events)", role="staff", query=EventsQuery,
            response=EventsOut, errors=(400,))  # fmt: skip
async def events(request: web.Request) -> web.StreamResponse:
    """With `Accept: text/event-stream`: a stream of `order`, `message`, `delivery` and `alert` events, each
    `{id, event, data}` with ids and states only. A browser's EventSource authenticates with `?ticket=`
    from `POST /events/ticket`. Without it: one JSON page of the events after `Last-Event-ID`.
    """
    query = EventsQuery.model_validate(dict(request.query))
    after = _position(request.headers.get("Last-Event-ID") or query.last_event_id)
    if "text/event-stream" not in request.headers.get("Accept", ""):
        window = await request.config_dict[DATABASE].feed.read(request[SHOP].id)
        page = window.after(after if after is not None else window.last)
        answer = EventsOut(
            events=[EventOut.of(e) for e in page.events], last_event_id=str(page.last), complete=page.complete
        )
        return web.Response(body=answer.model_dump_json(), content_type="application/json")
    settings = request.config_dict[SETTINGS]
    response = EventSourceResponse(ping_interval=settings.live_heartbeat_seconds)
    await response.prepare(request)
    async with response, request.config_dict[LIVE_HUB].stream(request[SHOP].id, after) as stream:
        await _relay(response, stream, settings.live_stream_seconds)
    return response


async def _relay(response: EventSourceResponse, stream: Stream, seconds: float) -> None:
    """Send the stream's events until it ends, the client goes, or ``seconds`` pass; then ``renew`` asks
    the desk to reconnect with a new ticket (the browser's own reconnection would bring the expired one, and
    a refusal counts against the abuse limits)."""
    closed = asyncio.ensure_future(response.wait())
    loop = asyncio.get_running_loop()
    ends = loop.time() + seconds
    try:
        while (left := ends - loop.time()) > 0:
            item = asyncio.ensure_future(stream.queue.get())
            done, _ = await asyncio.wait({item, closed}, timeout=left, return_when=asyncio.FIRST_COMPLETED)
            if item not in done:
                item.cancel()
                if not closed.done():
                    await response.send("{}", event="renew")
                return
            got = item.result()
            if got is None:
                return
            if isinstance(got, Ready):
                data = json.dumps({"last_event_id": str(got.last), "resumed": got.resumed})
                await response.send(data, id=None if got.resumed else str(got.last), event="ready",
                                    retry=RECONNECT_MS)  # fmt: skip
            else:
                await response.send(json.dumps(got.data), id=str(got.seq), event=got.kind)
    except (ConnectionResetError, TimeoutError):
        return
    finally:
        closed.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await closed


def _position(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(EventsQuery(last_event_id=raw).last_event_id or "")
    except ValueError:
        raise ApiError(400, "malformed", "Last-Event-ID is not an id this stream gave out") from None


@routes.post("/events/ticket", "A short-lived ticket that opens the event stream", role="staff",
             response=TicketOut)  # fmt: skip
async def events_ticket(request: web.Request) -> web.Response:
    """For a browser's EventSource, which cannot send the bearer token: valid 60 seconds, for
    `GET /events?ticket=` only, and only while the token that asked for it is valid."""
    ticket = issue_ticket(request.config_dict[SECRET_KEY], request[PRINCIPAL])
    answer = TicketOut(ticket=ticket, expires_in=TICKET_SECONDS, stream_url=f"{STREAM_PATH}?ticket={ticket}")
    return web.Response(body=answer.model_dump_json(), content_type="application/json")


__all__ = ["events", "events_ticket"]
