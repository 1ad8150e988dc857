"""The answer links of a satisfaction request by email: signed per order and score, answered once.

``GET /csat/{token}`` shows the score the link stands for with an optional comment and a Send button;
``POST /csat/{token}`` records it and thanks the customer. Opening a link records nothing: mail scanners
and link previews open every link in a message, and would otherwise answer 1 for everyone. A token is a
JWT (HS256) over the shop, the order and the score, signed with a key derived from ``ORDERBOT_SECRET_KEY``
for this use only (so it is never an API token, nor an API token one of these), valid as long as the
request takes answers. The order's request takes one answer: a second use is refused (409), and so is a
changed or expired token (400 / 410). Pages are small, self-contained HTML with the desk's strict headers.
"""

from __future__ import annotations

import hashlib
import hmac
import html
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import jwt
from aiohttp import web

from bot.satisfaction_asks import SurveyLink
from orders import satisfaction
from orders.model import Order, ShopId
from orders.store import NotFound
from webhooks.desk.routes import SECURITY_HEADERS
from webhooks.keys import CLOCK, DATABASE, SECRET_KEYS, SURVEY_ANSWERS

_ALGORITHM = "HS256"
_PURPOSE = b"orderbot satisfaction links"
PATH = "/csat/{token}"
#: A comment typed on the page is kept as long as one sent by chat.
MAX_FORM_BYTES = 4096


def _key(secret: str) -> bytes:
    """The links' own key, derived from the service's: a link and an API token never verify as each other."""
    return hmac.new(secret.encode(), _PURPOSE, hashlib.sha256).digest()


def issue(secret: str, order: Order, score: int, now: datetime) -> str:
    claims = {
        "typ": "csat",
        "shop_id": order.shop_id,
        "order_id": order.id,
        "score": score,
        "exp": now + satisfaction.EMAIL_ANSWER_WINDOW,
    }
    return jwt.encode(claims, _key(secret), algorithm=_ALGORITHM)


class BadLink(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def read(secrets: Sequence[str], token: str, now: datetime) -> dict[str, Any]:
    """The claims of a link any of the keys signed, unexpired at ``now`` (the service's clock); BadLink
    (400, or 410 when expired) otherwise."""
    for secret in secrets:
        try:
            claims: dict[str, Any] = jwt.decode(
                token, _key(secret), algorithms=[_ALGORITHM],
                options={"require": ["typ", "shop_id", "order_id", "score", "exp"], "verify_exp": False},
            )  # fmt: skip
        except jwt.InvalidSignatureError:
            continue
        except jwt.InvalidTokenError:
            break
        score, expires = claims.get("score"), claims.get("exp")
        if claims.get("typ") != "csat" or not isinstance(score, int) or score not in range(1, 6):
            break
        if not isinstance(expires, int) or now.timestamp() >= expires:
            raise BadLink(410, "This link has expired.")
        return claims
    raise BadLink(400, "This link is not valid.")


def link_maker(base_url: str, secret: str, clock: Callable[[], datetime]) -> SurveyLink:
    """The planner's email links: ``<public URL>/csat/<token>``, one per score."""

    def link(order: Order, score: int) -> str:
        return f"{base_url.rstrip('/')}/csat/{issue(secret, order, score, clock())}"

    return link


def _page(title: str, body: str, status: int = 200) -> web.Response:
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        '<body style="font-family: sans-serif; max-width: 32rem; margin: 2rem auto; padding: 0 1rem;">'
        f"<h1>{html.escape(title)}</h1>{body}</body></html>\n"
    )
    headers = {**SECURITY_HEADERS, "Content-Security-Policy": _CSP, "Cache-Control": "no-store"}
    return web.Response(text=document, status=status, content_type="text/html", headers=headers)


#: No script, no style sheets, no frames; the one form posts back here.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"


async def _claims(request: web.Request) -> dict[str, Any]:
    keys: tuple[str, ...] = request.config_dict[SECRET_KEYS]
    return read(keys, request.match_info["token"], request.config_dict[CLOCK]())


async def show(request: web.Request) -> web.Response:
    """The score the link stands for, a comment box and a Send button; nothing is recorded yet."""
    try:
        claims = await _claims(request)
    except BadLink as bad:
        return _page("Sorry", f"<p>{html.escape(str(bad))}</p>", bad.status)
    score = claims["score"]
    stars = "★" * score + "☆" * (5 - score)
    form = (
        f'<p style="font-size: 2rem" aria-label="{score} out of 5">{stars}</p>'
        '<form method="post"><p><label for="comment">Anything you would like to add? (optional)</label><br>'
        f'<textarea id="comment" name="comment" rows="4" maxlength="{satisfaction.MAX_COMMENT}" '
        'style="width: 100%"></textarea></p>'
        f'<p><button type="submit" style="font-size: 1.2rem">Send my {score} out of 5</button></p></form>'
    )
    return _page("How was your order?", form)


async def answer(request: web.Request) -> web.Response:
    """Record the link's score (and the comment typed) once: 409 when the request was answered already."""
    try:
        claims = await _claims(request)
    except BadLink as bad:
        return _page("Sorry", f"<p>{html.escape(str(bad))}</p>", bad.status)
    if request.content_length is not None and request.content_length > MAX_FORM_BYTES:
        return _page("Sorry", "<p>That comment is too long.</p>", 413)
    form = await request.post()
    comment = form.get("comment")
    text = comment.strip() if isinstance(comment, str) else None
    try:
        shop = await request.config_dict[DATABASE].shops.get(ShopId(str(claims["shop_id"])))
        order = await request.config_dict[SURVEY_ANSWERS].answer_by_link(
            shop, str(claims["order_id"]), claims["score"], text or None
        )
    except NotFound:
        return _page("Sorry", "<p>This link is not valid.</p>", 400)
    if order is None:
        return _page("Already answered", "<p>This order's feedback was given already. Thank you!</p>", 409)
    words = (
        "Thank you for telling us. A person from our team will get back to you."
        if claims["score"] <= 2
        else ""
    )
    return _page("Thank you for your feedback!", f"<p>{html.escape(words)}</p>" if words else "")


def add_routes(app: web.Application) -> None:
    app.router.add_get(PATH, show)
    app.router.add_post(PATH, answer)


__all__ = ["PATH", "BadLink", "add_routes", "issue", "link_maker", "read"]
