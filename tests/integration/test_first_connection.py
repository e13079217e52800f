"""GET/POST /api/first-connection (manual « a) Première connexion »)."""

from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from cmi import messages
from cmi.domain import onboarding
from cmi.web.cookies import FIRST_CONNECTION as FIRST_CONNECTION_COOKIE
from cmi.web.cookies import SESSION as SESSION_COOKIE
from tests.integration.conftest import EMAIL, NEW_PASSWORD


def start(harness, pending):
    r = harness.post("/api/login", {"identifier": pending.identifier, "password": pending.password})
    assert r.json == {"next": "first_connection"}
    return r.cookies[FIRST_CONNECTION_COOKIE]


def complete(harness, password=NEW_PASSWORD, confirmation=None, email=EMAIL, **kwargs):
    body = {
        "new_password": password,
        "password_confirmation": password if confirmation is None else confirmation,
        "email_confirmation": email,
        "alerts_opt_in": True,
    }
    return harness.post("/api/first-connection", body, **kwargs)


def account_item(identifier):
    return boto3.client("dynamodb").get_item(TableName="AccountsTable", Key={"pk": {"S": identifier}})["Item"]


def test_prefill_gives_the_account_data_but_no_password(harness, pending):
    start(harness, pending)
    r = harness.get("/api/first-connection")
    assert r.status == 200
    assert r.json == {"identifier": pending.identifier, "first_name": "Camille", "last_name": "Martin", "email": EMAIL}


def test_prefill_needs_the_first_connection_cookie(harness, pending):
    assert harness.get("/api/first-connection").status == 401
    r = harness.get("/api/first-connection", cookies={FIRST_CONNECTION_COOKIE: "forged"})
    assert (r.status, r.json) == (401, {"message": messages.FIRST_CONNECTION_EXPIRED})


def test_first_connection_pass_lasts_15_minutes(harness, pending):
    start(harness, pending)
    harness.clock.advance(15 * 60 - 1)
    assert harness.get("/api/first-connection").status == 200
    harness.clock.advance(1)
    assert harness.get("/api/first-connection").status == 401
    assert complete(harness).status == 401


def test_completion_activates_the_account_atomically_and_opens_a_session(harness, pending):
    raw = start(harness, pending)
    r = complete(harness)
    assert (r.status, r.json) == (200, {"next": "home"})
    assert SESSION_COOKIE in r.cookies
    assert f"{FIRST_CONNECTION_COOKIE}=; " in " ".join(r.set_cookie)
    item = account_item(pending.identifier)
    assert item["status"]["S"] == "active"
    assert "temp_expires_at" not in item
    assert item["alerts_opt_in"]["BOOL"] is True
    assert int(item["activated_at"]["N"]) == int(harness.clock.now)
    assert harness.get("/api/session").json["identifier"] == pending.identifier
    # The pass is consumed: it cannot be used again.
    assert harness.get("/api/first-connection", cookies={FIRST_CONNECTION_COOKIE: raw}).status == 401


def test_after_activation_the_new_password_works_and_the_temporary_one_no_longer(harness, pending):
    start(harness, pending)
    complete(harness)
    harness.cookies.clear()
    assert harness.post("/api/login", {"identifier": pending.identifier, "password": pending.password}).status == 401
    r = harness.post("/api/login", {"identifier": pending.identifier, "password": NEW_PASSWORD})
    assert r.json == {"next": "home"}


def test_activation_mail_confirms_without_any_password(harness, pending):
    start(harness, pending)
    complete(harness)
    (mail,) = [m for m in harness.mails(EMAIL) if "activé" in m.subject]
    assert pending.identifier in mail.text
    assert NEW_PASSWORD not in mail.text + mail.html
    assert pending.password not in mail.text + mail.html


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("court!A", [messages.PASSWORD_TOO_SHORT.format(min=8)]),
        ("trois-chats!7", [messages.PASSWORD_NO_UPPER]),
        ("MAJUSCULES!1", [messages.PASSWORD_NO_LOWER]),
        ("SansSpecial1", [messages.PASSWORD_NO_SPECIAL]),
        ("P@ssw0rd", [messages.PASSWORD_GUESSABLE]),
        ("Camille-Vole!2026", [messages.PASSWORD_CONTAINS_NAME]),
        ("Ab!" + "c" * 126, [messages.PASSWORD_TOO_LONG.format(max=128)]),
    ],
)
def test_each_unmet_rule_is_named_and_nothing_changes(harness, pending, password, expected):
    start(harness, pending)
    before = account_item(pending.identifier)
    r = complete(harness, password)
    assert r.status == 400
    assert r.json == {"errors": {"new_password": " ".join(expected)}}
    assert account_item(pending.identifier) == before


