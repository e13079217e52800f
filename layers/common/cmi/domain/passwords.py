"""Password policy and argon2id hashing."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from cmi import messages
from cmi.domain.guessable import guessable

if TYPE_CHECKING:
    from argon2 import PasswordHasher

MIN_LENGTH = 8
MAX_LENGTH = 128
# Names shorter than this would forbid too many passwords for no gain.
MIN_NAME_LENGTH = 3
TEMPORARY_LENGTH = 15
_TEMPORARY_SPECIALS = "!#$%&*+-=?@_"
_TEMPORARY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789" + _TEMPORARY_SPECIALS


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, to find a name inside a password."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _is_special(char: str) -> bool:
    return not char.isalnum()


@dataclass(frozen=True)
class PersonalData:
    identifier: str
    first_name: str
    last_name: str


def policy_violations(password: str, person: PersonalData | None = None) -> list[str]:
    """Every rule the password breaks, in French (empty list: acceptable)."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(messages.PASSWORD_TOO_SHORT.format(min=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(messages.PASSWORD_TOO_LONG.format(max=MAX_LENGTH))
    if not any(c.isupper() for c in password):
        problems.append(messages.PASSWORD_NO_UPPER)
    if not any(c.islower() for c in password):
        problems.append(messages.PASSWORD_NO_LOWER)
    if not any(_is_special(c) for c in password):
        problems.append(messages.PASSWORD_NO_SPECIAL)
    if guessable(password):
        problems.append(messages.PASSWORD_GUESSABLE)
    if person is not None:
        folded = _fold(password)
        if _fold(person.identifier) in folded:
            problems.append(messages.PASSWORD_CONTAINS_IDENTIFIER)
        names = (person.first_name, person.last_name)
        if any(len(n.strip()) >= MIN_NAME_LENGTH and _fold(n.strip()) in folded for n in names):
            problems.append(messages.PASSWORD_CONTAINS_NAME)
    return problems


class Hasher:
    """argon2id with the configured cost; knows when a stored hash should be upgraded."""

    def __init__(self, memory_kib: int, time_cost: int, parallelism: int) -> None:
        self.memory_kib, self.time_cost, self.parallelism = memory_kib, time_cost, parallelism

    @cached_property
    def _argon2(self) -> PasswordHasher:
        # Loaded on first use: the routes that never hash (forgot-*) do not pay for it at cold start.
        from argon2 import PasswordHasher, Type

        return PasswordHasher(
            time_cost=self.time_cost,
            memory_cost=self.memory_kib,
            parallelism=self.parallelism,
            hash_len=32,
            salt_len=16,
            type=Type.ID,
        )

    def hash(self, password: str) -> str:
        return self._argon2.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return self._argon2.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):  # a mismatch is a VerificationError
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._argon2.check_needs_rehash(stored_hash)

    def waste(self, password: str) -> None:
        """Spend the cost of one verification, so unknown identifiers answer as slowly as known ones."""
        self._argon2.hash(password)


def generate_temporary(pick: Callable[[str], str]) -> str:
    """A temporary password that satisfies the policy (15 characters from a CSPRNG)."""
    while True:
        candidate = "".join(pick(_TEMPORARY_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        if not policy_violations(candidate) and any(c.isdigit() for c in candidate):
            return candidate
