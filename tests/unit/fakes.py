"""In-memory stores implementing the domain's ports: the use cases run without AWS or moto.

A unit of work collects (check, apply) pairs and applies them only if every check holds, as a
DynamoDB transaction would.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cmi.config import Settings
from cmi.domain.model import Account, Grant, JournalEvent, Organisation, Page, TokenKind, TokenRecord
from cmi.domain.passwords import Hasher
from cmi.domain.throttling import LoginState, LoginThrottle, Policy, SourceFailures
from cmi.mail.message import Mail
from cmi.mail.requests import MailRequest
from tests.support import FakeClock

SETTINGS = Settings(
    accounts_table="accounts",
    tokens_table="tokens",
    throttle_table="throttle",
    journal_table="journal",
    mail_queue_url="https://sqs.test/queue",
    portal_url="https://portail.test",
    sender_email="ne-pas-repondre@portail.test",
)


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass
class Memory:
    accounts: dict[str, Account] = field(default_factory=dict)
    organisations: dict[str, Organisation] = field(default_factory=dict)
    tokens: dict[str, TokenRecord] = field(default_factory=dict)
    throttles: dict[str, LoginThrottle] = field(default_factory=dict)
    sources: dict[tuple[str, int], int] = field(default_factory=dict)
    messages: set[str] = field(default_factory=set)
    journal: list[JournalEvent] = field(default_factory=list)
    mail_slots: dict[str, list[int]] = field(default_factory=dict)


class FakeAccounts:
    def __init__(self, memory: Memory) -> None:
        self.m = memory

    def get(self, identifier: str) -> Account | None:
        return self.m.accounts.get(identifier)

    def get_organisation(self, code: str) -> Organisation | None:
        return self.m.organisations.get(code)

    def by_email(self, email_lower: str) -> list[Account]:
        return sorted(
            (a for a in self.m.accounts.values() if a.email.lower() == email_lower), key=lambda a: a.identifier
        )

    def login_state(self, identifier: str, source: SourceFailures | None) -> LoginState:
        if source is not None:
            source = dataclasses.replace(source, failures=self.m.sources.get((source.source, source.bucket), 0))
        return LoginState(self.m.accounts.get(identifier), self.m.throttles.get(identifier, LoginThrottle()), source)

    def create_organisation(self, organisation: Organisation) -> bool:
        if organisation.code in self.m.organisations:
            return False
        self.m.organisations[organisation.code] = organisation
        return True

    def agents(self, org_code: str, cursor: str | None, limit: int) -> Page:
        ordered = sorted(
            (a for a in self.m.accounts.values() if a.org_code == org_code),
            key=lambda a: (a.last_name.casefold(), a.first_name.casefold(), a.identifier),
        )
        start = int(cursor) if cursor else 0  # the fakes' cursor: an offset
        rest = ordered[start + limit :]
        return Page(ordered[start : start + limit], str(start + limit) if rest else None)

    def email_taken(self, org_code: str, email_lower: str) -> bool:
        return any(a.org_code == org_code and a.email.lower() == email_lower for a in self.m.accounts.values())


class FakeJournal:
    def __init__(self, memory: Memory) -> None:
        self.m = memory

    def events(self, org_code: str, cursor: str | None, limit: int) -> Page:
        ordered = sorted((e for e in self.m.journal if e.org_code == org_code), key=lambda e: (-e.at, -e.seq))
        start = int(cursor) if cursor else 0
        return Page(ordered[start : start + limit], str(start + limit) if ordered[start + limit :] else None)


class FakeTokens:
    def __init__(self, memory: Memory) -> None:
        self.m = memory

    def get(self, kind: TokenKind, raw: str) -> TokenRecord | None:
        record = self.m.tokens.get(_digest(raw))
        return record if record is not None and record.kind == kind else None

    def touch(self, record: TokenRecord, now: int) -> None:
        if record.pk in self.m.tokens:
            self.m.tokens[record.pk] = dataclasses.replace(self.m.tokens[record.pk], last_seen_at=now)

    def delete(self, raw: str) -> None:
        self.m.tokens.pop(_digest(raw), None)


class FakeThrottle:
    def __init__(self, memory: Memory, policy: Policy) -> None:
        self.m = memory
        self.policy = policy

    def get_login(self, identifier: str) -> LoginThrottle:
        return self.m.throttles.get(identifier, LoginThrottle())

    def take_attempt(self, identifier: str, seen: LoginThrottle, now: int) -> LoginThrottle:
        current = self.m.throttles.get(identifier, LoginThrottle())
        current.check(now, self.policy)
        self.m.throttles[identifier] = current.after_attempt(now, self.policy)
        return self.m.throttles[identifier]

    def record_source_failure(self, failures: SourceFailures, now: int) -> None:
        where = (failures.source, failures.bucket)
        self.m.sources[where] = self.m.sources.get(where, 0) + 1

    def forget_failures(self, identifier: str) -> bool:
        return self.m.throttles.pop(identifier, None) is not None

    def take_mail_slot(self, scope: str, value: str, now: int, per_hour: int) -> bool:
        recent = [t for t in self.m.mail_slots.get(f"{scope}#{value}", []) if t > now - 3600]
        if len(recent) >= per_hour:
            return False
        self.m.mail_slots[f"{scope}#{value}"] = [*recent, now]
        return True


Step = tuple[Callable[[], bool], Callable[[], None]]


class _Writes:
    def __init__(self, memory: Memory, steps: list[Step]) -> None:
        self.m = memory
        self.steps = steps

    def add(self, check: Callable[[], bool], apply: Callable[[], None]) -> None:
        self.steps.append((check, apply))


class FakeAccountWrites(_Writes):
    def create(self, account: Account) -> None:
        def apply() -> None:
            self.m.accounts[account.identifier] = account

        def check() -> bool:
            taken = any(
                a.org_code == account.org_code and a.email.lower() == account.email.lower()
                for a in self.m.accounts.values()
            )
            return account.org_code in self.m.organisations and account.identifier not in self.m.accounts and not taken

        self.add(check, apply)

    def remove(self, account: Account) -> None:
        self.add(lambda: True, lambda: self.m.accounts.pop(account.identifier, None) and None)

    def restore_temporary_password(self, previous: Account, replaced: Account) -> None:
        self.add(lambda: True, lambda: self.m.accounts.__setitem__(previous.identifier, previous))

    def set_status(self, account: Account, status: str) -> None:
        version = account.password_version + (1 if status == "disabled" else 0)
        self._versioned(account, status=status, password_version=version)

    def end_sessions(self, account: Account) -> None:
        def apply() -> None:
            stored = self.m.accounts[account.identifier]
            ended = dataclasses.replace(stored, sessions_version=stored.sessions_version + 1)
            self.m.accounts[account.identifier] = ended

        self.add(lambda: account.identifier in self.m.accounts, apply)

    def record_login(self, account: Account, now: int, password_hash: str | None = None) -> None:
        changes: dict[str, Any] = {"last_login_at": now}
        if password_hash is not None:
            changes["password_hash"] = password_hash
        self._versioned(account, **changes)

    def count_active_referent(self, org_code: str, delta: int, *, keep_one: bool = False) -> None:
        def apply() -> None:
            org = self.m.organisations[org_code]
            self.m.organisations[org_code] = dataclasses.replace(org, active_referents=org.active_referents + delta)

        self.add(lambda: not keep_one or self.m.organisations[org_code].active_referents > 1, apply)

    def _versioned(self, account: Account, **changes: Any) -> None:
        def apply() -> None:
            self.m.accounts[account.identifier] = dataclasses.replace(self.m.accounts[account.identifier], **changes)

        def check() -> bool:
            stored = self.m.accounts.get(account.identifier)
            return stored is not None and stored.password_version == account.password_version

        self.add(check, apply)

    def set_password(
        self, account: Account, password_hash: str, now: int, *, alerts_opt_in: bool | None = None
    ) -> None:
        changes: dict[str, Any] = {
            "password_hash": password_hash,
            "password_version": account.password_version + 1,
            "status": "active",
            "password_changed_at": now,
            "temp_expires_at": None,
        }
        if account.pending:
            changes["activated_at"] = now
        if alerts_opt_in is not None:
            changes["alerts_opt_in"] = alerts_opt_in
        self._versioned(account, **changes)

    def new_temporary_password(self, account: Account, password_hash: str, expires_at: int) -> None:
        self._versioned(
            account,
            password_hash=password_hash,
            temp_expires_at=expires_at,
            password_version=account.password_version + 1,
        )


class FakeTokenWrites(_Writes):
    def issue(self, raw: str, grant: Grant, now: int) -> None:
        g = grant
        record = TokenRecord(_digest(raw), g.kind, g.identifier, g.password_version, now, now + g.lifetime_seconds, now)
        record = dataclasses.replace(record, idle_seconds=g.idle_seconds, sessions_version=g.sessions_version)

        def apply() -> None:
            self.m.tokens[record.pk] = record

        self.add(lambda: record.pk not in self.m.tokens, apply)

    def consume(self, record: TokenRecord) -> None:
        self.add(lambda: record.pk in self.m.tokens, lambda: self.m.tokens.pop(record.pk, None) and None)

    def forget(self, raw: str) -> None:
        self.add(lambda: True, lambda: self.m.tokens.pop(_digest(raw), None) and None)

    def claim_message(self, message_id: str, now: int) -> None:
        self.add(lambda: message_id not in self.m.messages, lambda: self.m.messages.add(message_id))

    def release_message(self, message_id: str) -> None:
        self.add(lambda: True, lambda: self.m.messages.discard(message_id))


class FakeThrottleWrites(_Writes):
    def clear(self, identifier: str) -> None:
        self.add(lambda: True, lambda: self.m.throttles.pop(identifier, None) and None)


class FakeJournalWrites(_Writes):
    def record(self, event: JournalEvent) -> None:
        self.add(lambda: event not in self.m.journal, lambda: self.m.journal.append(event))

    def retract(self, event: JournalEvent) -> None:
        self.add(lambda: True, lambda: self.m.journal.remove(event) if event in self.m.journal else None)


class FakeUnitOfWork:
    def __init__(self, memory: Memory) -> None:
        self.steps: list[Step] = []
        self.accounts = FakeAccountWrites(memory, self.steps)
        self.tokens = FakeTokenWrites(memory, self.steps)
        self.throttle = FakeThrottleWrites(memory, self.steps)
        self.journal = FakeJournalWrites(memory, self.steps)

    def commit(self) -> bool:
        steps, self.steps[:] = list(self.steps), []
        if not all(check() for check, _ in steps):
            return False
        for _, apply in steps:
            apply()
        return True


class FakeMailRequests:
    def __init__(self) -> None:
        self.sent: list[MailRequest] = []

    def send(self, request: MailRequest) -> None:
        self.sent.append(request)

    def notify(self, request: MailRequest) -> None:
        self.sent.append(request)


class FakeMailer:
    def __init__(self) -> None:
        self.sent: list[Mail] = []
        self.fail = False

    def send(self, mail: Mail) -> None:
        if self.fail:
            raise RuntimeError("SES refused")
        self.sent.append(mail)


class FakeServices:
    """The domain's `Services`, in memory, with a clock tests move and predictable tokens."""

    def __init__(self, settings: Settings = SETTINGS) -> None:
        self.settings = settings
        self.clock = FakeClock()
        self.memory = Memory()
        self.accounts = FakeAccounts(self.memory)
        self.tokens = FakeTokens(self.memory)
        self.throttle = FakeThrottle(self.memory, Policy.from_settings(settings))
        self.journal = FakeJournal(self.memory)
        self.hasher = Hasher(settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism)
        self.mail_requests = FakeMailRequests()
        self.mailer = FakeMailer()
        self._count = 0

    def now(self) -> int:
        return int(self.clock())

    def new_token(self) -> str:
        self._count += 1
        return f"token-{self._count:04d}-" + "x" * 32

    def pick(self, alphabet: str) -> str:
        import secrets

        return secrets.choice(alphabet)

    def sequence(self) -> int:
        self._count += 1
        return self._count

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self.memory)