# Issue 13: they met the manual's rules and were accepted; each dresses up one word, a keyboard run or a repeat.
GUESSABLE = ["Password1!", "Azerty123!", "Soleil2024!", "Marseille13!", "Mdph2024!", "Cmi2024!!", "Aaaaaaa!"]


def test_guessable_passwords_are_refused_with_the_reason_and_nothing_changes(harness, pending):
    start(harness, pending)
    before = account_item(pending.identifier)
    for password in GUESSABLE:
        r = complete(harness, password)
        assert (r.status, r.json) == (400, {"errors": {"new_password": messages.PASSWORD_GUESSABLE}}), password
    assert account_item(pending.identifier) == before
    assert complete(harness).status == 200


def test_password_containing_the_identifier_is_refused(harness, pending):
    start(harness, pending)
    r = complete(harness, f"x!{pending.identifier.lower()}A")
    assert messages.PASSWORD_CONTAINS_IDENTIFIER in r.json["errors"]["new_password"]


def test_new_password_must_differ_from_the_temporary_one(harness, pending):
    start(harness, pending)
    r = complete(harness, pending.password)
    assert r.json == {"errors": {"new_password": messages.PASSWORD_SAME_AS_TEMPORARY}}


def test_confirmations_must_match(harness, pending):
    start(harness, pending)
    r = complete(harness, confirmation=NEW_PASSWORD + "x", email="autre@exemple.fr")
    assert r.status == 400
    assert r.json == {
        "errors": {
            "password_confirmation": messages.CONFIRMATION_MISMATCH,
            "email_confirmation": messages.EMAIL_CONFIRMATION_MISMATCH,
        }
    }


def test_email_confirmation_is_compared_case_insensitively_after_trimming(harness, pending):
    start(harness, pending)
    assert complete(harness, email=f"  {EMAIL.upper()} ").status == 200


def test_required_fields_get_their_messages(harness, pending):
    start(harness, pending)
    r = harness.post("/api/first-connection", {})
    assert r.json == {
        "errors": {
            "new_password": messages.NEW_PASSWORD_REQUIRED,
            "password_confirmation": messages.CONFIRMATION_REQUIRED,
            "email_confirmation": messages.EMAIL_CONFIRMATION_REQUIRED,
        }
    }


def test_alerts_opt_in_must_be_a_boolean(harness, pending):
    start(harness, pending)
    body = {
        "new_password": NEW_PASSWORD,
        "password_confirmation": NEW_PASSWORD,
        "email_confirmation": EMAIL,
        "alerts_opt_in": "oui",
    }
    assert harness.post("/api/first-connection", body).json == {
        "errors": {"alerts_opt_in": messages.WRONG_TYPE_BOOLEAN}
    }


def test_session_cookie_cannot_be_used_for_first_connection(harness, active):
    r = harness.post("/api/login", {"identifier": active.identifier, "password": active.password})
    raw = r.cookies[SESSION_COOKIE]
    assert harness.get("/api/first-connection", cookies={FIRST_CONNECTION_COOKIE: raw}).status == 401


def test_two_concurrent_completions_with_the_same_pass_exactly_one_wins(harness, pending):
    raw = start(harness, pending)
    jar = {FIRST_CONNECTION_COOKIE: raw}
    passwords = [f"Gagnant-{i}!Mobilite" for i in range(2)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda pw: complete(harness, pw, cookies=dict(jar)), passwords))
    statuses = sorted(r.status for r in results)
    assert statuses == [200, 401]
    winner = passwords[[r.status for r in results].index(200)]
    item = account_item(pending.identifier)
    assert item["status"]["S"] == "active"
    assert int(item["password_version"]["N"]) == 2
    sessions = [i for i in harness.table("TokensTable") if i["kind"]["S"] == "session"]
    assert len(sessions) == 1
    harness.cookies.clear()
    assert harness.post("/api/login", {"identifier": pending.identifier, "password": winner}).json == {"next": "home"}


def test_resending_a_temporary_password_voids_the_old_one_and_restarts_7_days(harness, pending):
    harness.clock.advance(8 * 86400)
    again = onboarding.resend_temporary_password(harness.services, harness.services.accounts.get(pending.identifier))
    assert harness.post("/api/login", {"identifier": pending.identifier, "password": pending.password}).status == 401
    r = harness.post("/api/login", {"identifier": pending.identifier, "password": again.temporary_password})
    assert r.json == {"next": "first_connection"}
    welcome = [m for m in harness.mails(EMAIL) if "identifiants" in m.subject]
    assert len(welcome) == 2
    assert again.temporary_password in welcome[-1].text
