"""Stream tickets: how a browser's EventSource, which cannot send an ``Authorization`` header, opens
``GET /api/v1/events``.

The desk asks ``POST /api/v1/events/ticket`` with its token and gets a ticket: a JWT signed with the
server's key, valid ``TICKET_SECONDS``, with the token's shop, role, subject and token id, and the audience
``AUDIENCE``. It goes in the stream's address (``?ticket=``), which a token never should: access logs, proxies
and the browser's history see addresses. A ticket seen there is worth little: it expires within a minute,
it opens only the stream (the audience makes every other route refuse it, and the stream refuses a token
without it), and the token's revocation still applies (its id is checked when the stream opens). Streams
last ``ORDERBOT_LIVE_STREAM_SECONDS`` at most, then the desk asks for a new ticket with its token, so a
revoked token loses its stream within that time. A cookie was the other way: it needs CSRF thought for
every route that would accept it, and the desk keeps its token out of cookies on purpose
(``webhooks/desk/static/api.js``).
"""

from __future__ import annotations

import time

import jwt

from webhooks.access.auth import ROLES, AuthError, Principal

#: The one route a ticket opens.
STREAM_PATH = "/api/v1/events"
#: How long a ticket opens a stream: enough to open one right after asking.
TICKET_SECONDS = 60
AUDIENCE = "orderbot:events"
_ALGORITHM = "HS256"


def issue_ticket(secret: str, principal: Principal, *, now: float | None = None) -> str:
    issued = time.time() if now is None else now
    claims = {
        "sub": principal.subject,
        "shop_id": principal.shop_id,
        "role": principal.role,
        "jti": principal.token_id,
        "aud": AUDIENCE,
        "iat": int(issued),
        "exp": int(issued) + TICKET_SECONDS,
    }
    return jwt.encode(claims, secret, algorithm=_ALGORITHM)


def verify_ticket(secrets: tuple[str, ...], ticket: str) -> Principal:
    """The principal of the token the ticket was issued for; AuthError for anything else."""
    for key in secrets:
        try:
            claims = jwt.decode(
                ticket, key, algorithms=[_ALGORITHM], audience=AUDIENCE,
                options={"require": ["sub", "shop_id", "role", "exp", "jti", "aud"]},
            )  # fmt: skip
        except jwt.InvalidSignatureError:
            continue
        except jwt.ExpiredSignatureError:
            raise AuthError("stream ticket expired; ask for a new one") from None
        except jwt.InvalidTokenError:
            raise AuthError("invalid stream ticket") from None
        if claims["role"] not in ROLES or not isinstance(claims["shop_id"], str):
            raise AuthError("invalid stream ticket")
        return Principal(
            subject=str(claims["sub"]), shop_id=claims["shop_id"], role=claims["role"],
            token_id=str(claims["jti"]),
        )  # fmt: skip
    raise AuthError("invalid stream ticket")


__all__ = ["AUDIENCE", "STREAM_PATH", "TICKET_SECONDS", "issue_ticket", "verify_ticket"]
