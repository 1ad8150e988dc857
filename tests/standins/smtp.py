"""A local SMTP server (aiosmtpd) that stands in for a shop's mail server in tests.

``running_smtp`` starts it on 127.0.0.1 on a free port, plain, with STARTTLS or with implicit TLS, and
optionally with AUTH LOGIN/PLAIN checked against one username and password. Its ``Mailbox`` records what
arrives and can be told to refuse recipients or to answer DATA with any reply (451 try later, 554 ...).
``make_certificate`` writes a self-signed certificate for 127.0.0.1/localhost that a client context can
trust.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hmac
import ipaddress
import logging
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Literal

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

try:  # not a declared dependency: without it, the openssl command makes the certificate
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
except ImportError:
    x509 = None  # type: ignore[assignment]

Security = Literal["none", "starttls", "tls"]

# aiosmtpd logs each session's steps at INFO from its own thread, which can outlive a test's captured
# stream ("Logging error ... I/O operation on closed file"); the stand-in's own records say what the tests need.
logging.getLogger("mail.log").setLevel(logging.WARNING)

HOST = "127.0.0.1"


@dataclass(frozen=True)
class Received:
    """One message the server accepted."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes
    login: str | None
    tls: bool

    def message(self) -> EmailMessage:
        parsed = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class Mailbox:
    """The aiosmtpd handler: records accepted mail; ``refuse`` and ``data_reply`` make it say no.

    Hooks run on the server's own thread; tests read ``received`` after the client's send returned,
    by when the server has stored the message and answered 250.
    """

    refuse: dict[str, str] = field(default_factory=dict)  # recipient -> reply, e.g. "550 5.1.1 No such user"
    data_reply: str | None = None  # answer DATA with this instead of accepting
    data_delay: float = 0.0  # seconds between taking a message and answering 250 (for client timeouts)
    require_auth: bool = False
    received: list[Received] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)  # (mechanism, username) that succeeded

    async def handle_MAIL(  # noqa: N802 - aiosmtpd's hook names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, mail_options: list[str]
    ) -> str:
        if self.require_auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook names
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if reply := self.refuse.get(address):
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook names
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply is not None:
            return self.data_reply
        data = envelope.original_content or envelope.content
        assert isinstance(data, bytes)
        login = session.auth_data.login.decode() if isinstance(session.auth_data, LoginPassword) else None
        tls = server.transport is not None and server.transport.get_extra_info("ssl_object") is not None
        self.received.append(Received(envelope.mail_from or "", list(envelope.rcpt_tos), data, login, tls))
        await asyncio.sleep(self.data_delay)
        return "250 2.0.0 Message accepted for delivery"


@dataclass(frozen=True)
class Credentials:
    """aiosmtpd's authenticator: one username and password, for any mechanism that sends both."""

    username: str
    password: str
    mailbox: Mailbox

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if not isinstance(auth_data, LoginPassword):
            return AuthResult(success=False, handled=False)
        ok = hmac.compare_digest(auth_data.login, self.username.encode()) & hmac.compare_digest(
            auth_data.password, self.password.encode()
        )
        if ok:
            self.mailbox.logins.append((mechanism, self.username))
        return AuthResult(success=ok, handled=False, auth_data=auth_data)


@dataclass(frozen=True)
class Certificate:
    cert: Path
    key: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context (hostname checks on) that trusts this certificate only."""
        return ssl.create_default_context(cafile=str(self.cert))


def make_certificate(directory: Path) -> Certificate:
    """A fresh self-signed EC certificate for 127.0.0.1 and localhost, valid for a day.

    Made with ``cryptography`` when it is installed, else with the ``openssl`` command.
    """
    directory.mkdir(parents=True, exist_ok=True)
    certificate = Certificate(directory / "smtp-cert.pem", directory / "smtp-key.pem")
    if x509 is not None:
        _write_with_cryptography(certificate)
    else:
        _write_with_openssl(certificate)
    return certificate


def _write_with_cryptography(certificate: Certificate) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    certificate.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    certificate.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _write_with_openssl(certificate: Certificate) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("a TLS test certificate needs the cryptography package or the openssl command")
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-nodes", "-days", "1", "-subj", "/CN=localhost",
            "-addext", f"subjectAltName=DNS:localhost,IP:{HOST}",
            "-addext", "extendedKeyUsage=serverAuth",
            "-keyout", str(certificate.key), "-out", str(certificate.cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


class _Controller(Controller):
    """aiosmtpd's threaded controller, listening on port 0 and learning the port the OS chose."""

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class SmtpStandin:
    host: str
    port: int
    security: Security
    mailbox: Mailbox
    certificate: Certificate | None


@contextmanager
def running_smtp(
    *,
    security: Security = "none",
    certificate: Certificate | None = None,
    username: str | None = None,
    password: str | None = None,
    mechanisms: tuple[str, ...] = ("LOGIN", "PLAIN"),
) -> Iterator[SmtpStandin]:
    """An SMTP server on 127.0.0.1 for the ``with`` block.

    Args:
        security: ``starttls`` offers and requires STARTTLS; ``tls`` speaks TLS from the first byte.
        certificate: The server's certificate, needed for ``starttls`` and ``tls``.
        username: With ``password``, AUTH is offered (over TLS only, for ``starttls``) and required.
        mechanisms: The AUTH mechanisms offered.
    """
    mailbox = Mailbox(require_auth=username is not None)
    options: dict[str, Any] = {"server_hostname": "mail.standin.test"}
    if security != "none":
        if certificate is None:
            raise ValueError(f"security={security!r} needs a certificate")
        context = certificate.server_context()
        if security == "starttls":
            options.update(tls_context=context, require_starttls=True)
        else:
            options.update(ssl_context=context)
    if username is not None:
        assert password is not None
        options.update(
            authenticator=Credentials(username, password, mailbox),
            # Over implicit TLS the connection is already encrypted, though aiosmtpd cannot tell.
            auth_require_tls=security == "starttls",
            auth_exclude_mechanism=[m for m in ("LOGIN", "PLAIN") if m not in mechanisms],
        )
    controller = _Controller(mailbox, hostname=HOST, port=0, **options)
    controller.start()
    try:
        yield SmtpStandin(HOST, controller.port, security, mailbox, certificate)
    finally:
        controller.stop()
