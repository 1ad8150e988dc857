"""SMS and WhatsApp through Twilio: signed form webhooks in, the Messages API out.

The only module that imports the twilio SDK. One ``TwilioChannel`` per channel name shares the account's
auth token (webhook signatures) and one async HTTP client (``TwilioChannels`` holds both and closes it).
Reading a webhook's form is ``channels.twilio_forms``; WhatsApp addresses carry Twilio's ``whatsapp:``
prefix on the wire and plain E.164 numbers everywhere else.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import ClientError
from multidict import MultiMapping
from twilio.base.exceptions import (  # type: ignore[import-untyped]
    TwilioRestException,
    TwilioServiceException,
)
from twilio.http.async_http_client import AsyncTwilioHttpClient  # type: ignore[import-untyped]
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]
from twilio.rest import Client  # type: ignore[import-untyped]

from channels import wire
from channels.base import (
    ChannelName,
    DeliveryUpdate,
    InboundMessage,
    Limits,
    OutboundMessage,
    Receipt,
    SendError,
    WebhookRequest,
)
from channels.twilio_forms import STATES, WHATSAPP_PREFIX, channel_of, items_of, parse_form, plain

SIGNATURE_HEADER = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

#: Twilio takes bodies of up to 1,600 characters on both channels (error 21617 beyond); WhatsApp allows
#: free text only within 24 hours of the customer's last message, and approved templates outside it.
SMS_LIMITS = Limits(max_length=1600)
WHATSAPP_LIMITS = Limits(max_length=1600, window_hours=24, template_outside_window=True)

#: Refusals worth naming; every other 4xx is permanent too, 429 and 5xx are transient.
_PERMANENT = {
    "21211": "the 'To' number is not a valid phone number",
    "21610": "the recipient opted out of messages from this number (STOP)",
    "21614": "the 'To' number cannot receive SMS",
    "63016": "outside the WhatsApp 24-hour window: only a template can be sent",
}
_TRANSIENT_CODES = {"20429", "20503"}


def mask(address: str) -> str:
    """A phone number fit for logs: ``+49…4567``."""
    return f"{address[:3]}…{address[-4:]}" if len(address) > 8 else "…"


def _header(request: WebhookRequest, name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in request.headers.items() if key.lower() == wanted), None)


class TwilioChannel:
    """One Twilio channel (``sms`` or ``whatsapp``): verify and parse its webhooks, send its messages."""

    def __init__(
        self,
        name: ChannelName,
        *,
        auth_token: str,
        clock: Callable[[], datetime],
        client: Any = None,
        status_callback: str | None = None,
        timeout: float = 10.0,
    ) -> None:
        if name not in (ChannelName.SMS, ChannelName.WHATSAPP):
            raise ValueError(f"Twilio does not carry {name}")
        self.name = name
        self.limits = WHATSAPP_LIMITS if name is ChannelName.WHATSAPP else SMS_LIMITS
        self._validator = RequestValidator(auth_token)
        self._clock = clock
        self._client = client
        self._status_callback = status_callback
        self._timeout = timeout

    def verify(self, request: WebhookRequest) -> bool:
        """Whether ``X-Twilio-Signature`` is the auth token's HMAC of the public URL and the form fields."""
        return self.verified_form(request) is not None

    def verified_form(self, request: WebhookRequest) -> MultiMapping[str] | None:
        """The request's form fields when its signature holds (the fields it was checked over), else None."""
        signature = _header(request, SIGNATURE_HEADER)
        if not signature:
            return None
        try:
            form = parse_form(request.body)
        except ValueError:
            return None
        return form if self._validator.validate(request.url, form, signature) else None

    def parse(self, request: WebhookRequest) -> list[InboundMessage | DeliveryUpdate]:
        """An incoming message, or a status callback's update (none for statuses without meaning here)."""
        return self.read_form(parse_form(request.body))

    def read_form(self, form: MultiMapping[str]) -> list[InboundMessage | DeliveryUpdate]:
        """What a form of this channel carries; ValueError when it is another channel's or malformed."""
        if channel_of(form) is not self.name:
            raise ValueError(f"not a {self.name} message")
        return items_of(form, self.name, self._clock)

    async def send(self, message: OutboundMessage) -> Receipt:
        """Create the message at Twilio; SendError (transient or not, with Twilio's code) when refused."""
        if self._client is None:
            raise SendError("Twilio is not configured (no account SID)", transient=False)
        request = self._request(message)
        with wire.watch() as progress:
            try:
                async with asyncio.timeout(self._timeout):
                    created = await self._client.messages.create_async(**request)
            except (TwilioRestException, TwilioServiceException) as exc:
                raise _send_error(exc) from exc
            except (TimeoutError, ClientError) as exc:
                if wire.ambiguous(exc, progress):  # Twilio may have taken it: a resend could send it twice
                    raise SendError(
                        f"no answer from Twilio after the request was sent: {type(exc).__name__}",
                        transient=False, code="ambiguous", ambiguous=True,
                    ) from exc  # fmt: skip
                raise SendError(f"Twilio unreachable: {type(exc).__name__}", transient=True) from exc
        return Receipt(provider_id=str(created.sid), state=STATES.get(str(created.status), "queued"))

    def _request(self, message: OutboundMessage) -> dict[str, Any]:
        if message.channel is not self.name:
            raise ValueError(f"a {message.channel} message given to the {self.name} channel")
        request: dict[str, Any] = {"to": self._address(message.to), "from_": self._address(message.sender)}
        if self._status_callback:
            request["status_callback"] = self._status_callback
        if message.template is not None:
            request["content_sid"] = message.template.content_sid
            if message.template.variables:
                request["content_variables"] = json.dumps(dict(message.template.variables))
            return request  # a template carries its own text: Body and MediaUrl are left out
        if len(message.text) > self.limits.max_length:
            raise SendError(f"the text is over {self.limits.max_length} characters", transient=False)
        if not message.text and not message.media_urls:
            raise SendError("nothing to send: no text, media or template", transient=False)
        if message.text:
            request["body"] = message.text
        if message.media_urls:
            request["media_url"] = list(message.media_urls)
        return request

    def _address(self, number: str) -> str:
        number = plain(number)
        return f"{WHATSAPP_PREFIX}{number}" if self.name is ChannelName.WHATSAPP else number


