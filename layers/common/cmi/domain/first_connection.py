"""First connection: the agent replaces the temporary password and confirms the email on file."""

from __future__ import annotations

from cmi import messages
from cmi.domain import auth, identity, journal
from cmi.domain.errors import InvalidInput, NotAuthenticated
from cmi.domain.model import Account
from cmi.domain.passwords import PersonalData, policy_violations
from cmi.domain.ports import Services
from cmi.mail.requests import AccountNotice
from cmi.observability import count, logger


def prefill(services: Services, raw: str | None) -> Account:
    """The account whose first connection this pass allows."""
    account, _ = auth.current_account(services, raw, "first_connection")
    return account


def password_errors(services: Services, account: Account, new_password: str, confirmation: str) -> dict[str, str]:
    """Field errors of a new password and its confirmation (SPEC §5), each rule named."""
    person = PersonalData(account.identifier, account.first_name, account.last_name)
    problems = policy_violations(new_password, person)
    if account.pending and not problems and services.hasher.verify(account.password_hash, new_password):
        problems.append(messages.PASSWORD_SAME_AS_TEMPORARY)
    errors: dict[str, str] = {}
    if problems:
        errors["new_password"] = " ".join(problems)
    if confirmation != new_password:
        errors["password_confirmation"] = messages.CONFIRMATION_MISMATCH
    return errors


def complete(
    services: Services,
    raw: str | None,
    new_password: str,
    password_confirmation: str,
    email_confirmation: str,
    alerts_opt_in: bool,
) -> auth.Opened:
    """Activate the account and open a session, atomically."""
    account, record = auth.current_account(services, raw, "first_connection")
    errors = password_errors(services, account, new_password, password_confirmation)
    if not identity.same_email(email_confirmation, account.email):
        errors["email_confirmation"] = messages.EMAIL_CONFIRMATION_MISMATCH
    if errors:
        raise InvalidInput(errors)

    now = services.now()
    # The session carries the version the account gets now.
    grant = auth.session_grant(services, account.identifier, account.password_version + 1, account.sessions_version)
    opened = auth.Opened("home", services.new_token(), grant.lifetime_seconds)
    uow = services.unit_of_work()
    uow.accounts.set_password(account, services.hasher.hash(new_password), now, alerts_opt_in=alerts_opt_in)
    uow.tokens.consume(record)
    uow.tokens.issue(opened.token, grant, now)
    uow.journal.record(journal.entry(services, account, account.identifier, "first_connection_completed"))
    if account.role == "referent":
        uow.accounts.count_active_referent(account.org_code, +1)
    if not uow.commit():
        # A concurrent completion with the same pass won; this one changes nothing.
        raise NotAuthenticated(messages.FIRST_CONNECTION_EXPIRED)
    count("FirstConnectionCompleted")
    logger.info("first connection completed", extra={"identifier": account.identifier})
    services.mail_requests.notify(AccountNotice(account.identifier, "account_activated"))
    return opened
