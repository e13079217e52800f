"""What the mailer function does with each mail request: one handler per kind, in a table.

Lookups, rate limits and reset tokens live here, off the HTTP path, so the API answers known
and unknown inputs with exactly the same work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cmi.config import Settings
from cmi.domain import journal
from cmi.domain.identity import mask_email
from cmi.domain.model import Account, Grant
from cmi.domain.ports import Services, UnitOfWork
from cmi.domain.units import undone_on_failure
from cmi.mail import templates
from cmi.mail.message import Mail
from cmi.mail.requests import AccountNotice, ForgotIdentifier, ForgotPassword, MailRequest, NoticeKind
from cmi.observability import count, logger
from cmi.store.dynamo import error_code


class MailNotSent(Exception):
    """SES refused or failed. Its own message may name the recipient, so only its code is kept."""


def _send(services: Services, mail: Mail, kind: str) -> None:
    try:
        services.mailer.send(mail)
    except Exception as exc:
        count("MailFailed")
        code = error_code(exc) or type(exc).__name__
        logger.error("mail not sent", extra={"kind": kind, "to": mask_email(mail.to), "error_code": code})
        raise MailNotSent(f"{kind}: {code}") from None
    count("MailSent")
    logger.info("mail sent", extra={"kind": kind, "to": mask_email(mail.to)})


def _forgot_identifier(services: Services, request: ForgotIdentifier, message_id: str) -> None:
    s = services.settings
    # A disabled account is not recalled: its owner can no longer log in (SPEC §9).
    accounts = [a for a in services.accounts.by_email(request.email) if not a.disabled]
    if not accounts:
        return
    if not services.throttle.take_mail_slot("EMAIL", request.email, services.now(), s.mails_per_hour):
        count("MailRateLimited")
        return
    _send(services, templates.identifier_reminder(accounts[0].email, accounts, s.portal_url), request.kind)


def _forgot_password(services: Services, request: ForgotPassword, message_id: str) -> None:
    s = services.settings
    account = services.accounts.get(request.identifier)
    if account is None or account.disabled:
        return
    now = services.now()
    raw = services.new_token()
    # The link and the claim on this message are one write: a message SQS delivers twice makes one link.
    uow = services.unit_of_work()
    uow.tokens.claim_message(message_id, now)
    uow.tokens.issue(raw, Grant("reset", account.identifier, account.password_version, s.reset_link_minutes * 60), now)
    if not uow.commit():
        count("MailDuplicate")
        logger.info("mail request already processed", extra={"kind": request.kind})
        return
    if not services.throttle.take_mail_slot("ID", account.identifier, now, s.mails_per_hour):
        count("MailRateLimited")
        services.tokens.delete(raw)
        return
    link = f"{s.portal_url}/modification-mot-de-passe.html#token={raw}"

    def void(uow: UnitOfWork) -> None:  # a link nobody received must not stay usable; SQS retries the message
        uow.tokens.forget(raw)
        uow.tokens.release_message(message_id)

    with undone_on_failure(services, void):
        _send(services, templates.reset_link(account, link, s.reset_link_minutes), request.kind)


# The informative mails: what to write, given the account, the settings and the time.
NOTICES: dict[NoticeKind, Callable[[Account, Settings, int], Mail]] = {
    "password_changed": lambda account, s, now: templates.password_changed(account, now, s.portal_url),
    "account_activated": lambda account, s, now: templates.account_activated(account, s.portal_url),
    "identifier_blocked": lambda account, s, now: templates.identifier_blocked(
        account, s.block_failures, s.block_window_hours, s.portal_url
    ),
}


def _notice(services: Services, request: AccountNotice, message_id: str) -> None:
    account = services.accounts.get(request.identifier)
    if account is None:
        return
    if request.kind == "identifier_blocked":
        _journal_block(services, account, message_id)
    _send(services, NOTICES[request.kind](account, services.settings, services.now()), request.kind)


def _journal_block(services: Services, account: Account, message_id: str) -> None:
    """The block in the organisation's journal, once per message; here, off the HTTP path, the login answer
    costs the same whether or not the identifier is real."""
    s = services.settings
    detail = f"{s.block_failures} tentatives de connexion infructueuses en {s.block_window_hours} heures"
    event = journal.entry(services, account, account.identifier, "identifier_blocked", detail)
    uow = services.unit_of_work()
    uow.tokens.claim_message(f"{message_id}#journal", services.now())
    uow.journal.record(event)
    uow.commit()  # False: a redelivery of a message already journaled


HANDLERS: dict[type[Any], Callable[[Services, Any, str], None]] = {
    ForgotIdentifier: _forgot_identifier,
    ForgotPassword: _forgot_password,
    AccountNotice: _notice,
}


def deliver(services: Services, request: MailRequest, message_id: str) -> None:
    HANDLERS[type(request)](services, request, message_id)
