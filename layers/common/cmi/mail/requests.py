"""Mail requests: the contract between the API functions (producers) and the mailer (consumer).

One frozen dataclass per kind, told apart by its `kind` tag: a discriminated union that both
sides import. A request names who it is about, never a secret: the mailer makes tokens itself.
Dataclasses rather than pydantic models keep pydantic out of the mailer's cold start.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from typing import Any, Literal


@dataclass(frozen=True)
class ForgotIdentifier:
    """Remind every identifier tied to this address (if any)."""

    email: str
    kind: Literal["forgot_identifier"] = "forgot_identifier"


@dataclass(frozen=True)
class ForgotPassword:
    """Send a reset link to the account's address (if the account exists)."""

    identifier: str
    kind: Literal["forgot_password"] = "forgot_password"


NoticeKind = Literal["password_changed", "account_activated", "identifier_blocked"]


@dataclass(frozen=True)
class AccountNotice:
    """Tell the owner of an identifier what happened to the account (if it exists)."""

    identifier: str
    kind: NoticeKind


MailRequest = ForgotIdentifier | ForgotPassword | AccountNotice
NOTICE_KINDS: tuple[NoticeKind, ...] = ("password_changed", "account_activated", "identifier_blocked")
KINDS: dict[str, type[MailRequest]] = {
    "forgot_identifier": ForgotIdentifier,
    "forgot_password": ForgotPassword,
    **dict.fromkeys(NOTICE_KINDS, AccountNotice),
}


class UnknownMailRequest(ValueError):
    """A message that is not one of the kinds above (never retried: it cannot get better)."""


def dumps(request: MailRequest) -> str:
    return json.dumps(dataclasses.asdict(request))


def loads(body: str) -> MailRequest:
    try:
        data: Any = json.loads(body)
        cls = KINDS[data["kind"]]
        fields = {f.name for f in dataclasses.fields(cls)}
        if set(data) != fields or not all(isinstance(v, str) for v in data.values()):
            raise TypeError
        return cls(**data)
    except (ValueError, KeyError, TypeError):
        raise UnknownMailRequest("not a mail request") from None
