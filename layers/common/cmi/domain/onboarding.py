"""Organisations and the life of their agents' accounts: creation, temporary passwords, disabling.

Shared by the ops command (actor « opérateur ») and the référent area (actor: the référent); every
change and its journal entry are written in one transaction.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cmi import messages
from cmi.domain import identity, journal
from cmi.domain.errors import Conflict, InvalidInput, OnboardingError
from cmi.domain.model import OPERATOR, Account, Organisation, Role
from cmi.domain.passwords import generate_temporary
from cmi.domain.ports import Services, UnitOfWork
from cmi.domain.units import undone_on_failure
from cmi.mail import templates
from cmi.observability import count, logger

# Digits after the code émetteur in generated identifiers (15 characters in all, as in the manual).
GENERATED_DIGITS = 10
# A generated identifier may already be taken: draw again, a few times.
IDENTIFIER_DRAWS = 5


@dataclass(frozen=True)
class NewAccount:
    account: Account
    temporary_password: str


def create_organisation(services: Services, code: str, name: str) -> Organisation:
    code = code.strip().upper()
    name = " ".join(name.split())
    if not identity.is_emitter_code(code):
        raise OnboardingError(f"code émetteur invalide « {code} » : 5 lettres ou chiffres attendus")
    if not name or len(name) > 200 or identity.has_invisible(name):
        raise OnboardingError("le nom de l'organisme est obligatoire (200 caractères visibles au plus)")
    organisation = Organisation(code=code, name=name, created_at=services.now())
    if not services.accounts.create_organisation(organisation):
        raise OnboardingError(f"l'organisme {code} existe déjà")
    return organisation


def _check_person(first_name: str, last_name: str, email: str) -> tuple[str, str, str]:
    try:
        first, last = identity.clean_name(first_name), identity.clean_name(last_name)
    except ValueError:
        raise OnboardingError(
            f"le prénom et le nom sont obligatoires : lettres, espaces, tirets et apostrophes, "
            f"{identity.NAME_MAX} caractères au plus"
        ) from None
    try:
        return first, last, identity.check_email(email)
    except ValueError:
        raise OnboardingError(f"adresse email invalide « {email} »") from None


def _welcome(services: Services, account: Account, temporary: str) -> None:
    try:
        services.mailer.send(templates.welcome(account, temporary, services.settings.portal_url))
    except Exception:
        count("MailFailed")
        raise


def _email_taken(services: Services, org_code: str, address: str) -> InvalidInput | None:
    if services.accounts.email_taken(org_code, address.lower()):
        return InvalidInput({"email": messages.EMAIL_ALREADY_USED})
    return None


def create_account(
    services: Services,
    org_code: str,
    first_name: str,
    last_name: str,
    email: str,
    role: Role = "referent",
    actor: str = OPERATOR,
) -> NewAccount:
    """Create a pending account, journal it and mail its identifier and temporary password.

    An address is used by one agent of an organisation at most. If the mail cannot be sent, the account
    and its journal entry are removed again: nothing is left half-done.
    """
    org_code = org_code.strip().upper()
    first, last, address = _check_person(first_name, last_name, email)
    organisation = services.accounts.get_organisation(org_code)
    if organisation is None:
        raise OnboardingError(f"l'organisme {org_code} n'existe pas")
    if taken := _email_taken(services, org_code, address):
        raise taken
    now = services.now()
    temporary = generate_temporary(services.pick)
    password_hash = services.hasher.hash(temporary)
    for _ in range(IDENTIFIER_DRAWS):
        suffix = "".join(services.pick("0123456789") for _ in range(GENERATED_DIGITS))
        account = Account(
            identifier=org_code + suffix,
            org_code=org_code,
            org_name=organisation.name,
            first_name=first,
            last_name=last,
            email=address,
            role=role,
            status="pending",
            password_hash=password_hash,
            password_version=1,
            created_at=now,
            temp_expires_at=now + services.settings.temporary_password_days * 86400,
            created_by=actor,
        )
        label = "Référent" if role == "referent" else "Profil"
        event = journal.entry(services, account, actor, "account_created", f"{label} {first} {last}")
        uow = services.unit_of_work()
        uow.accounts.create(account)
        uow.journal.record(event)
        if uow.commit():
            break
        if taken := _email_taken(services, org_code, address):  # another creation took the address meanwhile
            raise taken
    else:
        raise OnboardingError("impossible d'attribuer un identifiant libre, réessayez")

    def forget(uow: UnitOfWork) -> None:
        uow.accounts.remove(account)
        uow.journal.retract(event)

    with undone_on_failure(services, forget):
        _welcome(services, account, temporary)
    count("AccountCreated")
    logger.info("account created", extra={"identifier": account.identifier, "role": role})
    return NewAccount(account, temporary)


def resend_temporary_password(services: Services, account: Account, actor: str = OPERATOR) -> NewAccount:
    """A new temporary password (valid the configured number of days) for an account still pending."""
    if not account.pending:
        raise Conflict(messages.ALREADY_ACTIVATED)
    temporary = generate_temporary(services.pick)
    now = services.now()
    expires = now + services.settings.temporary_password_days * 86400
    password_hash = services.hasher.hash(temporary)
    event = journal.entry(services, account, actor, "temporary_password_sent")
    uow = services.unit_of_work()
    uow.accounts.new_temporary_password(account, password_hash, expires)
    uow.journal.record(event)
    if not uow.commit():
        raise Conflict(messages.CHANGED_MEANWHILE)
    updated = dataclasses.replace(
        account, password_hash=password_hash, temp_expires_at=expires, password_version=account.password_version + 1
    )

    def restore(uow: UnitOfWork) -> None:  # if the mail fails, the agent's last mail stays the valid one
        uow.accounts.restore_temporary_password(account, updated)
        uow.journal.retract(event)

    with undone_on_failure(services, restore):
        _welcome(services, updated, temporary)
    return NewAccount(updated, temporary)


def disable(services: Services, agent: Account, actor: str = OPERATOR, *, keep_a_referent: bool = False) -> Account:
    """Disable an account: every session, pass and link ends with it (new password version)."""
    if agent.disabled:
        return agent
    uow = services.unit_of_work()
    uow.accounts.set_status(agent, "disabled")
    if agent.active_referent:
        uow.accounts.count_active_referent(agent.org_code, -1, keep_one=keep_a_referent)
    uow.journal.record(journal.entry(services, agent, actor, "disabled"))
    if not uow.commit():
        organisation = services.accounts.get_organisation(agent.org_code)
        if keep_a_referent and agent.active_referent and organisation and organisation.active_referents <= 1:
            raise Conflict(messages.LAST_REFERENT)
        raise Conflict(messages.CHANGED_MEANWHILE)
    count("AccountDisabled")
    logger.info("account disabled", extra={"identifier": agent.identifier, "actor": actor})
    return dataclasses.replace(agent, status="disabled", password_version=agent.password_version + 1)


def enable(services: Services, agent: Account, actor: str = OPERATOR) -> Account:
    """Enable a disabled account again: active if it had completed its first connection, else pending."""
    if not agent.disabled:
        return agent
    enabled = dataclasses.replace(agent, status="active" if agent.activated_at else "pending")
    uow = services.unit_of_work()
    uow.accounts.set_status(agent, enabled.status)
    if enabled.active_referent:
        uow.accounts.count_active_referent(agent.org_code, +1)
    uow.journal.record(journal.entry(services, agent, actor, "enabled"))
    if not uow.commit():
        raise Conflict(messages.CHANGED_MEANWHILE)
    count("AccountEnabled")
    logger.info("account enabled", extra={"identifier": agent.identifier, "actor": actor})
    return enabled


def end_sessions(services: Services, agent: Account, actor: str = OPERATOR) -> Account:
    """End every session and first-connection pass of an account that stays enabled (password and reset links kept).

    Not journaled: the journal's actions are part of the référent area's API (SPEC §9) and none says this yet.
    """
    if agent.disabled:
        return agent  # disabling already ended them, and enabling does not bring them back
    uow = services.unit_of_work()
    uow.accounts.end_sessions(agent)
    if not uow.commit():
        raise Conflict(messages.CHANGED_MEANWHILE)
    count("SessionsEnded")
    logger.info("sessions ended", extra={"identifier": agent.identifier, "actor": actor})
    return dataclasses.replace(agent, sessions_version=agent.sessions_version + 1)


def unblock(services: Services, identifier: str) -> bool:
    """Forget the login failures of an identifier. True if there were any."""
    return services.throttle.forget_failures(identifier.strip().upper())
