"""Email to customers through the shop's own SMTP server (outbound only).

``build_message`` is pure: it turns an ``OutboundMessage`` into a ``multipart/alternative``
``EmailMessage`` (plain text + HTML) with the headers that mail providers expect of bulk and
transactional senders (Message-ID, Date, From, Reply-To, List-Unsubscribe and, for an HTTPS URL,
RFC 8058 one-click unsubscribe). ``EmailChannel.send`` hands it to the shop's server with aiosmtplib
and maps every refusal to ``SendError``: 5xx replies are permanent (``code`` is the SMTP code), 4xx
replies, dropped connections and timeouts are transient, except that a timeout or dropped connection
once DATA went out is ambiguous (the server may have taken the message).

Email is outbound only: there is no webhook, so ``verify`` is always False and ``parse`` finds nothing.
Bounces that arrive later as delivery status notifications go to the shop's own mailbox; only refusals
during the SMTP conversation are seen (and recorded) here.
"""

from __future__ import annotations

import html
import re
import ssl
from collections.abc import Callable
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

import aiosmtplib

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
from orders.model import EmailSettings

__all__ = ["EmailChannel", "build_message", "text_to_html"]

#: Per network operation (connect, each command and reply), in seconds.
DEFAULT_TIMEOUT = 20.0

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_ATOM = r"[^\s\x00-\x1f\x7f@<>()\[\],;:\"\\.]+"
_ADDR_SPEC = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@{_ATOM}(?:\.{_ATOM})*")
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s@]+>")


def _address(addr_spec: str, display_name: str = "") -> Address:
    """A parsed address; ValueError for anything that is not exactly one plain ``local@domain``.

    Quoted local parts and domain literals are refused: no customer needs them, and the stdlib
    parser fails on some malformed ones with errors other than ValueError.
    """
    if not _ADDR_SPEC.fullmatch(addr_spec.strip()):
        raise ValueError(f"not an email address: {addr_spec!r}")
    try:  # internationalized domains as punycode, which every server takes
        parsed = Address(addr_spec=addr_spec.strip())
        domain = parsed.domain.encode("idna").decode("ascii")
    except ValueError as exc:  # UnicodeError and the parser's defects (a non-ASCII local part) included
        raise ValueError(f"not an email address: {addr_spec!r}") from exc
    return Address(display_name=display_name, username=parsed.username, domain=domain)


def _one_line(value: str) -> str:
    """Header text on one line: line breaks and runs of whitespace become single spaces."""
    return " ".join(value.split())


def text_to_html(text: str) -> str:
    """A small, safe HTML rendering of plain text: escaped, blank lines split paragraphs, newlines ``<br>``."""
    normalized = text.replace("\r\n", "\n").replace("\r", "\n").strip()
    paragraphs = [part for part in _PARAGRAPH_BREAK.split(normalized) if part.strip()]
    body = "\n".join("<p>" + html.escape(part).replace("\n", "<br>\n") + "</p>" for part in paragraphs)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head>\n'
        f'<body style="font-family: sans-serif; line-height: 1.5;">\n{body}\n</body></html>\n'
    )


def build_message(
    message: OutboundMessage,
    *,
    shop_name: str,
    settings: EmailSettings,
    now: datetime,
    message_id: str | None = None,
) -> EmailMessage:
    """The email for ``message``, ready for SMTP.

    Args:
        message: What to send; ``to`` is the customer's address. ``sender``, ``template`` and
            ``media_urls`` are not used: mail goes out from the shop's configured address. ``images`` are
            embedded: shown at the end of the HTML part, sent inline by Content-ID.
        shop_name: Shown as the From display name.
        settings: The shop's SMTP settings (from, reply-to, unsubscribe URL).
        now: The Date header (an aware datetime).
        message_id: The Message-ID header; a fresh one on the sender's domain when None.

    Raises:
        ValueError: ``to`` or the configured from/reply-to address is not a single valid address.
    """
    sender = _address(settings.from_address, _one_line(shop_name))
    recipient = _address(message.to)
    reply_to = _address(settings.reply_to) if settings.reply_to else None

    email = EmailMessage()
    email["Message-ID"] = message_id or make_msgid(domain=sender.domain)
    email["Date"] = format_datetime(now)
    email["From"] = sender
    email["To"] = recipient
    if reply_to is not None:
        email["Reply-To"] = reply_to
    email["Subject"] = _one_line(message.subject or "") or f"A message from {_one_line(shop_name)}"
    if message.reply_to_id and _MESSAGE_ID.fullmatch(message.reply_to_id):
        email["In-Reply-To"] = message.reply_to_id
        email["References"] = message.reply_to_id

    mailbox = (reply_to or sender).addr_spec
    unsubscribe = [f"<mailto:{mailbox}?subject=unsubscribe>"]
    url = settings.unsubscribe_url.strip() if settings.unsubscribe_url else ""
    if url:
        unsubscribe.insert(0, f"<{url}>")
    email["List-Unsubscribe"] = ", ".join(unsubscribe)
    if url.lower().startswith("https://"):  # RFC 8058 one-click needs an HTTPS URI
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"

    email.set_content(message.text)
    page = message.html or text_to_html(message.text)
    cids = [make_msgid(domain=sender.domain) for _ in message.images]
    if message.images:  # each image shown in the page where the text ends, sent inline by its Content-ID
        shown = "".join(
            f'<p><img src="cid:{cid[1:-1]}" alt="{html.escape(image.filename)}" style="max-width: 100%;"></p>\n'
            for cid, image in zip(cids, message.images, strict=True)
        )
        page = page.replace("</body>", shown + "</body>", 1) if "</body>" in page else page + shown
    email.add_alternative(page, subtype="html")
    if message.images:
        html_part = email.get_body(("html",))
        assert html_part is not None
        for cid, image in zip(cids, message.images, strict=True):
            maintype, _, subtype = image.content_type.partition("/")
            html_part.add_related(
                image.content, maintype=maintype, subtype=subtype, cid=cid, filename=image.filename,
                disposition="inline",
            )  # fmt: skip
    return email


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _reply_error(code: int, reply: str, what: str) -> SendError:
    detail = _one_line(reply)[:200]
    # 5xx: permanent (no such user, rejected, bad credentials). 4xx and anything odd: try again later.
    return SendError(f"{what}: {code} {detail}", transient=not 500 <= code < 600, code=str(code))


