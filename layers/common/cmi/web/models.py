"""Request and response bodies of the API; the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, field_validator

from cmi import messages
from cmi.domain import identity, passwords

# Bounds that keep absurd inputs out of argon2 and the logs; the policy says 128 for new passwords.
_TEXT_MAX = 1024


class Body(BaseModel):
    # defer_build: a cold start builds the validator of the one model its request uses, not all of them.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True, defer_build=True)


class Answer(BaseModel):
    model_config = ConfigDict(defer_build=True)


def _required(value: str, message: str) -> str:
    if value == "":
        raise ValueError(message)
    return value


class LoginRequest(Body):
    identifier: StrictStr = Field("", max_length=_TEXT_MAX, description="Code émetteur (5) + identifiant (15 max.)")
    password: StrictStr = Field("", max_length=_TEXT_MAX)

    @field_validator("identifier")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return identity.check_identifier(value)

    @field_validator("password")
    @classmethod
    def _password(cls, value: str) -> str:
        _required(value, messages.PASSWORD_REQUIRED)
        if len(value) > passwords.MAX_LENGTH:
            raise ValueError(messages.PASSWORD_TOO_LONG.format(max=passwords.MAX_LENGTH))
        return value


class _NewPassword(Body):
    new_password: StrictStr = Field("", max_length=_TEXT_MAX)
    password_confirmation: StrictStr = Field("", max_length=_TEXT_MAX)

    @field_validator("new_password")
    @classmethod
    def _new(cls, value: str) -> str:
        return _required(value, messages.NEW_PASSWORD_REQUIRED)

    @field_validator("password_confirmation")
    @classmethod
    def _confirmation(cls, value: str) -> str:
        return _required(value, messages.CONFIRMATION_REQUIRED)


class FirstConnectionRequest(_NewPassword):
    email_confirmation: StrictStr = Field("", max_length=_TEXT_MAX)
    alerts_opt_in: StrictBool = False

    @field_validator("email_confirmation")
    @classmethod
    def _email_confirmation(cls, value: str) -> str:
        return _required(value.strip(), messages.EMAIL_CONFIRMATION_REQUIRED)


class ResetPasswordRequest(_NewPassword):
    token: StrictStr = Field("", max_length=256)

    @field_validator("token")
    @classmethod
    def _token(cls, value: str) -> str:
        return _required(value.strip(), messages.TOKEN_REQUIRED)


class ForgotIdentifierRequest(Body):
    email: StrictStr = Field("", max_length=_TEXT_MAX)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return identity.check_email(value)


class ForgotPasswordRequest(Body):
    identifier: StrictStr = Field("", max_length=_TEXT_MAX)

    @field_validator("identifier")
    @classmethod
    def _identifier(cls, value: str) -> str:
        return identity.check_identifier(value)


# Responses.


class NextResponse(Answer):
    next: Literal["home", "first_connection", "login"]


class MessageResponse(Answer):
    message: str


class ErrorsResponse(Answer):
    errors: dict[str, str]


class OrganisationView(Answer):
    code: str
    name: str


class SessionResponse(Answer):
    identifier: str
    first_name: str
    last_name: str
    email: str
    role: Literal["referent", "profile"]
    organisation: OrganisationView


class PrefillResponse(Answer):
    identifier: str
    first_name: str
    last_name: str
    email: str
