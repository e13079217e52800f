"""Registering organisations and their agents (used by the ops command and the local demo)."""

from __future__ import annotations

from dataclasses import dataclass

from cmi import identity, notifications
from cmi.accounts import Account, Organisation, Role
from cmi.dynamo import is_condition_failure
from cmi.observability import count, logger
from cmi.passwords import generate_temporary
from cmi.portal import Portal

# Digits after the code émetteur in generated identifiers (15 characters in all, as in the manual).
GENERATED_DIGITS = 10


class OnboardingError(Exception):
    """Bad input or state; the message is meant for the operator."""


@dataclass(frozen=True)
class NewAccount:
    account: Account
    temporary_password: str


def create_organisation(portal: Portal, code: str, name: str) -> Organisation:
    code = code.strip().upper()
    name = " ".join(name.split())
    if not identity.is_emitter_code(code):
        raise OnboardingError(f"code émetteur invalide « {code} » : 5 lettres ou chiffres attendus")
    if not name or len(name) > 200:
        raise OnboardingError("le nom de l'organisme est obligatoire (200 caractères au plus)")
    organisation = Organisation(code=code, name=name, created_at=portal.now())
    try:
        portal.accounts.put_organisation(organisation)
    except Exception as exc:
        if is_condition_failure(exc):
            raise OnboardingError(f"l'organisme {code} existe déjà") from None
        raise
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


def create_account(
    portal: Portal, org_code: str, first_name: str, last_name: str, email: str, role: Role = "referent"
) -> NewAccount:
    """Create a pending account and mail its identifier and temporary password.

    If the mail cannot be sent, the account is removed again: nothing is left half-done.
    """
    org_code = org_code.strip().upper()
    first, last, address = _check_person(first_name, last_name, email)
    organisation = portal.accounts.get_organisation(org_code)
    if organisation is None:
        raise OnboardingError(f"l'organisme {org_code} n'existe pas")
    now = portal.now()
    temporary = generate_temporary(portal.deps.random.choice)
    for _ in range(5):  # a generated identifier may already be taken
        suffix = "".join(portal.deps.random.choice("0123456789") for _ in range(GENERATED_DIGITS))
        account = Account(
            identifier=org_code + suffix,
            org_code=org_code,
            org_name=organisation.name,
            first_name=first,
            last_name=last,
            email=address,
            role=role,
            status="pending",
            password_hash=portal.hasher.hash(temporary),
            password_version=1,
            created_at=now,
            temp_expires_at=now + portal.settings.temporary_password_days * 86400,
        )
        items = [portal.accounts.organisation_exists_item(org_code), portal.accounts.create_item(account)]
        if portal.transact(items):
            break
    else:
        raise OnboardingError("impossible d'attribuer un identifiant libre, réessayez")
    try:
        portal.mailer.send(notifications.welcome(account, temporary, portal.settings.portal_url))
    except Exception:
        count("MailFailed")
        portal.deps.dynamodb.delete_item(
            TableName=portal.settings.accounts_table,
            Key={"pk": {"S": account.identifier}},
            ConditionExpression="password_version = :v",
            ExpressionAttributeValues={":v": {"N": str(account.password_version)}},
        )
        raise
    count("AccountCreated")
    logger.info("account created", extra={"identifier": account.identifier, "role": role})
    return NewAccount(account, temporary)


def resend_temporary_password(portal: Portal, identifier: str) -> NewAccount:
    """A new temporary password (valid the configured number of days) for an account still pending."""
    identifier = identity.normalise_identifier(identifier)
    account = portal.accounts.get(identifier)
    if account is None:
        raise OnboardingError(f"aucun compte {identifier}")
    if not account.pending:
        raise OnboardingError(f"le compte {identifier} est déjà activé : utilisez « Mot de passe oublié »")
    now = portal.now()
    temporary = generate_temporary(portal.deps.random.choice)
    expires = now + portal.settings.temporary_password_days * 86400
    if not portal.transact([portal.accounts.new_temporary_item(account, portal.hasher.hash(temporary), expires)]):
        raise OnboardingError(f"le compte {identifier} a changé entre-temps, réessayez")
    updated = Account(
        **{**account.__dict__, "temp_expires_at": expires, "password_version": account.password_version + 1}
    )
    try:
        portal.mailer.send(notifications.welcome(updated, temporary, portal.settings.portal_url))
    except Exception:
        count("MailFailed")
        # Put the previous temporary password back, so the agent's last mail stays the valid one.
        portal.deps.dynamodb.update_item(
            TableName=portal.settings.accounts_table,
            Key={"pk": {"S": identifier}},
            UpdateExpression="SET password_hash = :h, temp_expires_at = :x, password_version = :v",
            ConditionExpression="password_version = :v1",
            ExpressionAttributeValues={
                ":h": {"S": account.password_hash},
                ":x": {"N": str(account.temp_expires_at or 0)},
                ":v": {"N": str(account.password_version)},
                ":v1": {"N": str(updated.password_version)},
            },
        )
        raise
    return NewAccount(updated, temporary)


def unblock(portal: Portal, identifier: str) -> bool:
    """Forget the login failures of an identifier. True if there were any."""
    identifier = identity.normalise_identifier(identifier)
    response = portal.deps.dynamodb.delete_item(
        TableName=portal.settings.throttle_table,
        Key={"pk": {"S": portal.throttle.login_key(identifier)}},
        ReturnValues="ALL_OLD",
    )
    return bool(response.get("Attributes"))
