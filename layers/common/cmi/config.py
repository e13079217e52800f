"""Configuration, parsed once from the environment that template.yaml sets.

A plain dataclass rather than a pydantic model: the mailer function validates no request, and
keeping pydantic out of its import chain shortens its cold start.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Who runs the portal, named in the signature of every mail: OPERATOR_NAME, or this default.
DEFAULT_OPERATOR_NAME = "Imprimerie Nationale"


def operator_name(env: Mapping[str, str] | None = None) -> str:
    return (os.environ if env is None else env).get("OPERATOR_NAME", "").strip() or DEFAULT_OPERATOR_NAME


def _at_least(minimum: int, default: int) -> Any:
    return field(default=default, metadata={"min": minimum})


@dataclass(frozen=True)
class Settings:
    accounts_table: str
    tokens_table: str
    throttle_table: str
    journal_table: str
    mail_queue_url: str
    portal_url: str
    sender_email: str

    temporary_password_days: int = _at_least(1, 7)
    reset_link_minutes: int = _at_least(1, 60)
    first_connection_minutes: int = _at_least(1, 15)
    session_idle_minutes: int = _at_least(1, 30)
    session_absolute_hours: int = _at_least(1, 12)

    # OWASP minimum for argon2id: m=19 MiB, t=2, p=1.
    argon2_memory_kib: int = _at_least(19456, 19456)
    argon2_time_cost: int = _at_least(2, 2)
    argon2_parallelism: int = _at_least(1, 1)

    # Throttling per identifier (CNIL deliberation 2022-100, case 2).
    throttle_free_failures: int = _at_least(1, 5)
    throttle_base_delay_seconds: int = _at_least(1, 60)
    throttle_max_delay_seconds: int = _at_least(1, 900)
    block_failures: int = _at_least(2, 25)
    block_window_hours: int = _at_least(1, 24)
    # Per source (client IP): failed logins across identifiers before it must wait (spraying).
    source_failure_limit: int = _at_least(1, 50)
    source_window_minutes: int = _at_least(1, 10)

    # How long an organisation's journal keeps an event.
    audit_retention_days: int = _at_least(1, 365)
    mails_per_hour: int = _at_least(1, 5)
    max_body_bytes: int = _at_least(256, 8192)

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if "min" in item.metadata and value < item.metadata["min"]:
                raise ValueError(f"{item.name.upper()} must be at least {item.metadata['min']}, not {value}")
            if isinstance(value, str) and not value:
                raise ValueError(f"{item.name.upper()} must not be empty")
        parts = urlsplit(self.portal_url)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise ValueError("PORTAL_URL must be an absolute http(s) URL")
        object.__setattr__(self, "portal_url", self.portal_url.rstrip("/"))

    @property
    def portal_origin(self) -> str:
        parts = urlsplit(self.portal_url)
        return f"{parts.scheme}://{parts.netloc}"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every field from its upper-case variable; a missing required one is a clear error."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for item in dataclasses.fields(cls):
            raw = source.get(item.name.upper())
            if raw is None:
                if item.default is dataclasses.MISSING:
                    raise ValueError(f"environment variable {item.name.upper()} is required")
                continue
            try:
                values[item.name] = int(raw) if item.type == "int" else raw
            except ValueError:
                raise ValueError(f"{item.name.upper()} must be a whole number, not {raw!r}") from None
        return cls(**values)
