"""Instagram direct messages through Meta's Instagram API with Instagram Login.

Inbound: Meta POSTs the events (``channels.instagram_events`` reads them) signed with
``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed with the app secret>``.

Outbound: the Send API, ``POST {base}/{version}/{IG_ID}/messages`` (or ``/me/messages``) with
``{"recipient": {"id": IGSID}, "message": {"text": ..., "quick_replies"?: [{"content_type": "text",
"title", "payload"}]}}`` and the Instagram User access token as a bearer
token; Meta answers ``{"recipient_id", "message_id"}``. Free-form messages are allowed only within 24 hours
of the customer's last message, and their text is at most 1000 bytes of UTF-8. A message holds either text or
one attachment, so an image goes first as its own message, ``{"attachment": {"type": "image", "payload":
{"url": ...}}}`` (Meta fetches the URL: JPEG or PNG up to 8 MB), and the text after it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import aiohttp

from channels import signatures, wire
from channels.base import ChannelName, Limits, OutboundMessage, Receipt, SendError, WebhookRequest
from channels.instagram_events import Event, parse_payload

GRAPH_VERSION = "v26.0"
"""The current Graph API version (released 2026-07-29); graph.instagram.com follows Graph API versions."""

SIGNATURE_HEADER = "X-Hub-Signature-256"

LIMITS = Limits(max_length=1000, window_hours=24)
"""Text is at most 1000 (bytes of UTF-8); free-form sends only within 24 h of the customer's last message."""

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613})
RETRY_CODES = frozenset({1, 2, 1200})  # unknown error, service unavailable, temporary send failure
OUTSIDE_WINDOW = frozenset({(10, 2018278), (551, None)})


def sign(app_secret: str, body: bytes) -> str:
    """The ``X-Hub-Signature-256`` value Meta sends with ``body``."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def send_allowed(last_inbound: datetime | None, now: datetime, limits: Limits = LIMITS) -> bool:
    """Whether a free-form message may go out now: only within the window after the customer last wrote."""
    if limits.window_hours is None:
        return True
    if last_inbound is None:
        return False
    return now - last_inbound < timedelta(hours=limits.window_hours)


def graph_error(status: int, body: bytes) -> SendError:
    """A failed Send API answer as a SendError; ``code`` is Graph's ``code`` (``code/subcode`` when given)."""
    error: Mapping[str, Any] = {}
    try:
        parsed = json.loads(body)
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
            error = parsed["error"]
    except ValueError:
        pass
    code = error.get("code") if isinstance(error.get("code"), int) else None
    subcode = error.get("error_subcode") if isinstance(error.get("error_subcode"), int) else None
    message = str(error.get("message") or f"Graph API answered HTTP {status}")
    if code is None:
        return SendError(message, transient=status >= 500 or status == 429, code=f"http_{status}")
    label = f"{code}/{subcode}" if subcode is not None else str(code)
    if (code, subcode) in OUTSIDE_WINDOW or (code, None) in OUTSIDE_WINDOW:
        return SendError(f"outside the messaging window: {message}", transient=False, code=label)
    transient = status >= 500 or status == 429 or code in RATE_LIMIT_CODES or code in RETRY_CODES
    return SendError(message, transient=transient, code=label)


