"""Who may use which API operation: each declares the least role it needs, and that is enforced here.

The roles (DESIGN.md): ``staff`` runs the order desk; ``admin`` may do that too, and changes how the shop runs
(its settings, message texts and tokens): changing the shop's settings (``PATCH /shop``) and replacing or
resetting a message text are admin's (reading and previewing them is staff's); every other operation of
REST API v1 is order-desk work: reading orders, the attention queue, the stats and the shop's name and
timezone; creating orders, changing their
status (backwards too, with ``force``), queueing notifications and follow-ups, and letting the shop's rules
move an order on. Bulk actions are the same three actions over up to 100 orders, and staff run them from
Telegram as well; auto-progress applies the shop's rules without changing them, while switching
auto-progression on or off, and its rules, are settings, so admin's.

An operation's role is declared once, where the route is registered (``ApiRoutes``): it is checked here,
stated in the OpenAPI document and walked by the tests from there.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TypeVar, cast

from aiohttp import web

from webhooks.access.auth import AuthError, Role, RoleRefused, may
from webhooks.keys import PRINCIPAL

H = TypeVar("H", bound=Callable[[web.Request], Awaitable[web.StreamResponse]])


def requiring(needed: Role, handler: H) -> H:
    """``handler``, answering only a token whose role may use what needs ``needed``.

    The check runs after authentication (which sets the principal) and before the handler reads anything:
    a refused request has done nothing. A route served without authentication refuses every request.
    """

    @functools.wraps(handler)
    async def checked(request: web.Request) -> web.StreamResponse:
        principal = request.get(PRINCIPAL)
        if principal is None:
            raise AuthError("no token was checked for this route")
        if not may(principal.role, needed):
            raise RoleRefused(principal.role, needed)
        return await handler(request)

    return cast(H, checked)
