"""First connection: the agent replaces the temporary password and confirms the email on file."""

from __future__ import annotations

from cmi import auth, messages
from cmi.accounts import Account
from cmi.errors import FieldErrors, Unauthorized
from cmi.http import FIRST_CONNECTION_COOKIE, SESSION_COOKIE, Cookie
from cmi.models import FirstConnectionRequest, PrefillResponse, ResetPasswordRequest
from cmi.observability import count, logger
from cmi.passwords import PersonalData, policy_violations
from cmi.portal import Portal


def prefill(portal: Portal, raw: str | None) -> PrefillResponse:
    account, _ = auth.current_account(portal, raw, "first_connection")
    return PrefillResponse(
        identifier=account.identifier,
        first_name=account.first_name,
        last_name=account.last_name,
        email=account.email,
    )


def password_errors(
    portal: Portal, account: Account, body: FirstConnectionRequest | ResetPasswordRequest
) -> dict[str, str]:
    """Field errors of a new password and its confirmation (SPEC §5), each rule named."""
    person = PersonalData(account.identifier, account.first_name, account.last_name)
    problems = policy_violations(body.new_password, person)
    if account.pending and not problems and portal.hasher.verify(account.password_hash, body.new_password):
        problems.append(messages.PASSWORD_SAME_AS_TEMPORARY)
    errors: dict[str, str] = {}
    if problems:
        errors["new_password"] = " ".join(problems)
    if body.password_confirmation != body.new_password:
        errors["password_confirmation"] = messages.CONFIRMATION_MISMATCH
    return errors


def complete(portal: Portal, raw: str | None, body: FirstConnectionRequest) -> list[str]:
    """Activate the account atomically and open a session; returns the cookies to set."""
    account, record = auth.current_account(portal, raw, "first_connection")
    errors = password_errors(portal, account, body)
    if body.email_confirmation.strip().lower() != account.email.lower():
        errors["email_confirmation"] = messages.EMAIL_CONFIRMATION_MISMATCH
    if errors:
        raise FieldErrors(errors)

    s = portal.settings
    now = portal.now()
    session = portal.deps.random.token()
    lifetime = s.session_absolute_hours * 3600
    items = [
        portal.accounts.set_password_item(
            account, portal.hasher.hash(body.new_password), now, alerts_opt_in=body.alerts_opt_in
        ),
        portal.tokens.consume_item(record),
        # The session carries the version the account gets now.
        portal.tokens.issue_item(
            session,
            "session",
            account.identifier,
            account.password_version + 1,
            now,
            lifetime,
            s.session_idle_minutes * 60,
        ),
    ]
    if not portal.transact(items):
        # A concurrent completion with the same pass won; this one changes nothing.
        raise Unauthorized(messages.FIRST_CONNECTION_EXPIRED)
    count("FirstConnectionCompleted")
    logger.info("first connection completed", extra={"identifier": account.identifier})
    notify(portal, "account_activated", account.identifier)
    return [Cookie.set(SESSION_COOKIE, session, max_age=lifetime), Cookie.clear(FIRST_CONNECTION_COOKIE)]


def notify(portal: Portal, kind: str, identifier: str) -> None:
    """Queue an informative mail after a committed change: failing to queue it must not undo the change."""
    portal.queue.notify(kind, identifier)
