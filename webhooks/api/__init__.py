"""REST API v1: routes, wire schemas, the OpenAPI document and its docs page, shop settings and imports.

Each module of routes registers its operations on one table (``routes.routes``) when it is imported; the
sub-application is built here, after all of them, so the table is complete whoever builds it.
"""

from __future__ import annotations

from aiohttp import web

from webhooks.api import (
    alerts,
    analytics,
    conversations,
    estimates,
    events,
    imports,
    photos,
    promises,
    shop,
    templates,
)
from webhooks.api.routes import authenticate, routes

__all__ = ["build_api"]

_REGISTERED = (
    analytics,
    estimates,
    imports,
    photos,
    promises,
    shop,
    templates,
    alerts,
    events,
    conversations,
)


def build_api() -> web.Application:
    """The ``/api/v1`` sub-application: every operation registered on the table, behind token checks."""
    api = web.Application(middlewares=[authenticate])
    api.add_routes(routes.table)
    return api
