"""Forgotten identifier, forgotten password and the reset link."""

from __future__ import annotations

from cmi import messages
from cmi.errors import BadRequest, FieldErrors
from cmi.first_connection import notify, password_errors
from cmi.models import ForgotIdentifierRequest, ForgotPasswordRequest, ResetPasswordRequest
from cmi.observability import count, logger
from cmi.portal import Portal


def forgot_identifier(portal: Portal, body: ForgotIdentifierRequest) -> str:
    # Same work whatever the address: the lookup and the mail happen in the mailer function.
    portal.queue.request("forgot_identifier", email=body.email)
    count("ForgotIdentifierRequested")
    return messages.FORGOT_IDENTIFIER_SENT


def forgot_password(portal: Portal, body: ForgotPasswordRequest) -> str:
    portal.queue.request("forgot_password", identifier=body.identifier)
    count("ForgotPasswordRequested")
    return messages.FORGOT_PASSWORD_SENT


def reset_password(portal: Portal, body: ResetPasswordRequest) -> None:
    """Set the new password if the link is still good; sessions and passes end with the version bump."""
    invalid = BadRequest(messages.RESET_LINK_INVALID)
    now = portal.now()
    record = portal.tokens.get("reset", body.token) if len(body.token) <= 128 else None
    if record is None or not record.alive(now):
        raise invalid
    account = portal.accounts.get(record.identifier)
    if account is None or account.password_version != record.password_version:
        raise invalid
    errors = password_errors(portal, account, body)
    if errors:
        raise FieldErrors(errors)
    items = [
        portal.tokens.consume_item(record),
        portal.accounts.set_password_item(account, portal.hasher.hash(body.new_password), now),
        portal.throttle.clear_item(account.identifier),
    ]
    if not portal.transact(items):
        raise invalid  # used concurrently, or the password changed meanwhile
    count("PasswordReset")
    logger.info("password reset", extra={"identifier": account.identifier})
    notify(portal, "password_changed", account.identifier)
