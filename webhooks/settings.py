"""The service's configuration: one object, read once from the environment and passed down."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting of DESIGN.md's interface contract, by its environment name."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    mongodb_uri: str | None = Field(None, validation_alias="MONGODB_URI")
    mongodb_db: str = Field("orderbot", validation_alias="MONGODB_DB")
    port: int = Field(8080, validation_alias=AliasChoices("PORT", "ORDERBOT_PORT"), ge=0, le=65535)
    host: str = Field("127.0.0.1", validation_alias="ORDERBOT_HOST")
    public_url: str | None = Field(None, validation_alias="ORDERBOT_PUBLIC_URL")
    secret_key: SecretStr | None = Field(None, validation_alias="ORDERBOT_SECRET_KEY")
    data_dir: Path = Field(Path("var"), validation_alias="ORDERBOT_DATA_DIR")

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

    max_body_bytes: int = Field(1024 * 1024, validation_alias="ORDERBOT_MAX_BODY_BYTES", gt=0)
    inbox_workers: int = Field(2, validation_alias="ORDERBOT_INBOX_WORKERS", ge=0, le=256)
    #: How long a database call waits for a reachable server before failing (then: 503, Retry-After).
    mongodb_timeout_ms: int = Field(2000, validation_alias="ORDERBOT_MONGODB_TIMEOUT_MS", gt=0)
    #: ``json`` (one event a line) or ``text``; unset: text for ``serve``, JSON for ``web`` and ``worker``.
    log_format: Literal["json", "text"] | None = Field(None, validation_alias="ORDERBOT_LOG_FORMAT")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", validation_alias="ORDERBOT_LOG_LEVEL"
    )

    def secret_values(self) -> list[str]:
        """Every secret setting's value, for the log redaction filter."""
        values = [
            self.secret_key, self.gemini_api_key, self.twilio_auth_token, self.instagram_app_secret,
            self.instagram_verify_token, self.instagram_access_token, self.telegram_bot_token,
            self.telegram_webhook_secret,
        ]  # fmt: skip
        return [value.get_secret_value() for value in values if value is not None]

    @property
    def base_url(self) -> str:
        """The URL people and providers use to reach this service."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104 - compared, not bound
        return f"http://{host}:{self.port}"
