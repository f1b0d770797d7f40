"""Settings from the environment and `.env`, validated once at start-up.

A wrong setting becomes one readable line (see `load_settings`), never a traceback.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from state.checkin_items import Program, parse_emotions, parse_items, parse_skills

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is safe to print (no secrets)."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = "https://api.telegram.org/bot"
    telegram_api_file_base_url: str = "https://api.telegram.org/file/bot"
    database_url: str | None = None
    admin_user_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    typing_pause: float = Field(default=0.6, ge=0, le=5)
    typed_text_retention_days: int = Field(default=30, ge=0, le=3650)
    # Sent and failed outbox messages (pushes, check-ins, crisis alerts) are erased after this.
    outbox_retention_days: int = Field(default=7, ge=0, le=3650)
    crisis_resources: str | None = None  # JSON list of {"name", "contact"}; defaults are US lines
    log_level: str = "INFO"
    # A folder of scenario YAML (one sub-folder per context) to play instead of the shipped
    # library: a program's own edition, or a test's fixtures. Empty: the shipped scenarios/.
    scenarios_dir: str | None = None
    # Prometheus metrics and /healthz over HTTP; off unless a port is set.
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    metrics_listen: str = "127.0.0.1"
    # The daily check-in's diary card, per program (state/checkin_items.py): which items,
    # which feelings, and the skills taught in group. Unset: the whole card, every feeling,
    # the common DBT skills.
    checkin_items: str | None = None
    checkin_emotions: str | None = None
    checkin_skills: str | None = None

    @field_validator("checkin_items")
    @classmethod
    def _check_items(cls, value: str | None) -> str | None:
        parse_items(value)
        return value

    @field_validator("checkin_emotions")
    @classmethod
    def _check_emotions(cls, value: str | None) -> str | None:
        parse_emotions(value)
        return value

    @field_validator("checkin_skills")
    @classmethod
    def _check_skills(cls, value: str | None) -> str | None:
        parse_skills(value)
        return value

    @field_validator("metrics_port", mode="before")
    @classmethod
    def _blank_port(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("admin_user_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p for p in re.split(r"[,\s]+", value.strip()) if p]
            try:
                return [int(p) for p in parts]
            except ValueError:
                raise ValueError(
                    "ADMIN_USER_IDS must be Telegram user ids separated by commas"
                ) from None
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _blank_token(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def checkin_program(self) -> Program:
        """The program's check-in, as configured (the validators above already passed)."""
        return Program(
            parse_items(self.checkin_items),
            parse_emotions(self.checkin_emotions),
            parse_skills(self.checkin_skills),
        )

    @property
    def token(self) -> str | None:
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    def check_token(self) -> str:
        """The token, or a SettingsError saying what is wrong with it (never echoing it)."""
        token = self.token
        if token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: get one from @BotFather and put it in .env"
            )
        if not TOKEN_PATTERN.match(token.strip()):
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN does not look like a bot token (expected 123456:ABC…)"
            )
        return token.strip()


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper() or "settings"
        raise SettingsError(f"{name}: {first['msg'].removeprefix('Value error, ')}") from None


@lru_cache(maxsize=1)
def settings() -> Settings:
    return load_settings()
