"""Forgotten identifier, forgotten password and the reset link."""

from __future__ import annotations

from cmi import messages
from cmi.domain import journal
from cmi.domain.errors import InvalidInput, LinkNotValid
from cmi.domain.first_connection import password_errors
from cmi.domain.ports import Services
from cmi.mail.requests import AccountNotice, ForgotIdentifier, ForgotPassword
from cmi.observability import count, logger


def forgot_identifier(services: Services, email: str) -> str:
    # Same work whatever the address: the lookup and the mail happen in the mailer function.
    services.mail_requests.send(ForgotIdentifier(email))
    count("ForgotIdentifierRequested")
    return messages.FORGOT_IDENTIFIER_SENT


def forgot_password(services: Services, identifier: str) -> str:
    services.mail_requests.send(ForgotPassword(identifier))
    count("ForgotPasswordRequested")
    return messages.FORGOT_PASSWORD_SENT


def reset_password(services: Services, token: str, new_password: str, password_confirmation: str) -> None:
    """Set the new password if the link is still good; sessions and passes end with the version bump."""
    invalid = LinkNotValid(messages.RESET_LINK_INVALID)
    now = services.now()
    record = services.tokens.get("reset", token) if len(token) <= 128 else None
    if record is None or not record.alive(now):
        raise invalid
    account = services.accounts.get(record.identifier)
    if account is None or account.password_version != record.password_version or account.disabled:
        raise invalid
    errors = password_errors(services, account, new_password, password_confirmation)
    # A pending account's current password is the temporary one, which password_errors already refuses.
    # Checked last: one more argon2 verification, only for a password the policy accepts.
    if (
        not account.pending
        and "new_password" not in errors
        and services.hasher.verify(account.password_hash, new_password)
    ):
        errors["new_password"] = messages.PASSWORD_SAME_AS_CURRENT
    if errors:
        raise InvalidInput(errors)
    uow = services.unit_of_work()
    uow.tokens.consume(record)
    uow.accounts.set_password(account, services.hasher.hash(new_password), now)
    uow.throttle.clear(account.identifier)
    uow.journal.record(journal.entry(services, account, account.identifier, "password_reset"))
    if account.pending and account.role == "referent":  # the reset activates a pending account
        uow.accounts.count_active_referent(account.org_code, +1)
    if not uow.commit():
        raise invalid  # used concurrently, or the password changed meanwhile
    count("PasswordReset")
    logger.info("password reset", extra={"identifier": account.identifier})
    services.mail_requests.notify(AccountNotice(account.identifier, "password_changed"))
