"""A stand-in for Twilio's Messages API, for the real twilio SDK pointed at it (``ORDERBOT_TWILIO_BASE_URL``).

``POST /2010-04-01/Accounts/{AccountSid}/Messages.json`` checks HTTP Basic auth against the account SID
and auth token, validates the fields as Twilio does (To, From, a body, media or template, one channel),
records every request, and answers 201 with a Message resource in Twilio's JSON shape (status
``queued``). Failures are scripted: ``fail_next(2, status=503)``, ``fail_next(status=400, code=21610)``,
``stall_next(5)``.

Content templates are checked as Twilio documents them: ``ContentVariables`` needs a ``ContentSid``
(21654), a ContentSid is ``HX`` and 32 hex digits and, once ``approve`` named some, one of those (21655),
and the variables are a JSON object of at most 100 non-empty strings under keys of up to 16 characters
(21656). With ``windows=True`` it keeps WhatsApp's 24-hour customer service windows: free text to a
WhatsApp number that has not written (``customer_wrote``) is refused with 63016, as Twilio does for
business-initiated free-form messages; templates always go.
"""

from __future__ import annotations

import asyncio
import base64
import hmac
import json
import re
import secrets
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from aiohttp import web
from multidict import CIMultiDictProxy, MultiDict, MultiDictProxy

API_VERSION = "2010-04-01"

#: Twilio's wording for the errors the stand-in gives.
ERRORS = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service Unavailable",
    21211: "The 'To' number is not a valid phone number.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21619: "A text message body or media urls must be specified.",
    21654: "A ContentSid must be specified if ContentVariables are provided in the request.",
    21655: "The ContentSid is Invalid",
    21656: "The ContentVariables Parameter is invalid",
    21910: "Invalid From and To pair. From and To should be of the same channel",
    63016: "Failed to send freeform message because you are outside the allowed window. "
    "If you want to send messages outside this window, please use a Template.",
}
_STATUS_CODES = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
_CONTENT_SID = re.compile(r"HX[0-9a-fA-F]{32}")
_MAX_VARIABLES, _MAX_KEY = 100, 16


@dataclass(frozen=True)
class SentRequest:
    """One request the stand-in received, as the SDK sent it."""

    account_sid: str
    form: MultiDictProxy[str]
    headers: CIMultiDictProxy[str]
    authorized: bool
    answered: int

    def __getitem__(self, name: str) -> str:
        return self.form[name]

    def get(self, name: str) -> str | None:
        return self.form.get(name)

    def getall(self, name: str) -> list[str]:
        return list(self.form.getall(name, []))


@dataclass(frozen=True)
class Scripted:
    status: int
    code: int | None
    message: str | None
    delay: float


