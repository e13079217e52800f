"""Login, sessions and logout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cmi import messages
from cmi.accounts import Account
from cmi.dynamo import key
from cmi.errors import Unauthorized
from cmi.http import FIRST_CONNECTION_COOKIE, SESSION_COOKIE, Cookie
from cmi.models import LoginRequest
from cmi.observability import count, logger
from cmi.portal import Portal
from cmi.throttle import LoginThrottle
from cmi.tokens import Kind, TokenRecord

# Refreshing the idle timer at most once a minute spares a write per request.
TOUCH_INTERVAL_SECONDS = 60


@dataclass(frozen=True)
class LoginOutcome:
    next: str
    cookie: str


def _read_for_login(portal: Portal, identifier: str) -> tuple[Account | None, LoginThrottle]:
    """Account and throttle state in one round trip."""
    s = portal.settings
    wanted: dict[str, Any] = {
        s.accounts_table: {"Keys": [key(identifier)], "ConsistentRead": True},
        s.throttle_table: {"Keys": [key(portal.throttle.login_key(identifier))], "ConsistentRead": True},
    }
    found: dict[str, list[dict[str, Any]]] = {s.accounts_table: [], s.throttle_table: []}
    for _ in range(5):
        response = portal.deps.dynamodb.batch_get_item(RequestItems=wanted)
        for table, items in response.get("Responses", {}).items():
            found[table].extend(items)
        wanted = response.get("UnprocessedKeys") or {}
        if not wanted:
            break
    else:
        raise RuntimeError("batch read left keys unprocessed")
    account = Account.from_item(found[s.accounts_table][0]) if found[s.accounts_table] else None
    throttle = LoginThrottle.from_item(found[s.throttle_table][0] if found[s.throttle_table] else None)
    return account, throttle


def _fail(portal: Portal, identifier: str, throttle: LoginThrottle, now: int) -> Unauthorized:
    state = portal.throttle.record_failure(identifier, throttle, now)
    count("LoginFailed")
    if state.window_failures == portal.throttle.policy.block_failures:
        # Exactly one request sees the counter reach the threshold; the mailer checks the account exists.
        count("IdentifierBlocked")
        logger.warning("identifier blocked", extra={"identifier": identifier})
        # The failure is counted whatever happens to the mail: a queue outage must not turn it into a 5xx.
        portal.queue.notify("blocked", identifier)
    return Unauthorized(messages.BAD_CREDENTIALS)


def login(portal: Portal, body: LoginRequest, previous_session: str | None = None) -> LoginOutcome:
    """Check the credentials; open a session (or a first-connection pass) with a new token.

    The session the browser still held, if any, ends in the same write (no session fixation).
    """
    now = portal.now()
    identifier = body.identifier
    account, throttle = _read_for_login(portal, identifier)
    try:
        throttle.check(now, portal.throttle.policy)
    except Exception:
        count("LoginThrottled")
        raise
    if account is None:
        portal.hasher.waste(body.password)
        raise _fail(portal, identifier, throttle, now)
    if not portal.hasher.verify(account.password_hash, body.password):
        raise _fail(portal, identifier, throttle, now)
    if account.pending and (account.temp_expires_at or 0) < now:
        # The agent proved knowledge of the temporary password: saying it expired leaks nothing.
        count("TemporaryPasswordExpired")
        raise Unauthorized(messages.TEMPORARY_PASSWORD_EXPIRED)

    s = portal.settings
    items: list[dict[str, Any]] = []
    if throttle.exists:
        items.append(portal.throttle.clear_item(identifier))
    if portal.hasher.needs_rehash(account.password_hash):
        items.append(portal.accounts.rehash_item(account, portal.hasher.hash(body.password)))
    if previous_session and len(previous_session) <= 128:
        items.append(portal.tokens.delete_item(previous_session))
    raw = portal.deps.random.token()
    kind: Kind
    if account.pending:
        kind, cookie_name, next_page = "first_connection", FIRST_CONNECTION_COOKIE, "first_connection"
        lifetime, idle = s.first_connection_minutes * 60, None
    else:
        kind, cookie_name, next_page = "session", SESSION_COOKIE, "home"
        lifetime, idle = s.session_absolute_hours * 3600, s.session_idle_minutes * 60
    items.append(portal.tokens.issue_item(raw, kind, identifier, account.password_version, now, lifetime, idle))
    if not portal.transact(items):
        # The password changed between our read and our write: the credentials are no longer right.
        raise Unauthorized(messages.BAD_CREDENTIALS)
    count("LoginSucceeded" if not account.pending else "FirstConnectionStarted")
    logger.info("login", extra={"identifier": identifier, "next": next_page})
    return LoginOutcome(next=next_page, cookie=Cookie.set(cookie_name, raw, max_age=lifetime))


def current_account(portal: Portal, raw: str | None, kind: Kind = "session") -> tuple[Account, TokenRecord]:
    """The account behind a session (or first-connection) cookie, or Unauthorized."""
    expired = messages.NOT_AUTHENTICATED if kind == "session" else messages.FIRST_CONNECTION_EXPIRED
    if not raw or len(raw) > 128:
        raise Unauthorized(expired)
    now = portal.now()
    record = portal.tokens.get(kind, raw)
    if record is None or not record.alive(now):
        raise Unauthorized(expired)
    account = portal.accounts.get(record.identifier)
    # A password change bumps the version: every session and pass issued before it is void.
    if account is None or account.password_version != record.password_version:
        raise Unauthorized(expired)
    if kind == "first_connection" and not account.pending:
        raise Unauthorized(expired)
    if record.idle_seconds is not None and now - record.last_seen_at >= TOUCH_INTERVAL_SECONDS:
        portal.tokens.touch(record, now)
    return account, record


def logout(portal: Portal, raw: str | None) -> str:
    if raw and len(raw) <= 128:
        portal.tokens.delete(raw)
        count("Logout")
    return Cookie.clear(SESSION_COOKIE)
