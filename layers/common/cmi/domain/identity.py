"""Identifiers (identifiants) and email addresses: normalisation and validation."""

from __future__ import annotations

import re

from cmi import messages

# Code émetteur (5 characters) + alphanumeric identifier (at most 15 characters).
CODE_LENGTH = 5
LOCAL_MAX = 15
_IDENTIFIER = re.compile(rf"[A-Z0-9]{{{CODE_LENGTH + 1},{CODE_LENGTH + LOCAL_MAX}}}")
_CODE = re.compile(rf"[A-Z0-9]{{{CODE_LENGTH}}}")


def normalise_identifier(raw: str) -> str:
    """Trim and upper-case: identifiers compare case-insensitively."""
    return raw.strip().upper()


def check_identifier(raw: str) -> str:
    """Return the normalised identifier or raise ValueError with the French message."""
    value = normalise_identifier(raw)
    if not value:
        raise ValueError(messages.IDENTIFIER_REQUIRED)
    if not _IDENTIFIER.fullmatch(value):
        raise ValueError(messages.IDENTIFIER_FORMAT)
    return value


def is_identifier(value: str) -> bool:
    """A normalised identifier of the right shape (anything else cannot name an account)."""
    return bool(_IDENTIFIER.fullmatch(value))


def is_emitter_code(value: str) -> bool:
    return bool(_CODE.fullmatch(value))


def check_email(raw: str) -> str:
    """Return the normalised address (lower-cased) or raise ValueError with the manual's message."""
    from email_validator import EmailNotValidError, validate_email

    value = raw.strip()
    if not value or len(value) > 254:
        raise ValueError(messages.EMAIL_REQUIRED_VALID)
    try:
        # SES cannot deliver to internationalised local parts (SMTPUTF8): refuse them up front.
        valid = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        raise ValueError(messages.EMAIL_REQUIRED_VALID) from None
    return valid.normalized.lower()


def mask_email(email: str) -> str:
    """For logs: keeps enough to help support, never the full address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