class TwilioStandIn:
    def __init__(
        self, account_sid: str, auth_token: str, *, windows: bool = False, latency: float = 0.0
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.latency = latency  # seconds before every answer (after taking the message), as a distant API
        self.requests: list[SentRequest] = []
        self.windows = windows
        self._open: set[str] = set()
        self._approved: set[str] = set()
        self._script: deque[Scripted] = deque()

    def approve(self, *content_sids: str) -> None:
        """Content templates WhatsApp approved; once any are named, other ContentSids are refused."""
        self._approved.update(content_sids)

    def customer_wrote(self, number: str) -> None:
        """Open the 24-hour window of a WhatsApp number (``+4915...``), as an inbound message does."""
        self._open.add(number.removeprefix("whatsapp:"))

    def window_closed(self, number: str) -> None:
        self._open.discard(number.removeprefix("whatsapp:"))

    @property
    def created(self) -> list[SentRequest]:
        """The requests that created a message."""
        return [request for request in self.requests if request.answered == 201]

    def fail_next(
        self, times: int = 1, *, status: int = 503, code: int | None = None, message: str | None = None
    ) -> None:
        """Answer the next ``times`` authorised requests with this error (Twilio's JSON error body)."""
        for _ in range(times):
            self._script.append(Scripted(status, code or _STATUS_CODES.get(status), message, 0.0))

    def stall_next(self, seconds: float, times: int = 1) -> None:
        """Wait ``seconds`` before answering the next ``times`` requests (for client timeouts)."""
        for _ in range(times):
            self._script.append(Scripted(201, None, None, seconds))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(f"/{API_VERSION}/Accounts/{{account_sid}}/Messages.json", self._create)
        return app

    def _authorized(self, request: web.Request) -> bool:
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return False
        return hmac.compare_digest(user, self.account_sid) and hmac.compare_digest(password, self.auth_token)

    async def _create(self, request: web.Request) -> web.Response:
        account_sid = request.match_info["account_sid"]
        form = await request.post()
        fields = MultiDictProxy(MultiDict((key, str(value)) for key, value in form.items()))
        authorized = self._authorized(request)
        answer = self._answer(account_sid, fields, authorized)
        scripted = self._script.popleft() if authorized and self._script else None
        if scripted is not None and scripted.status >= 400:
            answer = error(scripted.status, scripted.code, scripted.message)
        # Recorded (the message taken) on arrival, as Twilio does: a client that stops waiting for the
        # answer does not undo it.
        self.requests.append(SentRequest(account_sid, fields, request.headers, authorized, answer.status))
        await asyncio.sleep(self.latency + (scripted.delay if scripted is not None else 0.0))
        return answer

    def _answer(self, account_sid: str, form: MultiDictProxy[str], authorized: bool) -> web.Response:
        if not authorized:
            return error(401, 20003)
        if account_sid != self.account_sid:
            return error(404, 20404)
        to, sender = form.get("To", ""), form.get("From", "")
        if not to:
            return error(400, 21604)
        if not sender and not form.get("MessagingServiceSid"):
            return error(400, 21603)
        if sender and to.startswith("whatsapp:") != sender.startswith("whatsapp:"):
            return error(400, 21910)
        if not to.removeprefix("whatsapp:").startswith("+"):
            return error(400, 21211)
        if refused := self._content_error(form):
            return error(400, refused)
        if not (form.get("Body") or form.get("MediaUrl") or form.get("ContentSid")):
            return error(400, 21619)
        free_text = to.startswith("whatsapp:") and not form.get("ContentSid")
        if self.windows and free_text and to.removeprefix("whatsapp:") not in self._open:
            return error(400, 63016)
        return web.json_response(self.resource(account_sid, form), status=201)

    def _content_error(self, form: MultiDictProxy[str]) -> int | None:
        """Twilio's error code for a malformed content template request, or None."""
        sid, variables = form.get("ContentSid"), form.get("ContentVariables")
        if sid is None:
            return 21654 if variables is not None else None
        if not _CONTENT_SID.fullmatch(sid) or (self._approved and sid not in self._approved):
            return 21655
        if variables is None:
            return None
        try:
            values = json.loads(variables)
        except ValueError:
            return 21656
        if not isinstance(values, dict) or len(values) > _MAX_VARIABLES:
            return 21656
        for key, value in values.items():
            if len(key) > _MAX_KEY or not isinstance(value, str) or not value:
                return 21656
        return None

    def resource(self, account_sid: str, form: MultiDictProxy[str]) -> dict[str, Any]:
        """A Message resource as Twilio answers a create: queued, not yet sent or priced."""
        media = form.getall("MediaUrl", [])
        sid = ("MM" if media else "SM") + secrets.token_hex(16)
        now = format_datetime(datetime.now(UTC))
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{sid}"
        return {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": form.get("Body", ""),
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": str(len(media)),
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "accepted" if form.get("MessagingServiceSid") else "queued",
            "subresource_uris": {"media": f"{uri}/Media.json", "feedback": f"{uri}/Feedback.json"},
            "to": form.get("To"),
            "uri": f"{uri}.json",
        }


def error(status: int, code: int | None = None, message: str | None = None) -> web.Response:
    """Twilio's error body: ``{code, message, more_info, status}``."""
    body: dict[str, Any] = {
        "code": code,
        "message": message or ERRORS.get(code or 0, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}" if code else None,
        "status": status,
    }
    return web.Response(text=json.dumps(body), status=status, content_type="application/json")
