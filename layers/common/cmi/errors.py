"""Domain errors. The HTTP layer maps each one to a status and a French body in one place."""

from __future__ import annotations

import math
from typing import Any


class PortalError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"message": self.message}

    def headers(self) -> dict[str, str]:
        return {}


class FieldErrors(PortalError):
    """One French message per failing field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors

    def body(self) -> dict[str, Any]:
        return {"errors": self.errors}


class BadRequest(PortalError):
    status = 400


class Forbidden(PortalError):
    status = 403


class Unauthorized(PortalError):
    status = 401


class NotFound(PortalError):
    status = 404


class MethodNotAllowed(PortalError):
    status = 405


class _RetryLater(PortalError):
    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = max(1, math.ceil(retry_after))

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Throttled(_RetryLater):
    status = 429


class Unavailable(_RetryLater):
    """A dependency (DynamoDB, SQS, SES) failed: nothing was changed, retrying may help."""

    status = 503
