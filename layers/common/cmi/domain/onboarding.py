"""Registering organisations and their agents (the ops command and the local demo use it)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from cmi.domain import identity
from cmi.domain.errors import OnboardingError
from cmi.domain.model import Account, Organisation, Role
from cmi.domain.passwords import generate_temporary
from cmi.domain.ports import Services
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
    if not name or len(name) > 200:
        raise OnboardingError("le nom de l'organisme est obligatoire (200 caractères au plus)")
    organisation = Organisation(code=code, name=name, created_at=services.now())
    if not services.accounts.create_organisation(organisation):
        raise OnboardingError(f"l'organisme {code} existe déjà")
    return organisation


def _check_person(first_name: str, last_name: str, email: str) -> tuple[str, str, str]:
    first, last = " ".join(first_name.split()), " ".join(last_name.split())
    if not first or not last or len(first) > 100 or len(last) > 100:
        raise OnboardingError("le prénom et le nom sont obligatoires (100 caractères au plus)")
    try:
        identity.check_email(email)
    except ValueError:
        raise OnboardingError(f"adresse email invalide « {email} »") from None
    return first, last, email.strip()


def _welcome(services: Services, account: Account, temporary: str) -> None:
    try:
        services.mailer.send(templates.welcome(account, temporary, services.settings.portal_url))
    except Exception:
        count("MailFailed")
        raise


def create_account(
    services: Services, org_code: str, first_name: str, last_name: str, email: str, role: Role = "referent"
) -> NewAccount:
    """Create a pending account and mail its identifier and temporary password.

    If the mail cannot be sent, the account is removed again: nothing is left half-done.
    """
    org_code = org_code.strip().upper()
    first, last, address = _check_person(first_name, last_name, email)
    organisation = services.accounts.get_organisation(org_code)
    if organisation is None:
        raise OnboardingError(f"l'organisme {org_code} n'existe pas")
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
        )
        uow = services.unit_of_work()
        uow.accounts.create(account)
        if uow.commit():
            break
    else:
        raise OnboardingError("impossible d'attribuer un identifiant libre, réessayez")
    try:
        _welcome(services, account, temporary)
    except Exception:
        services.accounts.remove_unannounced(account)
        raise
    count("AccountCreated")
    logger.info("account created", extra={"identifier": account.identifier, "role": role})
    return NewAccount(account, temporary)


def resend_temporary_password(services: Services, identifier: str) -> NewAccount:
    """A new temporary password (valid the configured number of days) for an account still pending."""
    identifier = identity.normalise_identifier(identifier)
    account = services.accounts.get(identifier)
    if account is None:
        raise OnboardingError(f"aucun compte {identifier}")
    if not account.pending:
        raise OnboardingError(f"le compte {identifier} est déjà activé : utilisez « Mot de passe oublié »")
    temporary = generate_temporary(services.pick)
    expires = services.now() + services.settings.temporary_password_days * 86400
    password_hash = services.hasher.hash(temporary)
    uow = services.unit_of_work()
    uow.accounts.new_temporary_password(account, password_hash, expires)
    if not uow.commit():
        raise OnboardingError(f"le compte {identifier} a changé entre-temps, réessayez")
    updated = dataclasses.replace(
        account, password_hash=password_hash, temp_expires_at=expires, password_version=account.password_version + 1
    )
    try:
        _welcome(services, updated, temporary)
    except Exception:
        # The agent's last mail stays the valid one.
        services.accounts.restore_temporary_password(account, updated)
        raise
    return NewAccount(updated, temporary)


def unblock(services: Services, identifier: str) -> bool:
    """Forget the login failures of an identifier. True if there were any."""
    return services.throttle.forget_failures(identifier.strip().upper())
