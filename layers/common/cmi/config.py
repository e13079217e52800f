"""Configuration, parsed once from the environment that template.yaml sets."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    accounts_table: str
    tokens_table: str
    throttle_table: str
    mail_queue_url: str
    portal_url: str
    sender_email: str

    temporary_password_days: int = Field(7, ge=1)
    reset_link_minutes: int = Field(60, ge=1)
    first_connection_minutes: int = Field(15, ge=1)
    session_idle_minutes: int = Field(30, ge=1)
    session_absolute_hours: int = Field(12, ge=1)

    # OWASP minimum for argon2id: m=19 MiB, t=2, p=1.
    argon2_memory_kib: int = Field(19456, ge=19456)
    argon2_time_cost: int = Field(2, ge=2)
    argon2_parallelism: int = Field(1, ge=1)

    # Throttling per identifier (CNIL deliberation 2022-100, case 2).
    throttle_free_failures: int = Field(5, ge=1)
    throttle_base_delay_seconds: int = Field(60, ge=1)
    throttle_max_delay_seconds: int = Field(900, ge=1)
    block_failures: int = Field(25, ge=2)
    block_window_hours: int = Field(24, ge=1)

    mails_per_hour: int = Field(5, ge=1)
    max_body_bytes: int = Field(8192, ge=256)

    @field_validator("portal_url")
    @classmethod
    def _portal_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError("PORTAL_URL must be an absolute http(s) URL")
        return value.rstrip("/")

    @property
    def portal_origin(self) -> str:
        parts = urlsplit(self.portal_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        source = os.environ if env is None else env
        names = cls.model_fields
        return cls.model_validate({name: source[name.upper()] for name in names if name.upper() in source})


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()
