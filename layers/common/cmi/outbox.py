"""What the mailer function does with each queued mail request.

Lookups, rate limits and reset tokens live here, off the HTTP path, so the API answers known
and unknown inputs with exactly the same work.
"""

from __future__ import annotations

from typing import Any

from cmi import notifications
from cmi.dynamo import error_code
from cmi.identity import mask_email
from cmi.mailer import Mail
from cmi.observability import count, logger
from cmi.portal import Portal


class MailNotSent(Exception):
    """SES refused or failed. Its own message may name the recipient, so only its code is kept."""


def _send(portal: Portal, mail: Mail, kind: str) -> None:
    try:
        portal.mailer.send(mail)
    except Exception as exc:
        count("MailFailed")
        code = error_code(exc) or type(exc).__name__
        logger.error("mail not sent", extra={"kind": kind, "to": mask_email(mail.to), "error_code": code})
        raise MailNotSent(f"{kind}: {code}") from None
    count("MailSent")
    logger.info("mail sent", extra={"kind": kind, "to": mask_email(mail.to)})


def deliver(portal: Portal, request: dict[str, Any]) -> None:
    kind = str(request.get("kind", ""))
    s = portal.settings
    now = portal.now()
    if kind == "forgot_identifier":
        email = str(request["email"])
        accounts = portal.accounts.by_email(email)
        if accounts and portal.throttle.take_mail_slot("EMAIL", email, now, s.mails_per_hour):
            _send(portal, notifications.identifier_reminder(accounts[0].email, accounts, s.portal_url), kind)
        elif accounts:
            count("MailRateLimited")
        return

    account = portal.accounts.get(str(request.get("identifier", "")))
    if account is None:
        return
    if kind == "forgot_password":
        if not portal.throttle.take_mail_slot("ID", account.identifier, now, s.mails_per_hour):
            count("MailRateLimited")
            return
        raw = portal.deps.random.token()
        item = portal.tokens.issue_item(
            raw, "reset", account.identifier, account.password_version, now, s.reset_link_minutes * 60
        )
        portal.tokens.put(item)
        link = f"{s.portal_url}/modification-mot-de-passe.html#token={raw}"
        try:
            _send(portal, notifications.reset_link(account, link, s.reset_link_minutes), kind)
        except Exception:
            portal.tokens.delete(raw)  # a link nobody received must not stay usable
            raise
    elif kind == "password_changed":
        _send(portal, notifications.password_changed(account, now, s.portal_url), kind)
    elif kind == "account_activated":
        _send(portal, notifications.account_activated(account, s.portal_url), kind)
    elif kind == "blocked":
        _send(
            portal,
            notifications.identifier_blocked(account, s.block_failures, s.block_window_hours, s.portal_url),
            kind,
        )
    else:
        logger.error("unknown mail request", extra={"kind": kind})
