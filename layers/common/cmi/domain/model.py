"""The things the portal keeps: organisations, agent accounts and opaque tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["referent", "profile"]
Status = Literal["pending", "active"]
TokenKind = Literal["session", "first_connection", "reset"]


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    created_at: int


@dataclass(frozen=True)
class Account:
    identifier: str
    org_code: str
    org_name: str
    first_name: str
    last_name: str
    email: str
    role: Role
    status: Status
    password_hash: str
    # Bumped at every password change: sessions and reset links carry it, so a change voids them all.
    password_version: int
    created_at: int
    temp_expires_at: int | None = None
    alerts_opt_in: bool = False
    activated_at: int | None = None
    password_changed_at: int | None = None

    @property
    def pending(self) -> bool:
        """Still on the temporary password: first connection not completed."""
        return self.status == "pending"


@dataclass(frozen=True)
class Grant:
    """What a new token allows: its kind, whose account at which password version, for how long."""

    kind: TokenKind
    identifier: str
    password_version: int
    lifetime_seconds: int
    idle_seconds: int | None = None


@dataclass(frozen=True)
class TokenRecord:
    """A session, a first-connection pass or a reset link, known by the SHA-256 of its raw value."""

    pk: str
    kind: TokenKind
    identifier: str
    password_version: int
    created_at: int
    expires_at: int
    last_seen_at: int
    idle_seconds: int | None = None

    def alive(self, now: int) -> bool:
        # Checked in code: DynamoDB TTL deletes expired items up to two days late.
        if now >= self.expires_at:
            return False
        return self.idle_seconds is None or now < self.last_seen_at + self.idle_seconds
