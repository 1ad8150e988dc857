"""The email channel: real aiosmtplib against a real local SMTP server (aiosmtpd), plain, STARTTLS and TLS."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import pytest

from channels.base import ChannelName, OutboundMessage, SendError, WebhookRequest
from channels.email import EmailChannel, build_message, text_to_html
from orders.model import EmailSettings
from tests.standins.smtp import Certificate, SmtpStandin, make_certificate, running_smtp

NOW = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
CUSTOMER = "ada@example.org"
TEXT = "Hi Ada,\nyour order #1042 has shipped.\n\nTracking: <script>alert(1)</script> & more"


def outbound(**overrides: Any) -> OutboundMessage:
    values: dict[str, Any] = {
        "channel": ChannelName.EMAIL,
        "to": CUSTOMER,
        "sender": "orders@acme.example",
        "text": TEXT,
        "subject": "Your order #1042 has shipped",
    }
    values.update(overrides)
    return OutboundMessage(**values)


def email_settings(server: SmtpStandin | None = None, **overrides: Any) -> EmailSettings:
    values: dict[str, Any] = {
        "host": server.host if server else "127.0.0.1",
        "port": server.port if server else 25,
        "security": server.security if server else "none",
        "from_address": "orders@acme.example",
        "reply_to": "help@acme.example",
        "unsubscribe_url": "https://acme.example/unsubscribe?list=orders",
    }
    values.update(overrides)
    return EmailSettings(**values)


def channel_for(
    server: SmtpStandin, *, trust: bool = True, timeout: float = 5, **overrides: Any
) -> EmailChannel:
    context = server.certificate.client_context() if trust and server.certificate else None
    return EmailChannel(
        "Acme Coffee",
        email_settings(server, **overrides),
        timeout=timeout,
        tls_context=context,
        clock=lambda: NOW,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def parts(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    rich = message.get_body(preferencelist=("html",))
    assert isinstance(plain, EmailMessage)
    assert isinstance(rich, EmailMessage)
    # Line ends as they came off the wire (CRLF) read as plain newlines.
    return plain.get_content().replace("\r\n", "\n"), rich.get_content().replace("\r\n", "\n")


def checked_shipping_email(email: EmailMessage) -> str:
    """Check the headers and text of the shipping email ``outbound()`` makes, and that the customer's
    ``<script>`` arrives escaped in the HTML part; that part, for more checks."""
    assert email["From"] == "Acme Coffee <orders@acme.example>"
    assert email["To"] == CUSTOMER
    assert email["Reply-To"] == "help@acme.example"
    assert email["Subject"] == "Your order #1042 has shipped"
    assert parsedate_to_datetime(email["Date"]) == NOW
    assert email["List-Unsubscribe"] == (
        "<https://acme.example/unsubscribe?list=orders>, <mailto:help@acme.example?subject=unsubscribe>"
    )
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text, html = parts(email)
    assert text.rstrip("\n") == TEXT
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    return html


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> Certificate:
    return make_certificate(tmp_path_factory.mktemp("smtp-tls"))


@pytest.fixture
def plain_server() -> Iterator[SmtpStandin]:
    with running_smtp() as server:
        yield server


@pytest.fixture
def starttls_server(certificate: Certificate) -> Iterator[SmtpStandin]:
    with running_smtp(
        security="starttls", certificate=certificate, username="acme", password="s3cret"
    ) as server:
        yield server


@pytest.fixture
def tls_server(certificate: Certificate) -> Iterator[SmtpStandin]:
    with running_smtp(security="tls", certificate=certificate, username="acme", password="s3cret") as server:
        yield server


# --- the message itself (pure) ---


def test_build_message_has_both_parts_and_the_headers() -> None:
    email = build_message(
        outbound(reply_to_id="<prev.1@acme.example>"),
        shop_name="Acme Coffee",
        settings=email_settings(),
        now=NOW,
        message_id="<fixed.1@acme.example>",
    )

    assert email.get_content_type() == "multipart/alternative"
    assert email["Message-ID"] == "<fixed.1@acme.example>"
    assert email["In-Reply-To"] == email["References"] == "<prev.1@acme.example>"
    html = checked_shipping_email(email)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in html
    assert "<p>Hi Ada,<br>\nyour order #1042 has shipped.</p>" in html


def test_build_message_defaults_a_message_id_on_the_senders_domain() -> None:
    email = build_message(outbound(), shop_name="Acme Coffee", settings=email_settings(), now=NOW)
    assert email["Message-ID"].startswith("<")
    assert email["Message-ID"].endswith("@acme.example>")


def test_without_an_https_url_there_is_a_mailto_and_no_one_click() -> None:
    without = build_message(
        outbound(), shop_name="Acme", settings=email_settings(unsubscribe_url=None, reply_to=None), now=NOW
    )
    assert without["List-Unsubscribe"] == "<mailto:orders@acme.example?subject=unsubscribe>"
    assert without["List-Unsubscribe-Post"] is None
    assert without["Reply-To"] is None

    plain_http = build_message(
        outbound(),
        shop_name="Acme",
        settings=email_settings(unsubscribe_url="http://acme.example/u"),
        now=NOW,
    )
    assert plain_http["List-Unsubscribe"].startswith("<http://acme.example/u>, <mailto:")
    assert plain_http["List-Unsubscribe-Post"] is None


def test_given_html_is_used_and_the_subject_stays_on_one_line() -> None:
    email = build_message(
        outbound(html="<h1>Shipped</h1>", subject="Shipped\r\nBcc: evil@example.net", reply_to_id="SM123"),
        shop_name="Acme",
        settings=email_settings(),
        now=NOW,
    )
    assert parts(email)[1].strip() == "<h1>Shipped</h1>"
    assert email["Subject"] == "Shipped Bcc: evil@example.net"
    assert email["Bcc"] is None
    assert email["In-Reply-To"] is None  # not a Message-ID (another channel's provider id)


def test_text_to_html_escapes_and_keeps_the_layout() -> None:
    rendered = text_to_html('a < b & "c"\r\nnext\n\n\nnew paragraph')
    assert "<p>a &lt; b &amp; &quot;c&quot;<br>\nnext</p>\n<p>new paragraph</p>" in rendered


@pytest.mark.parametrize("to", ["not-an-address", "ada@example.org\r\nBcc: x@example.net", "a@b, c@d", ""])
async def test_an_invalid_recipient_is_refused_before_connecting(to: str) -> None:
    channel = EmailChannel("Acme", email_settings(port=free_port()), timeout=1)
    with pytest.raises(SendError) as refused:
        await channel.send(outbound(to=to))
    assert refused.value.transient is False
    assert refused.value.code == "invalid_address"


async def test_unusable_settings_are_permanent() -> None:
    channel = EmailChannel("Acme", email_settings(host="mail.acme.example\r\nRCPT TO:<x@y>"), timeout=1)
    with pytest.raises(SendError) as refused:
        await channel.send(outbound())
    assert refused.value.transient is False


def test_email_is_outbound_only() -> None:
    channel = EmailChannel("Acme", email_settings())
    request = WebhookRequest(url="http://localhost/webhooks/email", headers={}, body=b"{}")
    assert channel.name == ChannelName.EMAIL
    assert channel.limits.max_length >= 10_000
    assert channel.verify(request) is False
    assert channel.parse(request) == []


# --- through a real SMTP server ---


async def test_plain_smtp_delivers_text_and_html_with_the_headers(plain_server: SmtpStandin) -> None:
    receipt = await channel_for(plain_server).send(outbound())

    [received] = plain_server.mailbox.received
    assert received.mail_from == "orders@acme.example"
    assert received.rcpt_tos == [CUSTOMER]
    assert received.tls is False
    email = received.message()
    assert email.get_content_type() == "multipart/alternative"
    assert receipt.provider_id == email["Message-ID"]
    assert email["Message-ID"].endswith("@acme.example>")
    checked_shipping_email(email)


async def test_non_ascii_names_and_text_arrive_intact(plain_server: SmtpStandin) -> None:
    channel = EmailChannel("Café Müller", email_settings(plain_server), timeout=5)
    await channel.send(outbound(text="Grüße 🚚 \u2013 unterwegs", subject="Bestellung unterwegs 🚚"))

    email = plain_server.mailbox.received[0].message()
    assert email["From"].addresses[0].display_name == "Café Müller"
    assert email["Subject"] == "Bestellung unterwegs 🚚"
    text, html = parts(email)
    assert text.strip() == "Grüße 🚚 \u2013 unterwegs"
    assert "Grüße 🚚 \u2013 unterwegs" in html


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN"])
async def test_starttls_with_auth_delivers(certificate: Certificate, mechanism: str) -> None:
    with running_smtp(
        security="starttls",
        certificate=certificate,
        username="acme",
        password="s3cret",
        mechanisms=(mechanism,),
    ) as server:
        receipt = await channel_for(server, username="acme", password="s3cret").send(outbound())

        [received] = server.mailbox.received
    assert received.tls is True
    assert received.login == "acme"
    assert server.mailbox.logins == [(mechanism, "acme")]
    assert received.message()["Message-ID"] == receipt.provider_id


async def test_implicit_tls_with_auth_delivers(tls_server: SmtpStandin) -> None:
    receipt = await channel_for(tls_server, username="acme", password="s3cret").send(outbound())

    [received] = tls_server.mailbox.received
    assert received.tls is True
    assert received.login == "acme"
    assert received.message()["Message-ID"] == receipt.provider_id


@pytest.mark.parametrize("fixture", ["starttls_server", "tls_server"])
async def test_a_wrong_password_is_permanent_535(fixture: str, request: pytest.FixtureRequest) -> None:
    server: SmtpStandin = request.getfixturevalue(fixture)
    with pytest.raises(SendError) as refused:
        await channel_for(server, username="acme", password="wrong").send(outbound())
    assert refused.value.transient is False
    assert refused.value.code == "535"
    assert "wrong" not in str(refused.value)
    assert server.mailbox.received == []


async def test_a_server_requiring_auth_refuses_a_channel_without_credentials(
    starttls_server: SmtpStandin,
) -> None:
    with pytest.raises(SendError) as refused:
        await channel_for(starttls_server).send(outbound())
    assert refused.value.transient is False
    assert refused.value.code == "530"


@pytest.mark.parametrize("fixture", ["starttls_server", "tls_server"])
async def test_certificates_are_verified_by_default(fixture: str, request: pytest.FixtureRequest) -> None:
    server: SmtpStandin = request.getfixturevalue(fixture)
    with pytest.raises(SendError) as refused:
        await channel_for(server, trust=False, username="acme", password="s3cret").send(outbound())
    assert refused.value.transient is False
    assert refused.value.code == "tls"
    assert server.mailbox.received == []


async def test_starttls_required_but_not_offered_is_permanent(plain_server: SmtpStandin) -> None:
    with pytest.raises(SendError) as refused:
        await channel_for(plain_server, security="starttls").send(outbound())
    assert refused.value.transient is False
    assert plain_server.mailbox.received == []


async def test_a_refused_recipient_is_a_permanent_550(plain_server: SmtpStandin) -> None:
    plain_server.mailbox.refuse[CUSTOMER] = "550 5.1.1 <ada@example.org>: no such user"

    with pytest.raises(SendError) as refused:
        await channel_for(plain_server).send(outbound())

    assert refused.value.transient is False
    assert refused.value.code == "550"
    assert "no such user" in str(refused.value)
    assert plain_server.mailbox.received == []


@pytest.mark.parametrize(
    ("where", "reply", "transient"),
    [
        ("rcpt", "451 4.7.1 Greylisted, try again later", True),
        ("rcpt", "452 4.2.2 Mailbox full", True),
        ("data", "451 4.3.0 Try again later", True),
        ("data", "421 4.3.2 Service shutting down", True),
        ("data", "554 5.7.1 Message rejected as spam", False),
    ],
)
async def test_smtp_replies_map_by_class(
    plain_server: SmtpStandin, where: str, reply: str, transient: bool
) -> None:
    if where == "rcpt":
        plain_server.mailbox.refuse[CUSTOMER] = reply
    else:
        plain_server.mailbox.data_reply = reply

    with pytest.raises(SendError) as refused:
        await channel_for(plain_server).send(outbound())

    assert refused.value.transient is transient
    assert refused.value.code == reply[:3]


async def test_nothing_listening_is_transient() -> None:
    channel = EmailChannel("Acme", email_settings(port=free_port()), timeout=2)
    with pytest.raises(SendError) as refused:
        await channel.send(outbound())
    assert refused.value.transient is True
    assert refused.value.code is None


@pytest.fixture
async def silent_server() -> AsyncIterator[int]:
    """Accepts connections and never says a word (no SMTP greeting)."""
    connections: list[asyncio.StreamWriter] = []

    async def hold(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1]
    for writer in connections:
        writer.close()
    server.close()
    await server.wait_closed()


async def test_a_server_that_never_answers_times_out_transiently(silent_server: int) -> None:
    channel = EmailChannel("Acme", email_settings(port=silent_server), timeout=0.5)
    with pytest.raises(SendError) as refused:
        await channel.send(outbound())
    assert (refused.value.transient, refused.value.ambiguous) == (True, False)  # before DATA: not taken


async def test_no_answer_after_the_message_went_out_is_ambiguous(plain_server: SmtpStandin) -> None:
    plain_server.mailbox.data_delay = 1.5
    with pytest.raises(SendError) as refused:
        await channel_for(plain_server, timeout=0.5).send(outbound())
    error = refused.value
    assert (error.ambiguous, error.transient, error.code) == (True, False, "ambiguous")
    assert len(plain_server.mailbox.received) == 1  # the server took it: a resend would deliver it twice


def test_the_certificate_is_written_to_the_given_directory(tmp_path: Path) -> None:
    made = make_certificate(tmp_path / "tls")
    assert made.cert.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert made.key.exists()
