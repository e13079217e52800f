"""The two cookies of the portal: the session and the first-connection pass.

`__Host-` names: Secure, Path=/ and no Domain, so no sibling host can plant or read them;
HttpOnly and SameSite=Strict, so neither scripts nor other sites can use them.
"""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Cookie as CookieParameter
from aws_lambda_powertools.shared.cookies import Cookie, SameSite

from cmi.domain.auth import Opened

SESSION = "__Host-cmi-session"
FIRST_CONNECTION = "__Host-cmi-first-connection"

# Route parameters: the raw token the browser sent, if any.
SessionToken = Annotated[str | None, CookieParameter(alias=SESSION, description="Jeton de session")]
FirstConnectionToken = Annotated[
    str | None, CookieParameter(alias=FIRST_CONNECTION, description="Jeton de première connexion (15 minutes)")
]


def make(name: str, value: str, max_age: int) -> Cookie:
    return Cookie(name, value, path="/", secure=True, http_only=True, same_site=SameSite.STRICT_MODE, max_age=max_age)


def clear(name: str) -> Cookie:
    return make(name, "", 0)


def opened(token: Opened) -> Cookie:
    """The cookie that carries a session or a first-connection pass."""
    name = SESSION if token.next == "home" else FIRST_CONNECTION
    return make(name, token.token, token.lifetime_seconds)
