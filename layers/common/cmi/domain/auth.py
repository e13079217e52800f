"""Login, sessions and logout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from cmi import messages
from cmi.domain.errors import NotAllowed, NotAuthenticated, TooManyAttempts
from cmi.domain.model import Account, Grant, TokenKind, TokenRecord
from cmi.domain.ports import Services
from cmi.domain.throttling import LoginThrottle, SourceFailures, source_failures
from cmi.mail.requests import AccountNotice
from cmi.observability import count, logger

# Refreshing the idle timer at most once a minute spares a write per request.
TOUCH_INTERVAL_SECONDS = 60
# Longer values are not tokens we issued: refused without a lookup.
MAX_TOKEN_LENGTH = 128


@dataclass(frozen=True)
class Opened:
    """A new session (next: home) or first-connection pass (next: first_connection) and its lifetime."""

    next: Literal["home", "first_connection"]
    token: str
    lifetime_seconds: int


def session_grant(services: Services, identifier: str, password_version: int, sessions_version: int) -> Grant:
    s = services.settings
    lifetime, idle = s.session_absolute_hours * 3600, s.session_idle_minutes * 60
    return Grant("session", identifier, password_version, lifetime, idle, sessions_version)


def _fail(
    services: Services, identifier: str, attempt: LoginThrottle, source: SourceFailures | None
) -> NotAuthenticated:
    """A wrong password: its attempt is already counted; the source's failures are counted now."""
    count("LoginFailed")
    if source is not None:
        services.throttle.record_source_failure(source, attempt.last_failure_at)
    if attempt.window_failures == services.throttle.policy.block_failures:
        # Exactly one attempt takes the last slot of the window; the mailer checks the account exists.
        count("IdentifierBlocked")
        logger.warning("identifier blocked", extra={"identifier": identifier})
        services.mail_requests.notify(AccountNotice(identifier, "identifier_blocked"))
    return NotAuthenticated(messages.BAD_CREDENTIALS)


def login(
    services: Services,
    identifier: str,
    password: str,
    previous_session: str | None = None,
    source: str | None = None,
) -> Opened:
    """Check the credentials; open a session (or a first-connection pass) with a new token.

    The attempt is counted before the password is checked (and forgotten when it is right), so
    parallel guesses get no more checks than the throttle allows. `source` is the client's
    address (a network prefix), slowed down after too many failures across identifiers. The
    session the browser still held, if any, ends in the same write (no session fixation).
    """
    now = services.now()
    policy = services.throttle.policy
    state = services.accounts.login_state(identifier, source_failures(source, now, policy) if source else None)
    try:
        if state.source is not None:
            state.source.check(now, policy)
        attempt = services.throttle.take_attempt(identifier, state.throttle, now)
    except TooManyAttempts:
        count("LoginThrottled")
        raise
    account = state.account
    if account is None:
        services.hasher.waste(password)
        raise _fail(services, identifier, attempt, state.source)
    if not services.hasher.verify(account.password_hash, password):
        raise _fail(services, identifier, attempt, state.source)
    if account.disabled:
        # The agent proved knowledge of the password: saying the account is disabled leaks nothing.
        count("LoginDisabled")
        services.throttle.forget_failures(identifier)  # the password was right: not a guess
        raise NotAllowed(messages.ACCOUNT_DISABLED)
    if account.pending and (account.temp_expires_at or 0) < now:
        # The agent proved knowledge of the temporary password: saying it expired leaks nothing.
        count("TemporaryPasswordExpired")
        services.throttle.forget_failures(identifier)
        raise NotAuthenticated(messages.TEMPORARY_PASSWORD_EXPIRED)

    s = services.settings
    uow = services.unit_of_work()
    uow.throttle.clear(identifier)
    rehashed = services.hasher.hash(password) if services.hasher.needs_rehash(account.password_hash) else None
    uow.accounts.record_login(account, now, rehashed)
    if previous_session and len(previous_session) <= MAX_TOKEN_LENGTH:
        uow.tokens.forget(previous_session)
    if account.pending:
        lifetime = s.first_connection_minutes * 60
        grant = Grant(
            "first_connection", identifier, account.password_version, lifetime, None, account.sessions_version
        )
        opened = Opened("first_connection", services.new_token(), grant.lifetime_seconds)
    else:
        grant = session_grant(services, account.identifier, account.password_version, account.sessions_version)
        opened = Opened("home", services.new_token(), grant.lifetime_seconds)
    uow.tokens.issue(opened.token, grant, now)
    if not uow.commit():
        # The password changed between our read and our write: the credentials are no longer right.
        raise NotAuthenticated(messages.BAD_CREDENTIALS)
    count("LoginSucceeded" if not account.pending else "FirstConnectionStarted")
    logger.info("login", extra={"identifier": identifier, "next": opened.next})
    return opened


def current_account(services: Services, raw: str | None, kind: TokenKind = "session") -> tuple[Account, TokenRecord]:
    """The account behind a session (or first-connection) token, or NotAuthenticated."""
    expired = messages.NOT_AUTHENTICATED if kind == "session" else messages.FIRST_CONNECTION_EXPIRED
    if not raw or len(raw) > MAX_TOKEN_LENGTH:
        raise NotAuthenticated(expired)
    now = services.now()
    record = services.tokens.get(kind, raw)
    if record is None or not record.alive(now):
        raise NotAuthenticated(expired)
    account = services.accounts.get(record.identifier)
    # A password change bumps the version: every session and pass issued before it is void.
    if account is None or account.password_version != record.password_version or account.disabled:
        raise NotAuthenticated(expired)
    if account.sessions_version != record.sessions_version:  # ended by the operator (cmi-admin end-sessions)
        raise NotAuthenticated(expired)
    if kind == "first_connection" and not account.pending:
        raise NotAuthenticated(expired)
    if kind == "first_connection" and (account.temp_expires_at or 0) < now:
        # The pass cannot outlive the temporary password it was opened with.
        raise NotAuthenticated(messages.TEMPORARY_PASSWORD_EXPIRED)
    if record.idle_seconds is not None and now - record.last_seen_at >= TOUCH_INTERVAL_SECONDS:
        services.tokens.touch(record, now)
    return account, record


def logout(services: Services, raw: str | None) -> None:
    if raw and len(raw) <= MAX_TOKEN_LENGTH:
        services.tokens.delete(raw)
        count("Logout")
