"""Identifiers (identifiants) and email addresses: normalisation and validation."""

from __future__ import annotations

import re
import unicodedata

from cmi import messages

# Code émetteur (5 characters) + alphanumeric identifier (at most 15 characters).
CODE_LENGTH = 5
LOCAL_MAX = 15
_IDENTIFIER = re.compile(rf"[A-Z0-9]{{{CODE_LENGTH + 1},{CODE_LENGTH + LOCAL_MAX}}}")
_CODE = re.compile(rf"[A-Z0-9]{{{CODE_LENGTH}}}")


def normalise_identifier(raw: str) -> str:
    """Trim and upper-case: identifiers compare case-insensitively."""
    return raw.strip().upper()


# What the API takes, as the OpenAPI document states it: ASCII letters and digits, spaces around.
IDENTIFIER_PATTERN = rf"^\s*[A-Za-z0-9]{{{CODE_LENGTH + 1},{CODE_LENGTH + LOCAL_MAX}}}\s*$"


def check_identifier(raw: str) -> str:
    """Return the normalised identifier or raise ValueError with the French message."""
    value = raw.strip()
    if not value:
        raise ValueError(messages.IDENTIFIER_REQUIRED)
    # Checked before upper-casing: "ß" or "ﬀ" must not become ASCII letters by it.
    if not re.fullmatch(IDENTIFIER_PATTERN, value):
        raise ValueError(messages.IDENTIFIER_FORMAT)
    return value.upper()


def is_identifier(value: str) -> bool:
    """A normalised identifier of the right shape (anything else cannot name an account)."""
    return bool(_IDENTIFIER.fullmatch(value))


def is_emitter_code(value: str) -> bool:
    return bool(_CODE.fullmatch(value))


def check_email(raw: str) -> str:
    """Return the stored form of an address (lower-cased, domain in IDNA) or raise ValueError.

    SES takes internationalised domains only in their ASCII (punycode) form, and one form per
    address keeps lookups exact: « mairie-évry.fr » is stored as « xn--mairie-vry-h7a.fr ».
    """
    from email_validator import EmailNotValidError, validate_email

    value = raw.strip()
    if not value or len(value) > 254:
        raise ValueError(messages.EMAIL_REQUIRED_VALID)
    try:
        # SES cannot deliver to internationalised local parts (SMTPUTF8): refuse them up front.
        # Syntax only, as the OpenAPI document's `format: email` says; the .test domains of RFC 2606,
        # which API testers generate, are taken too: they simply never receive mail.
        valid = validate_email(value, check_deliverability=False, allow_smtputf8=False, test_environment=True)
    except EmailNotValidError:
        raise ValueError(messages.EMAIL_REQUIRED_VALID) from None
    if valid.ascii_email is None or len(valid.ascii_email) > 254:
        raise ValueError(messages.EMAIL_REQUIRED_VALID)
    return valid.ascii_email.lower()


def same_email(typed: str, stored: str) -> bool:
    """Whether an address typed in either form (Unicode or punycode domain) is the stored one."""
    try:
        return check_email(typed) == stored.lower()
    except ValueError:
        return False


def display_email(stored: str) -> str:
    """The address as people write it: an IDNA domain shown in Unicode."""
    local, _, domain = stored.rpartition("@")
    if "xn--" not in domain:
        return stored
    import idna

    try:
        return f"{local}@{idna.decode(domain)}"
    except idna.IDNAError:
        return stored


# Letters of any script (accents included), spaces, hyphens and apostrophes (SPEC §9).
_NAME_PUNCTUATION = frozenset(" -'’")
NAME_MAX = 50


def clean_name(raw: str) -> str:
    """A person's name in NFC with its spaces collapsed; ValueError("") when empty, ValueError("format").

    NFC first, so that « é » typed as e + combining accent is the letter é. Anything but letters and
    the name punctuation is refused: digits, symbols, and the invisible format characters (bidi
    overrides, zero-width joiners) that would make a name display differently in a mail.
    """
    value = " ".join(unicodedata.normalize("NFC", raw).split())
    if not value:
        raise ValueError("")
    if len(value) > NAME_MAX or not all(c.isalpha() or c in _NAME_PUNCTUATION for c in value):
        raise ValueError("format")
    return value


def has_invisible(text: str) -> bool:
    """Control, format (bidi, zero-width), private-use or unassigned characters: never in a displayed text."""
    return any(unicodedata.category(c)[0] == "C" for c in text)


def mask_email(email: str) -> str:
    """For logs: keeps enough to help support, never the full address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"
