"""The front end's French texts (static-site/js/messages.js) against the API's (cmi.messages).

Where the front end speaks for a situation the API also answers (it checks a field before posting,
or an answer came without a text), it must say exactly what the API says: the API's catalog is the
reference. Every entry of the front end's catalog is either mapped to an API text here or listed as
front-end only, with the reason.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from cmi import messages

CATALOG = Path(__file__).resolve().parents[2] / "static-site" / "js" / "messages.js"

# messages.js key (nested objects joined by ".") -> name of the API's text in cmi.messages.
SAME_AS_API = {
    "identifierRequired": "IDENTIFIER_REQUIRED",
    "passwordRequired": "PASSWORD_REQUIRED",
    "emailRequiredValid": "EMAIL_REQUIRED_VALID",
    "newPasswordRequired": "NEW_PASSWORD_REQUIRED",
    "passwordTooLong": "PASSWORD_TOO_LONG",
    "passwordRules.length": "PASSWORD_TOO_SHORT",
    "passwordRules.upper": "PASSWORD_NO_UPPER",
    "passwordRules.lower": "PASSWORD_NO_LOWER",
    "passwordRules.special": "PASSWORD_NO_SPECIAL",
    "passwordRules.guessable": "PASSWORD_GUESSABLE",
    "confirmationRequired": "CONFIRMATION_REQUIRED",
    "confirmationMismatch": "CONFIRMATION_MISMATCH",
    "emailConfirmationRequired": "EMAIL_CONFIRMATION_REQUIRED",
    "emailConfirmationMismatch": "EMAIL_CONFIRMATION_MISMATCH",
    "resetLinkIncomplete": "TOKEN_REQUIRED",
    "resetLinkInvalid": "RESET_LINK_INVALID",
    "unavailable": "UNAVAILABLE",
    "unexpected": "INTERNAL_ERROR",
    # Référent area (SPEC §9).
    "referentOnly": "REFERENT_ONLY",
    "agentNotFound": "AGENT_NOT_FOUND",
    "accountDisabled": "ACCOUNT_DISABLED",
    "lastNameRequired": "LAST_NAME_REQUIRED",
    "firstNameRequired": "FIRST_NAME_REQUIRED",
    "lastNameFormat": "LAST_NAME_FORMAT",
    "firstNameFormat": "FIRST_NAME_FORMAT",
    "emailAlreadyUsed": "EMAIL_ALREADY_USED",
    "alreadyActivated": "ALREADY_ACTIVATED",
    "cannotDisableSelf": "CANNOT_DISABLE_SELF",
    "lastReferent": "LAST_REFERENT",
}

# Entries (or groups of entries) no API answer covers.
FRONTEND_ONLY = {
    "network": "the portal could not be reached: there is no API answer at all",
    "throttled": "fallback for a 429 without the API's body (the gateway's throttling, not login attempts)",
    "loginReasons": "shown on the login page after a redirection, where the person is about to log in again",
    "greeting": "home page heading, built from the session",
    "organisation": "home page account details",
    "roles": "labels of the API's role codes",
    "errorTitlePrefix": "prefix of the document title while errors are shown",
    "agentStatuses": "labels of the API's status codes (référent area)",
    "never": "shown in a date column without a date",
    "neverSpoken": "what screen readers hear instead of « — » in a date column",
    "atTime": "time of a date in the tables, « à 17:05 »",
    "agentsCount": "live count of the agents shown by the search",
    "agentsNoMatch": "the search shows no agent",
    "agentName": "an agent's name, built from the API's fields",
    "agentActions": "labels of the buttons of an agent's row",
    "agentActionTargets": "what screen readers hear after a button's label: the agent it acts on",
    "agentCreated": "success of POST /api/agents: the API answers the identifier only",
    "temporaryPasswordSent": "success of POST /api/agents/{identifier}/temporary-password: the API answers a status",
    "agentDisabled": "success of POST /api/agents/{identifier}/disable: the API answers a status",
    "agentEnabled": "success of POST /api/agents/{identifier}/enable: the API answers a status",
    "disableQuestion": "the confirmation modal before disabling an account",
    "journalActions": "labels of the journal's action codes",
    "journalCount": "count of the journal's events shown",
    "journalEmpty": "the journal has no event yet",
}

_STRING = r'"(?:[^"\\\n]|\\.)*"'
_TOKEN = re.compile(
    rf"""
      (?P<comment>//[^\n]*|/\*.*?\*/)
    | (?P<key>\w+|{_STRING})\s*:\s*(?P<value>{_STRING}(?:\s*\+\s*{_STRING})*(?=\s*[,}}]))?
    | (?P<string>{_STRING}|`(?:[^`\\]|\\.)*`)
    | (?P<open>\{{)
    | (?P<close>\}})
    """,
    re.VERBOSE | re.DOTALL,
)


def frontend_catalog(source: str) -> dict[str, str | None]:
    """Every entry of `MESSAGES`: its text when it is a string literal ("a" + "b" joined), else None."""
    start = source.index("export const MESSAGES = Object.freeze(")
    entries: dict[str, str | None] = {}
    path: list[str] = []  # keys of the objects the scan is in, the catalog itself first
    pending: str | None = None  # key whose value may be the object that opens next
    for token in _TOKEN.finditer(source, start):
        if token["open"]:
            if pending:
                del entries[pending]  # an object of texts, not an entry itself
            path.append(pending.rsplit(".", 1)[-1] if pending else "")
        elif token["close"]:
            path.pop()
            if not path:
                break
        pending = None
        if token["key"] and path:
            key = ".".join([*path[1:], json.loads(token["key"]) if token["key"].startswith('"') else token["key"]])
            assert key not in entries, f"{key} appears twice in messages.js"
            value = token["value"]
            entries[key] = "".join(json.loads(part) for part in re.findall(_STRING, value)) if value else None
            pending = None if value else key
    return entries


@pytest.fixture(scope="module")
def catalog() -> dict[str, str | None]:
    return frontend_catalog(CATALOG.read_text(encoding="utf-8"))


def test_the_catalog_is_read_whole(catalog: dict[str, str | None]) -> None:
    assert catalog["passwordRules.special"] == "Le mot de passe doit comporter au moins un caractère spécial."
    assert catalog["loginReasons.session-expiree"] == "Votre session a expiré. Veuillez vous reconnecter."
    assert catalog["roles.référent"] == "Référent"
    assert catalog["greeting"] is None  # a function
    assert catalog["resetLinkInvalid"]  # written as "…" + "…"
    assert catalog["resetLinkInvalid"].endswith("« Mot de passe oublié ».")
    assert list(catalog)[-1] == "errorTitlePrefix"


@pytest.mark.parametrize(("key", "constant"), sorted(SAME_AS_API.items()))
def test_front_end_text_is_the_api_text(catalog: dict[str, str | None], key: str, constant: str) -> None:
    assert catalog.get(key) == getattr(messages, constant), f"messages.js {key} differs from cmi.messages.{constant}"


def test_every_front_end_text_is_mapped_to_the_api_or_listed_as_front_end_only(
    catalog: dict[str, str | None],
) -> None:
    unclassified = [key for key in catalog if key not in SAME_AS_API and key.split(".")[0] not in FRONTEND_ONLY]
    assert unclassified == [], "map these to cmi.messages in SAME_AS_API, or list them in FRONTEND_ONLY"
    assert not set(SAME_AS_API) & set(FRONTEND_ONLY)
    assert {key.split(".")[0] for key in catalog} >= set(FRONTEND_ONLY), "FRONTEND_ONLY names a removed entry"


def test_front_end_only_texts_are_not_api_texts(catalog: dict[str, str | None]) -> None:
    api_texts = {value for name, value in vars(messages).items() if name.isupper() and isinstance(value, str)}
    reused = {key: text for key, text in catalog.items() if key not in SAME_AS_API and text in api_texts}
    assert reused == {}, "an API text in the front end belongs in SAME_AS_API"
