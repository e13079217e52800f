"""What can go wrong in a use case, said in French for the person, without any HTTP status.

The web layer alone maps each kind to a status, headers and a body.
"""

from __future__ import annotations

import math


class DomainError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """One French message per failing field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


class NotAuthenticated(DomainError):
    """Wrong credentials, or no live session or first-connection pass."""


class TooManyAttempts(DomainError):
    """The identifier must wait before its next login attempt."""

    def __init__(self, message: str, wait_seconds: float) -> None:
        super().__init__(message)
        self.wait_seconds = max(1, math.ceil(wait_seconds))


class LinkNotValid(DomainError):
    """A reset link that expired, was used, or was voided by a password change."""


class OnboardingError(DomainError):
    """Bad input or state when registering organisations and agents; meant for the operator."""


class NotAllowed(DomainError):
    """The agent is known but may not do this (a profile in the référent area, a disabled account)."""


class NotFound(DomainError):
    """Nothing of that name in the agent's organisation (another organisation's agent looks the same)."""


class Conflict(DomainError):
    """The request is understood but the state forbids it (already active, last référent, changed meanwhile)."""
