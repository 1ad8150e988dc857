"""The service's configuration: one object, read once from the environment and passed down."""

from __future__ import annotations

from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

IPNetwork = IPv4Network | IPv6Network


def _networks(value: str) -> tuple[IPNetwork, ...]:
    return tuple(ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())


class Settings(BaseSettings):
    """Every setting of DESIGN.md's interface contract, by its environment name."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    mongodb_uri: str | None = Field(None, validation_alias="MONGODB_URI")
    mongodb_db: str = Field("orderbot", validation_alias="MONGODB_DB")
    port: int = Field(8080, validation_alias=AliasChoices("PORT", "ORDERBOT_PORT"), ge=0, le=65535)
    host: str = Field("127.0.0.1", validation_alias="ORDERBOT_HOST")
    public_url: str | None = Field(None, validation_alias="ORDERBOT_PUBLIC_URL")
    secret_key: SecretStr | None = Field(None, validation_alias="ORDERBOT_SECRET_KEY")
    #: Earlier secret keys, comma-separated: they still open sealed shop secrets and verify tokens.
    old_secret_keys: SecretStr | None = Field(None, validation_alias="ORDERBOT_OLD_SECRET_KEYS")
    data_dir: Path = Field(Path("var"), validation_alias="ORDERBOT_DATA_DIR")
    #: Failed authentications (bad token or signature) one address may make per window; then 429. 0: off.
    auth_failure_limit: int = Field(20, validation_alias="ORDERBOT_AUTH_FAILURE_LIMIT", ge=0)
    #: REST API requests one token may make per window; then 429. 0: off.
    api_rate_limit: int = Field(600, validation_alias="ORDERBOT_API_RATE_LIMIT", ge=0)
    rate_limit_window: int = Field(60, validation_alias="ORDERBOT_RATE_LIMIT_WINDOW", gt=0)
    #: Proxies (addresses or networks, comma-separated) whose ``X-Forwarded-For`` names the client.
    trusted_proxies: str = Field("", validation_alias="ORDERBOT_TRUSTED_PROXIES")

    gemini_api_key: SecretStr | None = Field(None, validation_alias="GEMINI_API_KEY")
    gemini_model: str = Field("gemini-2.5-flash", validation_alias="ORDERBOT_GEMINI_MODEL")
    twilio_account_sid: str | None = Field(None, validation_alias="TWILIO_ACCOUNT_SID")
    twilio_auth_token: SecretStr | None = Field(None, validation_alias="TWILIO_AUTH_TOKEN")
    instagram_app_secret: SecretStr | None = Field(None, validation_alias="INSTAGRAM_APP_SECRET")
    instagram_verify_token: SecretStr | None = Field(None, validation_alias="INSTAGRAM_VERIFY_TOKEN")
    instagram_access_token: SecretStr | None = Field(None, validation_alias="INSTAGRAM_ACCESS_TOKEN")
    telegram_bot_token: SecretStr | None = Field(None, validation_alias="TELEGRAM_BOT_TOKEN")
    telegram_webhook_secret: SecretStr | None = Field(None, validation_alias="TELEGRAM_WEBHOOK_SECRET")

    twilio_base_url: str | None = Field(None, validation_alias="ORDERBOT_TWILIO_BASE_URL")
    graph_base_url: str = Field("https://graph.instagram.com", validation_alias="ORDERBOT_GRAPH_BASE_URL")
    telegram_base_url: str | None = Field(None, validation_alias="ORDERBOT_TELEGRAM_BASE_URL")
    gemini_base_url: str | None = Field(None, validation_alias="ORDERBOT_GEMINI_BASE_URL")
    aftership_base_url: str = Field(
        "https://api.aftership.com", validation_alias="ORDERBOT_AFTERSHIP_BASE_URL"
    )
    easypost_base_url: str = Field("https://api.easypost.com", validation_alias="ORDERBOT_EASYPOST_BASE_URL")

    max_body_bytes: int = Field(1024 * 1024, validation_alias="ORDERBOT_MAX_BODY_BYTES", gt=0)
    #: How long a request's whole body may take to arrive once its headers have; then 408 and the
    #: connection is closed. Providers give up sooner (Shopify after 5 s, Twilio after 15 s in all).
    body_timeout_seconds: float = Field(10, validation_alias="ORDERBOT_BODY_TIMEOUT_SECONDS", gt=0, le=300)
    #: How long a connection may sit without a request (before its first one too); longer than the idle
    #: timeouts of the load balancers in front (60 s), so that they, not this process, close idle connections.
    keepalive_seconds: float = Field(75, validation_alias="ORDERBOT_KEEPALIVE_SECONDS", gt=0, le=3600)
    #: Open connections one client address (an IPv6 /64) may hold; more are answered 429 and closed.
    #: Trusted proxies are exempt. 0: off.
    connections_per_address: int = Field(128, validation_alias="ORDERBOT_CONNECTIONS_PER_ADDRESS", ge=0)
    inbox_workers: int = Field(8, validation_alias="ORDERBOT_INBOX_WORKERS", ge=0, le=256)
    #: Shop order events a process applies at once after their webhooks answered (0: only recovery
    #: applies them). More than the inbox's: an event's few writes wait on the database, not on this process.
    event_workers: int = Field(8, validation_alias="ORDERBOT_EVENT_WORKERS", ge=0, le=256)
    #: Background jobs (handling a message, applying an event, an outbox entry's reads and writes around
    #: its send) a process runs against the database at once, fair between shops; webhooks never wait for
    #: them. Each job in flight queues its calls at the database ahead of an acknowledgement's.
    database_slots: int = Field(4, validation_alias="ORDERBOT_DATABASE_SLOTS", ge=1, le=256)
    # The worker serves /healthz, /readyz and /metrics on this port when set (it has no HTTP otherwise).
    worker_metrics_port: int | None = Field(
        None, validation_alias="ORDERBOT_WORKER_METRICS_PORT", ge=0, le=65535
    )
    #: How long a sender holds an outbox entry; one still held after it stopped goes to review.
    outbox_lease_seconds: float = Field(60, validation_alias="ORDERBOT_OUTBOX_LEASE_SECONDS", gt=0, le=3600)
    #: Minutes between the worker's auto-progress sweeps (shops with auto-progression on).
    sweep_minutes: float = Field(15, validation_alias="ORDERBOT_SWEEP_MINUTES", gt=0, le=24 * 60)
    #: How long a database call waits for a reachable server before failing (then: 503, Retry-After).
    mongodb_timeout_ms: int = Field(2000, validation_alias="ORDERBOT_MONGODB_TIMEOUT_MS", gt=0)
    #: How often a web process reads the live feed of each shop it streams to desks (one read a shop,
    #: however many desks); what this process writes wakes it at once. Half a second keeps a change made
    #: in another process within a second of every desk.
    live_poll_seconds: float = Field(0.5, validation_alias="ORDERBOT_LIVE_POLL_SECONDS", gt=0, le=60)
    #: A comment line on an idle event stream this often, so proxies and browsers keep it open.
    live_heartbeat_seconds: float = Field(
        15, validation_alias="ORDERBOT_LIVE_HEARTBEAT_SECONDS", gt=0, le=300
    )
    #: How long one event stream lasts before the desk reconnects (with a new ticket, so a revoked token
    #: loses its stream within this); it resumes where it was, losing nothing.
    live_stream_seconds: float = Field(300, validation_alias="ORDERBOT_LIVE_STREAM_SECONDS", gt=0, le=3600)
    #: ``json`` (one event a line) or ``text``; unset: text for ``serve``, JSON for ``web`` and ``worker``.
    log_format: Literal["json", "text"] | None = Field(None, validation_alias="ORDERBOT_LOG_FORMAT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="ORDERBOT_LOG_LEVEL"
    )
    #: Hours after delivery a satisfaction request goes, for shops without their own ``csat_delay_hours``:
    #: the next day, as Zendesk waits a day after solving.
    csat_delay_hours: float = Field(24, validation_alias="ORDERBOT_CSAT_DELAY_HOURS", ge=0, le=24 * 30)
    #: How long a photo's media link (``/media/<token>``, which providers fetch) opens it, from the send.
    media_ttl_days: float = Field(7, validation_alias="ORDERBOT_MEDIA_TTL_DAYS", gt=0, le=365)

    def secret_values(self) -> list[str]:
        """Every secret setting's value, for the log redaction filter."""
        values = [
            self.secret_key, self.gemini_api_key, self.twilio_auth_token, self.instagram_app_secret,
            self.instagram_verify_token, self.instagram_access_token, self.telegram_bot_token,
            self.telegram_webhook_secret,
        ]  # fmt: skip
        return [value.get_secret_value() for value in values if value is not None] + self.old_keys

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        _networks(value)  # a typo fails at start-up, not on the first request
        return value

    @property
    def proxy_networks(self) -> tuple[IPNetwork, ...]:
        return _networks(self.trusted_proxies)

    @property
    def old_keys(self) -> list[str]:
        """``ORDERBOT_OLD_SECRET_KEYS`` as a list, in the order given."""
        raw = self.old_secret_keys.get_secret_value() if self.old_secret_keys else ""
        return [key.strip() for key in raw.split(",") if key.strip()]

    @property
    def base_url(self) -> str:
        """The URL people and providers use to reach this service."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104 - compared, not bound
        return f"http://{host}:{self.port}"