def _send_error(exc: Exception, *, after_data: bool = False) -> SendError:
    """The ``SendError`` for what aiosmtplib (or the network) raised while sending.

    ``after_data``: the DATA command had gone out. A server that answers refuses; one that times out or
    drops the connection from then on may have taken the message, so that is ambiguous.
    """
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused) and exc.recipients:
        refused = exc.recipients[0]
        return _reply_error(refused.code, refused.message, "recipient refused")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _reply_error(exc.code, exc.message, type(exc).__name__)
    if _caused_by(exc, ssl.SSLCertVerificationError):
        # The server's certificate does not verify: a setup problem that retrying will not fix.
        return SendError(f"TLS certificate not trusted: {exc}", transient=False, code="tls")
    # Refused or dropped connections and timeouts: aiosmtplib's are ConnectionError/TimeoutError, so OSError.
    if isinstance(exc, OSError) and after_data:
        return SendError(
            f"no answer from the mail server after the message was sent: {type(exc).__name__}",
            transient=False, code="ambiguous", ambiguous=True,
        )  # fmt: skip
    if isinstance(exc, OSError):
        return SendError(f"mail server unreachable: {exc}", transient=True)
    # STARTTLS or AUTH not offered, SMTPUTF8 needed but unsupported, a malformed host: the settings need fixing.
    return SendError(f"mail server cannot take this message: {exc}", transient=False)


class _Smtp(aiosmtplib.SMTP):
    """aiosmtplib's client, noting when the DATA command (the message itself) starts to go out."""

    data_started = False

    async def data(self, message: str | bytes, /, **kwargs: Any) -> aiosmtplib.SMTPResponse:
        self.data_started = True
        return await super().data(message, **kwargs)


class EmailChannel:
    """One shop's outbound email, through that shop's SMTP server.

    Args:
        shop_name: The From display name.
        settings: Host, port, security (``starttls``, ``tls`` or ``none``), credentials and addresses.
        timeout: Seconds allowed for each network step (connect, each command).
        tls_context: The TLS context to verify the server with; None uses the system's trusted
            certificates with hostname checks. Tests pass one that trusts their own certificate.
        clock: Now, for the Date header.
    """

    name = ChannelName.EMAIL
    limits = Limits(max_length=100_000)

    def __init__(
        self,
        shop_name: str,
        settings: EmailSettings,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        tls_context: ssl.SSLContext | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.shop_name = shop_name
        self.settings = settings
        self.timeout = timeout
        self.tls_context = tls_context
        self.clock = clock or (lambda: datetime.now(UTC))

    def verify(self, request: WebhookRequest) -> bool:
        """Always False: email is outbound only, so no request is ever ours."""
        return False

    def parse(self, request: WebhookRequest) -> list[InboundMessage | DeliveryUpdate]:
        """Always empty: email is outbound only."""
        return []

    async def send(self, message: OutboundMessage) -> Receipt:
        """Send ``message``; the receipt's ``provider_id`` is its Message-ID.

        Raises:
            SendError: permanent for an invalid address, a 5xx reply or an untrusted certificate
                (``code`` is the SMTP code, or ``invalid_address``/``tls``); transient for a 4xx reply,
                a refused or dropped connection and timeouts before DATA; ambiguous (``code``
                ``ambiguous``) for a timeout or dropped connection after it.
        """
        try:
            email = build_message(message, shop_name=self.shop_name, settings=self.settings, now=self.clock())
        except ValueError as exc:
            raise SendError(str(exc), transient=False, code="invalid_address") from exc
        settings = self.settings
        client: _Smtp | None = None
        try:  # as aiosmtplib.send does (connect, STARTTLS, AUTH, MAIL, RCPT, DATA, QUIT), watching DATA
            client = _Smtp(
                hostname=settings.host,
                port=settings.port,
                username=settings.username or None,
                password=settings.password if settings.username else None,
                use_tls=settings.security == "tls",
                start_tls=settings.security == "starttls",
                tls_context=self.tls_context,
                timeout=self.timeout,
            )
            async with client:
                await client.send_message(
                    email,
                    sender=_address(settings.from_address).addr_spec,
                    recipients=[_address(message.to).addr_spec],
                )
        except (aiosmtplib.SMTPException, OSError, ValueError) as exc:  # ValueError: unusable settings
            raise _send_error(exc, after_data=client is not None and client.data_started) from exc
        return Receipt(provider_id=str(email["Message-ID"]))
