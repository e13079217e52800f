"""Request and response bodies of the API; the OpenAPI document is generated from them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StrictStr

from cmi import messages
from cmi.domain import identity, passwords
from cmi.domain.model import Account, Action

# Bounds that keep absurd inputs out of argon2 and the logs; the policy says 128 for new passwords.
_TEXT_MAX = 1024


def _contract(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Every text field is required in the OpenAPI document, as it is for the API.

    At run time a missing field defaults to "" so that it gets the same French message as an
    empty one (the manual's « La saisie … est obligatoire. »), not a generic "field required".
    """
    texts = [name for name, field in model.model_fields.items() if field.default == ""]
    schema["required"] = texts
    for name in texts:
        schema["properties"][name].pop("default", None)


class Body(BaseModel):
    # defer_build: a cold start builds the validator of the one model its request uses, not all of them.
    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, defer_build=True, json_schema_extra=_contract
    )


def _states(**constraints: Any) -> Any:
    """Constraints the field's validator enforces (with its own French message), stated in the document."""
    return Field(json_schema_extra=constraints)


NOT_BLANK = r"\S"  # at least one character that is not a space


class Answer(BaseModel):
    model_config = ConfigDict(defer_build=True)


def _required(message: str, *, strip: bool = False) -> AfterValidator:
    """Empty (or blank, with strip) is refused with the field's French message."""

    def check(value: str) -> str:
        value = value.strip() if strip else value
        if value == "":
            raise ValueError(message)
        return value

    return AfterValidator(check)


def _login_password(value: str) -> str:
    if value == "":
        raise ValueError(messages.PASSWORD_REQUIRED)
    if len(value) > passwords.MAX_LENGTH:
        raise ValueError(messages.PASSWORD_TOO_LONG.format(max=passwords.MAX_LENGTH))
    return value


Text = Annotated[StrictStr, Field(max_length=_TEXT_MAX)]
Identifier = Annotated[
    Text,
    Field(description="Code émetteur (5) + identifiant (15 max.)"),
    _states(pattern=identity.IDENTIFIER_PATTERN),
    AfterValidator(identity.check_identifier),
]
Email = Annotated[Text, _states(format="email", maxLength=254), AfterValidator(identity.check_email)]
Password = Annotated[Text, _states(minLength=1, maxLength=passwords.MAX_LENGTH)]


class LoginRequest(Body):
    identifier: Identifier = ""
    password: Annotated[Password, AfterValidator(_login_password)] = ""


class _NewPassword(Body):
    new_password: Annotated[
        Password,
        Field(description="8 caractères au moins, dont une majuscule, une minuscule et un caractère spécial"),
        _required(messages.NEW_PASSWORD_REQUIRED),
    ] = ""
    password_confirmation: Annotated[Text, _states(minLength=1), _required(messages.CONFIRMATION_REQUIRED)] = ""


class FirstConnectionRequest(_NewPassword):
    email_confirmation: Annotated[
        Text, _states(pattern=NOT_BLANK), _required(messages.EMAIL_CONFIRMATION_REQUIRED, strip=True)
    ] = ""
    alerts_opt_in: StrictBool = False


class ResetPasswordRequest(_NewPassword):
    token: Annotated[
        StrictStr, Field(max_length=256), _states(pattern=NOT_BLANK), _required(messages.TOKEN_REQUIRED, strip=True)
    ] = ""


class ForgotIdentifierRequest(Body):
    email: Email = ""


class ForgotPasswordRequest(Body):
    identifier: Identifier = ""


def _name(required: str, wrong: str) -> AfterValidator:
    """Letters (accents included), spaces, hyphens and apostrophes, 1 to 50 characters (SPEC §9)."""

    def check(value: str) -> str:
        try:
            return identity.clean_name(value)
        except ValueError as exc:
            raise ValueError(wrong if str(exc) else required) from None

    return AfterValidator(check)


Name = Annotated[
    Text,
    Field(description=f"Lettres, espaces, tirets et apostrophes, {identity.NAME_MAX} caractères au plus"),
    _states(pattern=NOT_BLANK),
]


class CreateProfileRequest(Body):
    first_name: Annotated[Name, _name(messages.FIRST_NAME_REQUIRED, messages.FIRST_NAME_FORMAT)] = ""
    last_name: Annotated[Name, _name(messages.LAST_NAME_REQUIRED, messages.LAST_NAME_FORMAT)] = ""
    email: Email = ""


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


Role = Literal["referent", "profile"]
Status = Literal["pending", "active", "disabled"]


class Person(Answer):
    """An agent as the API shows it."""

    identifier: str
    first_name: str
    last_name: str
    email: str
    role: Role
    status: Status

    @classmethod
    def fields_of(cls, account: Account) -> dict[str, Any]:
        fields = {name: getattr(account, name) for name in Person.model_fields}
        return {**fields, "email": identity.display_email(account.email)}


class SessionResponse(Person):
    organisation: OrganisationView


class AgentView(Person):
    created_at: str = Field(description="ISO 8601, UTC")
    last_login_at: str | None = Field(description="ISO 8601, UTC; null if never")


class AgentsResponse(Answer):
    agents: list[AgentView]
    next_cursor: str | None


class CreatedResponse(Answer):
    identifier: str
    status: Literal["pending"]


class StatusResponse(Answer):
    status: Status


class JournalEventView(Answer):
    at: str = Field(description="ISO 8601, UTC")
    actor: str = Field(description="identifier of the agent, or « opérateur »")
    action: Action
    target: str
    detail: str


class JournalResponse(Answer):
    events: list[JournalEventView]
    next_cursor: str | None


class PrefillResponse(Answer):
    identifier: str
    first_name: str
    last_name: str
    email: str
