"""What the use cases need from the outside world, as protocols.

The store (DynamoDB), the mail queue and the process container implement them; unit tests use
in-memory fakes. Reads and single writes are repository operations; writes that must happen
together go through a unit of work, whose `commit` applies all of them or none.
"""

from __future__ import annotations

from typing import Protocol

from cmi.config import Settings
from cmi.domain.model import Account, Grant, JournalEvent, Organisation, Page, Status, TokenKind, TokenRecord
from cmi.domain.passwords import Hasher
from cmi.domain.throttling import LoginState, LoginThrottle, Policy, SourceFailures
from cmi.mail.message import Mail
from cmi.mail.requests import MailRequest


class AccountStore(Protocol):
    def get(self, identifier: str) -> Account | None: ...
    def get_organisation(self, code: str) -> Organisation | None: ...
    def by_email(self, email_lower: str) -> list[Account]: ...
    def login_state(self, identifier: str, source: SourceFailures | None) -> LoginState:
        """The account (if any), its throttle state and the source's failures, read together."""
        ...

    def create_organisation(self, organisation: Organisation) -> bool:
        """False when the code émetteur is taken."""
        ...

    def agents(self, org_code: str, cursor: str | None, limit: int) -> Page:
        """The organisation's accounts, by last name; raises ValueError for a cursor it did not issue."""
        ...

    def email_taken(self, org_code: str, email_lower: str) -> bool:
        """Whether an agent of the organisation already has this address."""
        ...


class JournalStore(Protocol):
    def events(self, org_code: str, cursor: str | None, limit: int) -> Page:
        """The organisation's journal, newest first; raises ValueError for a cursor it did not issue."""
        ...


class TokenStore(Protocol):
    def get(self, kind: TokenKind, raw: str) -> TokenRecord | None: ...
    def touch(self, record: TokenRecord, now: int) -> None:
        """Slide the idle timeout (the absolute expiry never moves)."""
        ...

    def delete(self, raw: str) -> None: ...


class ThrottleStore(Protocol):
    policy: Policy

    def get_login(self, identifier: str) -> LoginThrottle: ...
    def take_attempt(self, identifier: str, seen: LoginThrottle, now: int) -> LoginThrottle:
        """Count one attempt before its password is checked (atomically); TooManyAttempts if none is allowed now."""
        ...

    def record_source_failure(self, failures: SourceFailures, now: int) -> None: ...

    def forget_failures(self, identifier: str) -> bool:
        """True when there were failures to forget."""
        ...

    def take_mail_slot(self, scope: str, value: str, now: int, per_hour: int) -> bool: ...


class AccountWrites(Protocol):
    def create(self, account: Account) -> None:
        """The account, if its identifier is free, its address unused in its organisation, its organisation there."""
        ...

    def remove(self, account: Account) -> None:
        """Undo `create` (the welcome mail could not be sent), if nothing changed since."""
        ...

    def restore_temporary_password(self, previous: Account, replaced: Account) -> None:
        """Put back the temporary password that `replaced` superseded (its mail could not be sent)."""
        ...

    def set_status(self, account: Account, status: Status) -> None:
        """Disable or enable, if unchanged since read; disabling also voids every session, pass and link."""
        ...

    def end_sessions(self, account: Account) -> None:
        """Void every session and first-connection pass of the account (not its password nor its reset links)."""
        ...

    def record_login(self, account: Account, now: int, password_hash: str | None = None) -> None:
        """The time of this login and, when the hash parameters rose, the same password hashed anew."""
        ...

    def count_active_referent(self, org_code: str, delta: int, *, keep_one: bool = False) -> None:
        """Move the organisation's count of active référents; with keep_one, fail rather than reach zero."""
        ...

    def set_password(
        self, account: Account, password_hash: str, now: int, *, alerts_opt_in: bool | None = None
    ) -> None:
        """New password, account active, temporary password gone, version bumped (if unchanged since read)."""
        ...

    def new_temporary_password(self, account: Account, password_hash: str, expires_at: int) -> None: ...


class TokenWrites(Protocol):
    def issue(self, raw: str, grant: Grant, now: int) -> None: ...

    def consume(self, record: TokenRecord) -> None:
        """Delete the token, failing the unit if someone consumed it first (single use)."""
        ...

    def forget(self, raw: str) -> None:
        """Delete a token if it is still there."""
        ...

    def claim_message(self, message_id: str, now: int) -> None:
        """Fail the unit if this queue message was already processed (SQS delivers at least once)."""
        ...

    def release_message(self, message_id: str) -> None: ...


class ThrottleWrites(Protocol):
    def clear(self, identifier: str) -> None: ...


class JournalWrites(Protocol):
    def record(self, event: JournalEvent) -> None:
        """Add the event, kept for the configured retention."""
        ...

    def retract(self, event: JournalEvent) -> None:
        """Remove an event recorded with an action that had to be undone."""
        ...


class UnitOfWork(Protocol):
    @property
    def accounts(self) -> AccountWrites: ...
    @property
    def tokens(self) -> TokenWrites: ...
    @property
    def throttle(self) -> ThrottleWrites: ...
    @property
    def journal(self) -> JournalWrites: ...

    def commit(self) -> bool:
        """Apply every write or none; False when a condition lost (a concurrent change won)."""
        ...


class MailRequests(Protocol):
    def send(self, request: MailRequest) -> None:
        """Queue a request for the mailer (raises when the queue is unavailable)."""
        ...

    def notify(self, request: MailRequest) -> None:
        """Queue an informative mail after a committed change: a failure is logged, never raised."""
        ...


class MailSender(Protocol):
    def send(self, mail: Mail) -> None: ...


class Services(Protocol):
    """Everything a use case may use: configuration, time, randomness, stores, mail."""

    settings: Settings
    accounts: AccountStore
    tokens: TokenStore
    throttle: ThrottleStore
    journal: JournalStore
    hasher: Hasher
    mail_requests: MailRequests
    mailer: MailSender

    def now(self) -> int: ...
    def new_token(self) -> str:
        """256 random bits, URL-safe."""
        ...

    def pick(self, alphabet: str) -> str:
        """One character, from a CSPRNG."""
        ...

    def sequence(self) -> int:
        """A number larger than any this process returned before (orders the journal within a second)."""
        ...

    def unit_of_work(self) -> UnitOfWork: ...