def _send_error(exc: TwilioRestException | TwilioServiceException) -> SendError:
    status = int(exc.status or 0)
    code = str(exc.code) if exc.code and exc.code != status else None
    transient = status == 429 or status >= 500 or code in _TRANSIENT_CODES
    reason = _PERMANENT.get(code or "") or getattr(exc, "msg", None) or getattr(exc, "title", "")
    return SendError(f"Twilio refused the message ({status}): {reason}", transient=transient, code=code)


@dataclass
class TwilioChannels:
    """Both Twilio channels, over one auth token and one HTTP client."""

    sms: TwilioChannel
    whatsapp: TwilioChannel
    http: Any = None

    def get(self, name: ChannelName) -> TwilioChannel:
        return self.whatsapp if name is ChannelName.WHATSAPP else self.sms

    def verify(self, request: WebhookRequest) -> bool:
        return self.sms.verify(request)  # one auth token signs both channels' webhooks

    def parse(self, request: WebhookRequest) -> list[InboundMessage | DeliveryUpdate]:
        """The request's messages, parsed by the channel its addresses belong to."""
        form = parse_form(request.body)
        return self.get(channel_of(form)).read_form(form)

    def read(self, request: WebhookRequest) -> list[InboundMessage | DeliveryUpdate] | None:
        """``verify`` and ``parse`` in one: None when the signature does not hold, ValueError when the
        request is malformed. The body is parsed once, and what is read is what the signature covered."""
        form = self.sms.verified_form(request)  # one auth token signs both channels' webhooks
        if form is None:
            return None
        return self.get(channel_of(form)).read_form(form)

    async def close(self) -> None:
        if self.http is not None:
            await self.http.close()

    @property
    def closed(self) -> bool:
        session = getattr(self.http, "session", None)
        return session is None or bool(session.closed)


def open_twilio(
    *,
    auth_token: str,
    clock: Callable[[], datetime],
    account_sid: str | None = None,
    base_url: str | None = None,
    status_callback: str | None = None,
    timeout: float = 10.0,
) -> TwilioChannels:
    """Both channels; they can send only with an account SID. Call inside the event loop; ``close`` after."""
    http = client = None
    if account_sid:
        http = AsyncTwilioHttpClient(trace_configs=[wire.trace_config()])  # tells sent from not sent
        # A non-empty environment keeps the SDK from reading TWILIO_* (region, edge) from os.environ.
        client = Client(account_sid, auth_token, http_client=http, environment={"ORDERBOT": "1"})
        if base_url:
            client.api.base_url = base_url.rstrip("/")

    def channel(name: ChannelName) -> TwilioChannel:
        return TwilioChannel(
            name,
            auth_token=auth_token,
            clock=clock,
            client=client,
            status_callback=status_callback,
            timeout=timeout,
        )

    return TwilioChannels(channel(ChannelName.SMS), channel(ChannelName.WHATSAPP), http)


__all__ = [
    "EMPTY_TWIML",
    "SIGNATURE_HEADER",
    "SMS_LIMITS",
    "WHATSAPP_LIMITS",
    "TwilioChannel",
    "TwilioChannels",
    "mask",
    "open_twilio",
]
