"""The id of the request (or delivery) that caused the work in progress.

Set by the web layer for each HTTP request and by the notifier for each entry it sends; records written
meanwhile carry it (an outbox entry's ``request_id``) and every log line names it. It is plain data, so
this package stays free of HTTP.
"""

from __future__ import annotations

from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def current_request_id() -> str | None:
    """The request id of the work in progress, if any."""
    return request_id.get()


__all__ = ["current_request_id", "request_id"]