def _unanswered(exc: TimeoutError | aiohttp.ClientError, progress: wire.Progress) -> SendError:
    """No answer: transient when the request never went out, else ambiguous (Meta may have sent it)."""
    if wire.ambiguous(exc, progress):
        return SendError(
            f"no answer from the Graph API after the request was sent: {type(exc).__name__}",
            transient=False, code="ambiguous", ambiguous=True,
        )  # fmt: skip
    if isinstance(exc, TimeoutError):
        return SendError("could not connect to the Graph API in time", transient=True, code="timeout")
    return SendError(f"could not reach the Graph API: {exc}", transient=True, code="network")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name, ignoring case (HTTP/2 and some proxies lower-case them)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class InstagramChannel:
    """The Instagram adapter: verify and parse Meta's webhooks, send through the Graph Send API."""

    name = ChannelName.INSTAGRAM
    limits = LIMITS

    def __init__(
        self,
        *,
        session: aiohttp.ClientSession,
        app_secret: str | None,
        access_token: str | None,
        base_url: str = "https://graph.instagram.com",
        version: str = GRAPH_VERSION,
        timeout: float = 10.0,
    ) -> None:
        self._session = session
        self._app_secret = app_secret
        self._access_token = access_token
        self._base_url = base_url.rstrip("/")
        self._version = version
        # Connect and read timed apart, so a timeout tells whether the request went out (see channels.wire);
        # the total only bounds an answer that trickles in.
        self._timeout = aiohttp.ClientTimeout(total=3 * timeout, connect=timeout, sock_read=timeout)

    @property
    def configured(self) -> bool:
        """Whether webhooks can be verified (an app secret is set)."""
        return bool(self._app_secret)

    def verify(self, request: WebhookRequest) -> bool:
        header = _header(request.headers, SIGNATURE_HEADER)
        if not self._app_secret or header is None:
            return False
        # Meta sends lowercase hex; bytes that are not UTF-8 reach us as surrogates and never match
        return signatures.header_matches(sign(self._app_secret, request.body), header.lower())

    def parse(self, request: WebhookRequest) -> list[Event]:
        return parse_payload(request.body)

    def endpoint(self, account_id: str | None) -> str:
        """The Send API URL for the shop's Instagram account id (``me``, the token's account, if it is none)."""
        account = account_id if account_id and account_id.isdigit() else "me"
        return f"{self._base_url}/{self._version}/{account}/messages"

    async def send(self, message: OutboundMessage) -> Receipt:
        """Send the images (each its own message), then the text; the receipt is the text's.

        Once an image went out, a failure of what follows is ambiguous: sending the whole again would show
        the customer that image twice.
        """
        if not self._access_token:
            raise SendError("INSTAGRAM_ACCESS_TOKEN is not set", transient=False, code="not_configured")
        if message.template is not None:
            raise SendError("templates are not sent on Instagram", transient=False, code="unsupported")
        if not message.text.strip():
            raise SendError("the message is empty", transient=False, code="empty")
        if len(message.text.encode()) > self.limits.max_length:
            raise SendError(
                f"the text exceeds {self.limits.max_length} bytes", transient=False, code="text_too_long"
            )
        text: dict[str, Any] = {"text": message.text}
        if message.quick_replies:  # a tap posts the title as a message, with the payload beside it
            text["quick_replies"] = [
                {"content_type": "text", "title": title, "payload": payload}
                for title, payload in message.quick_replies
            ]
        parts: list[dict[str, Any]] = [
            {"attachment": {"type": "image", "payload": {"url": url}}} for url in message.media_urls
        ]
        parts.append(text)
        receipt = None
        for sent, part in enumerate(parts):
            try:
                receipt = await self._post(message, part)
            except SendError as exc:
                if sent == 0 or exc.ambiguous:
                    raise
                raise SendError(
                    f"an image went out, then the rest failed: {exc}", transient=False, code="partial",
                    ambiguous=True,
                ) from exc  # fmt: skip
        assert receipt is not None
        return receipt

    async def _post(self, message: OutboundMessage, content: dict[str, Any]) -> Receipt:
        body = {"recipient": {"id": message.to}, "message": content}
        headers = {"Authorization": f"Bearer {self._access_token}"}
        with wire.watch() as progress:
            try:
                async with self._session.post(
                    self.endpoint(message.sender), json=body, headers=headers, timeout=self._timeout
                ) as response:
                    raw = await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise _unanswered(exc, progress) from exc
        if status >= 300:
            raise graph_error(status, raw)
        return Receipt(provider_id=self._message_id(raw))

    @staticmethod
    def _message_id(raw: bytes) -> str:
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        if not isinstance(message_id, str) or not message_id:
            # The message may have gone out: retrying could send it twice.
            raise SendError("the Graph API answer has no message_id", transient=False, code="bad_answer")
        return message_id


__all__ = [
    "GRAPH_VERSION",
    "LIMITS",
    "SIGNATURE_HEADER",
    "InstagramChannel",
    "graph_error",
    "send_allowed",
    "sign",
]
