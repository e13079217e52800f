"""The things the portal keeps: organisations, agent accounts and opaque tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Role = Literal["referent", "profile"]
Status = Literal["pending", "active", "disabled"]
# Who did something the journal records: an agent's identifier, or the operator.
OPERATOR = "opérateur"
Action = Literal[
    "account_created",
    "first_connection_completed",
    "password_reset",
    "password_changed",
    "temporary_password_sent",
    "disabled",
    "enabled",
    "identifier_blocked",
]
TokenKind = Literal["session", "first_connection", "reset"]


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    created_at: int
    # Référents whose account is active: the organisation must keep at least one.
    active_referents: int = 0


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
    created_by: str = OPERATOR
    last_login_at: int | None = None
    # Bumped to end every session and first-connection pass while the password (and its reset links) stays.
    sessions_version: int = 0

    @property
    def pending(self) -> bool:
        """Still on the temporary password: first connection not completed."""
        return self.status == "pending"

    @property
    def disabled(self) -> bool:
        return self.status == "disabled"

    @property
    def active_referent(self) -> bool:
        """Counts towards the référents an organisation must keep (at least one)."""
        return self.role == "referent" and self.status == "active"


@dataclass(frozen=True)
class JournalEvent:
    """One line of an organisation's journal: who did what to which agent, when."""

    org_code: str
    at: int
    actor: str
    action: Action
    target: str
    detail: str = ""
    # Orders the events of one second and tells them apart (Services.sequence).
    seq: int = 0


@dataclass(frozen=True)
class Page:
    """Some items of a listing and where the next page starts (None: this was the last)."""

    items: list[Any]
    next_cursor: str | None


@dataclass(frozen=True)
class Grant:
    """What a new token allows: its kind, whose account at which password version, for how long."""

    kind: TokenKind
    identifier: str
    password_version: int
    lifetime_seconds: int
    idle_seconds: int | None = None
    # Sessions and first-connection passes only: the account's sessions_version when issued.
    sessions_version: int = 0


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
    sessions_version: int = 0

    def alive(self, now: int) -> bool:
        # Checked in code: DynamoDB TTL deletes expired items up to two days late.
        if now >= self.expires_at:
            return False
        return self.idle_seconds is None or now < self.last_seen_at + self.idle_seconds
