"""Settings: the only reader of the environment (and of `.env`)."""

from __future__ import annotations

import math
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


class ConfigError(Exception):
    """A configuration problem, phrased as one line naming the variable."""


class Settings(BaseSettings):
    """Everything hsl-bot reads from its environment, validated once at start-up."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    bot_token: SecretStr | None = None
    admin_ids: Annotated[tuple[int, ...], NoDecode] = ()
    broadcast_bot_token: SecretStr | None = None
    database_url: SecretStr | None = None
    data_dir: Path = Path("./data")
    telegram_api_url: str = "https://api.telegram.org"
    redis_url: str | None = None
    timezone: str = "Europe/Moscow"
    # None: each admin is spoken to in their Telegram client's language.
    language: Literal["ru", "en"] | None = None
    digest_time: str = "09:00"
    broadcast_rate: float = Field(default=25.0)
    # How often the leader looks for work nobody announced (a crashed sender's claims); every
    # broadcast started, resumed or retried wakes it at once, and schedules start on time.
    broadcast_poll_seconds: float = Field(default=15.0)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "0.0.0.0:8080"
    welcome_text: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    log_format: Literal["text", "json"] = "text"
    # Delete message_recipients and audit_log rows older than this many days, nightly.
    retention_days: int | None = None
    # The admin Mini App: its public HTTPS address (unset: no Mini App) and, in polling mode,
    # where its own server listens (in webhook mode the webhook server serves it).
    webapp_url: str | None = None
    webapp_listen: str = "0.0.0.0:8081"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> tuple[int, ...]:
        if value is None or value == "":
            return ()
        if isinstance(value, int):
            return (value,)
        if isinstance(value, list | tuple):
            parts = [str(v) for v in value]
        else:
            parts = [p.strip() for p in str(value).split(",") if p.strip()]
        ids = []
        for part in parts:
            if not re.fullmatch(r"-?\d{1,20}", part):
                raise ValueError(f"{part!r} is not a numeric Telegram user id")
            ids.append(int(part))
        return tuple(dict.fromkeys(ids))

    @field_validator("database_url", mode="before")
    @classmethod
    def _check_dsn(cls, value: object) -> object:
        if value is None or value == "":
            return None
        parts = urlsplit(str(value))
        if parts.scheme not in ("postgres", "postgresql") or not (parts.hostname or parts.query):
            raise ValueError("expected postgresql://user:password@host:port/database")
        try:
            _ = parts.port  # raises on a malformed port
        except ValueError as exc:
            raise ValueError("the port is not a number") from exc
        return value

    @field_validator(
        "bot_token",
        "broadcast_bot_token",
        "webhook_secret",
        "redis_url",
        "welcome_text",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("data_dir", mode="before")
    @classmethod
    def _empty_data_dir_is_default(cls, value: object) -> object:
        # `DATA_DIR=` would otherwise mean the current directory and scatter the cluster there.
        return Path("./data") if value == "" else value

    @field_validator("webhook_url", mode="before")
    @classmethod
    def _check_webhook_url(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not str(value).startswith(("https://", "http://")):
            raise ValueError("expected an http(s):// URL")
        return value

    @field_validator("webapp_url", mode="before")
    @classmethod
    def _check_webapp_url(cls, value: object) -> object:
        if value in (None, ""):
            return None
        if not str(value).startswith("https://"):
            raise ValueError(
                "expected the page's public https:// address (Telegram opens HTTPS only)"
            )
        return value

    @field_validator("retention_days", mode="before")
    @classmethod
    def _check_retention_days(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        if isinstance(value, bool) or not re.fullmatch(r"\d{1,5}", text) or int(text) == 0:
            raise ValueError(
                f"{text!r} is not a number of days from 1 to 99999 (unset: keep everything)"
            )
        return int(text)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("log_format", mode="before")
    @classmethod
    def _lower_choice(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value

    @field_validator("language", mode="before")
    @classmethod
    def _language_or_unset(cls, value: object) -> object:
        """``ru``/``en`` in any case; empty means unset (each admin's own language)."""
        if isinstance(value, str):
            return value.strip().lower() or None
        return value

    @field_validator("timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {value!r} (expected an IANA name)") from exc
        return value

    @field_validator("digest_time")
    @classmethod
    def _check_digest_time(cls, value: str) -> str:
        value = value.strip()
        if value and not _HHMM.match(value):
            raise ValueError(f"{value!r} is not HH:MM (or empty to disable)")
        return value

    @field_validator("broadcast_rate", "broadcast_poll_seconds")
    @classmethod
    def _check_rate(cls, value: float) -> float:
        # NaN compares false with everything, so `value <= 0` alone would let it through.
        if not math.isfinite(value) or value <= 0:
            raise ValueError("must be a positive number")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s):// URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError("WEBHOOK_SECRET: required when WEBHOOK_URL is set")
        if self.webhook_secret is not None and not re.fullmatch(
            r"[A-Za-z0-9_-]{1,256}", self.webhook_secret.get_secret_value()
        ):
            raise ValueError("WEBHOOK_SECRET: 1-256 characters of A-Z, a-z, 0-9, _ and -")
        try:
            listen_port = int(self.webhook_listen.rpartition(":")[2])
        except ValueError:
            listen_port = -1
        if not 0 < listen_port < 65536:
            raise ValueError("WEBHOOK_LISTEN: expected host:port, e.g. 0.0.0.0:8080")
        try:
            webapp_port = int(self.webapp_listen.rpartition(":")[2])
        except ValueError:
            webapp_port = -1
        if not 0 <= webapp_port < 65536:
            raise ValueError("WEBAPP_LISTEN: expected host:port, e.g. 0.0.0.0:8081")
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def digest_at(self) -> time | None:
        """The digest's local time, or None when disabled."""
        if not self.digest_time:
            return None
        hours, minutes = self.digest_time.split(":")
        return time(int(hours), int(minutes))

    @property
    def dsn(self) -> str | None:
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def console_token(self) -> str:
        if self.bot_token is None:
            raise ConfigError("BOT_TOKEN: required to run the bot")
        return self.bot_token.get_secret_value()

    @property
    def sender_token(self) -> str:
        """The token broadcasts go out with: the course bot's, else the console bot's."""
        if self.broadcast_bot_token is not None:
            return self.broadcast_bot_token.get_secret_value()
        return self.console_token

    def require_admins(self) -> None:
        if not self.admin_ids:
            raise ConfigError(
                "ADMIN_IDS: no admins configured (comma-separated Telegram user ids)"
            )


def load_settings(**overrides: object) -> Settings:
    """Read and validate the settings, turning the first problem into a ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        if not error["loc"]:  # a check across variables names them in its message
            raise ConfigError(message) from None
        raise ConfigError(f"{str(error['loc'][0]).upper()}: {message}") from None


def safe_dsn_host(dsn: str) -> str:
    """Describe where a DSN points without revealing its password."""
    parts = urlsplit(dsn)
    host = parts.hostname or "local socket"
    return f"{host}:{parts.port}" if parts.port else host
