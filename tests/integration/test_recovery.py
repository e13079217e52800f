"""Forgotten identifier, forgotten password and reset link (manual b) and c), SPEC §6)."""

import re
from concurrent.futures import ThreadPoolExecutor

import boto3
import pytest

from cmi import messages
from cmi.domain import onboarding
from cmi.web.cookies import FIRST_CONNECTION as FIRST_CONNECTION_COOKIE
from cmi.web.cookies import SESSION as SESSION_COOKIE
from tests.integration.conftest import EMAIL, NEW_PASSWORD
from tests.integration.test_first_connection import GUESSABLE

RESET = "Nouveau-Départ!2027"
LINK = re.compile(r"https://portail\.cmi\.test/modification-mot-de-passe\.html#token=([A-Za-z0-9_-]{43})")


def reset_links(harness, email=EMAIL):
    return [LINK.search(m.text).group(1) for m in harness.mails(email) if "Modification" in m.subject]


def ask_reset(harness, identifier):
    return harness.post("/api/forgot-password", {"identifier": identifier})


def reset(harness, token, password=RESET, confirmation=None):
    body = {"token": token, "new_password": password, "password_confirmation": confirmation or password}
    return harness.post("/api/reset-password", body)


# Forgotten identifier.


def test_forgot_identifier_mails_every_identifier_tied_to_the_address(harness, active):
    # One address per agent within an organisation; the same person may be an agent of another one.
    onboarding.create_organisation(harness.services, "00002", "MDPH de l'Ain")
    other = onboarding.create_account(harness.services, "00002", "Camille", "Martin", EMAIL.upper(), role="profile")
    harness.mails()
    r = harness.post("/api/forgot-identifier", {"email": f" {EMAIL.upper()} "})
    assert (r.status, r.json) == (200, {"message": messages.FORGOT_IDENTIFIER_SENT})
    (mail,) = harness.mails(EMAIL)[-1:]
    assert "Rappel" in mail.subject
    assert active.identifier in mail.text and other.account.identifier in mail.text
    assert active.identifier in mail.html


def test_forgot_identifier_answers_the_same_for_an_unknown_address_and_sends_nothing(harness, active):
    known = harness.post("/api/forgot-identifier", {"email": EMAIL})
    before = len(harness.mails())
    unknown = harness.post("/api/forgot-identifier", {"email": "personne@exemple.fr"})
    assert (known.status, known.json, known.headers, known.set_cookie) == (
        unknown.status,
        unknown.json,
        unknown.headers,
        unknown.set_cookie,
    )
    assert len(harness.mails()) == before


@pytest.mark.parametrize("email", ["", "   ", "pas-une-adresse", "a@", "@exemple.fr"])
def test_forgot_identifier_requires_a_valid_email_with_the_manual_message(harness, email):
    r = harness.post("/api/forgot-identifier", {"email": email})
    assert (r.status, r.json) == (
        400,
        {"errors": {"email": "La saisie de l'email est obligatoire et doit être une adresse email valide."}},
    )


def test_at_most_5_identifier_mails_per_address_per_hour(harness, active):
    for _ in range(7):
        assert harness.post("/api/forgot-identifier", {"email": EMAIL}).status == 200
    assert len([m for m in harness.mails(EMAIL) if "Rappel" in m.subject]) == 5
    harness.clock.advance(3600)
    harness.post("/api/forgot-identifier", {"email": EMAIL})
    assert len([m for m in harness.mails(EMAIL) if "Rappel" in m.subject]) == 6


# Forgotten password.


def test_forgot_password_requires_the_identifier_with_the_manual_message(harness):
    r = ask_reset(harness, "  ")
    assert (r.status, r.json) == (400, {"errors": {"identifier": "La saisie de l'identifiant est obligatoire."}})


def test_forgot_password_answers_the_same_for_unknown_identifiers_and_sends_nothing(harness, active):
    known = ask_reset(harness, active.identifier)
    before = len(harness.mails())
    unknown = ask_reset(harness, "00001NOBODY0000")
    assert (known.status, known.json, known.headers) == (unknown.status, unknown.json, unknown.headers)
    assert known.json == {"message": messages.FORGOT_PASSWORD_SENT}
    assert len(harness.mails()) == before


def test_reset_mail_carries_a_fragment_link_to_the_configured_portal(harness, active):
    ask_reset(harness, active.identifier.lower())
    (mail,) = [m for m in harness.mails(EMAIL) if "Modification" in m.subject]
    token = LINK.search(mail.text).group(1)
    assert f"#token={token}" in mail.html
    assert "60 minutes" in mail.text
    # Only the SHA-256 of the token is stored.
    assert token not in str(harness.table("TokensTable"))


def test_reset_sets_the_password_answers_next_login_and_does_not_log_in(harness, active):
    ask_reset(harness, active.identifier)
    (token,) = reset_links(harness)
    r = reset(harness, token)
    assert (r.status, r.json) == (200, {"next": "login"})
    assert r.set_cookie == []
    assert harness.post("/api/login", {"identifier": active.identifier, "password": active.password}).status == 401
    assert harness.post("/api/login", {"identifier": active.identifier, "password": RESET}).json == {"next": "home"}
    changed = [m for m in harness.mails(EMAIL) if "modifié" in m.subject]
    assert len(changed) == 1 and RESET not in changed[0].text


def test_reset_link_is_valid_exactly_60_minutes_and_not_one_second_more(harness, active):
    ask_reset(harness, active.identifier)
    ask_reset(harness, active.identifier)
    first, second = reset_links(harness)
    harness.clock.advance(3600 - 1)
    assert reset(harness, first).status == 200
    harness.clock.advance(1)
    # The second link was issued at the same time: now 60 min old, and voided by the change anyway.
    r = reset(harness, second, "Encore-Autre!2028")
    assert (r.status, r.json) == (400, {"message": messages.RESET_LINK_INVALID})


def test_reset_link_expires_after_60_minutes(harness, active):
    ask_reset(harness, active.identifier)
    (token,) = reset_links(harness)
    harness.clock.advance(3600)
    assert reset(harness, token).json == {"message": messages.RESET_LINK_INVALID}


def test_reset_link_is_single_use(harness, active):
    ask_reset(harness, active.identifier)
    (token,) = reset_links(harness)
    assert reset(harness, token).status == 200
    assert reset(harness, token, "Encore-Autre!2028").json == {"message": messages.RESET_LINK_INVALID}


def test_reset_link_is_void_once_the_password_changed_by_another_link(harness, active):
    ask_reset(harness, active.identifier)
    ask_reset(harness, active.identifier)
    first, second = reset_links(harness)
    assert reset(harness, second).status == 200
    assert reset(harness, first, "Encore-Autre!2028").json == {"message": messages.RESET_LINK_INVALID}


def test_20_concurrent_uses_of_one_link_give_exactly_one_success(harness, active):
    ask_reset(harness, active.identifier)
    (token,) = reset_links(harness)
    passwords = [f"Concurrent-{i:02d}!Mobilite" for i in range(20)]
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda pw: reset(harness, token, pw), passwords))
    assert sorted(r.status for r in results) == [200] + [400] * 19
    winner = passwords[[r.status for r in results].index(200)]
    item = boto3.client("dynamodb").get_item(TableName="AccountsTable", Key={"pk": {"S": active.identifier}})["Item"]
    assert int(item["password_version"]["N"]) == 3  # created 1, activated 2, reset 3: one change only
    assert harness.post("/api/login", {"identifier": active.identifier, "password": winner}).status == 200


def test_reset_applies_the_full_policy_and_changes_nothing_when_refused(harness, active):
    ask_reset(harness, active.identifier)
    (token,) = reset_links(harness)
    r = reset(harness, token, "faible", "autre")
    assert r.status == 400
    assert set(r.json["errors"]) == {"new_password", "password_confirmation"}
    assert messages.PASSWORD_TOO_SHORT.format(min=8) in r.json["errors"]["new_password"]
    # The link still works after a refused attempt.
    assert reset(harness, token).status == 200


def test_reset_with_a_forged_or_missing_token(harness):
    assert reset(harness, "x" * 43).json == {"message": messages.RESET_LINK_INVALID}
    r = harness.post("/api/reset-password", {"new_password": RESET, "password_confirmation": RESET})
    assert r.json == {"errors": {"token": messages.TOKEN_REQUIRED}}


def test_reset_ends_every_session_of_the_account(harness, active):
    harness.post("/api/login", {"identifier": active.identifier, "password": active.password})
    session = harness.cookies[SESSION_COOKIE]
    assert harness.get("/api/session").status == 200
    ask_reset(harness, active.identifier)
    (token,) = reset_links(harness)
    reset(harness, token)
    assert harness.get("/api/session", cookies={SESSION_COOKIE: session}).status == 401


def test_reset_of_an_account_that_never_completed_its_first_connection(harness, pending):
    pass_cookie = harness.post("/api/login", {"identifier": pending.identifier, "password": pending.password}).cookies[
        FIRST_CONNECTION_COOKIE
    ]
    ask_reset(harness, pending.identifier)
    (token,) = reset_links(harness)
    assert reset(harness, pending.password).status == 400  # the temporary password is not a new password
    assert reset(harness, token, pending.password).json == {
        "errors": {"new_password": messages.PASSWORD_SAME_AS_TEMPORARY}
    }
    assert reset(harness, token).status == 200
    # The account is active; the pending first-connection pass is void.
    assert harness.get("/api/first-connection", cookies={FIRST_CONNECTION_COOKIE: pass_cookie}).status == 401
    assert harness.post("/api/login", {"identifier": pending.identifier, "password": RESET}).json == {"next": "home"}


def test_reset_works_after_the_temporary_password_expired(harness, pending):
    harness.clock.advance(30 * 86400)
    ask_reset(harness, pending.identifier)
    (token,) = reset_links(harness)
    assert reset(harness, token).status == 200
    assert harness.post("/api/login", {"identifier": pending.identifier, "password": RESET}).json == {"next": "home"}


def test_reset_lifts_a_throttling_block(harness, active):
    failures = 0
    while failures < 25:
        r = harness.post("/api/login", {"identifier": active.identifier, "password": "Faux!mot2passe"})
        if r.status == 429:
            harness.clock.advance(int(r.headers["Retry-After"]))
        else:
            failures += 1
    assert harness.post("/api/login", {"identifier": active.identifier, "password": active.password}).status == 429
    ask_reset(harness, active.identifier)
    (token,) = reset_links(harness)
    assert reset(harness, token).status == 200
    assert harness.post("/api/login", {"identifier": active.identifier, "password": RESET}).json == {"next": "home"}


def test_at_most_5_reset_mails_per_identifier_per_hour(harness, active):
    for _ in range(8):
        assert ask_reset(harness, active.identifier).status == 200
    assert len(reset_links(harness)) == 5
    harness.clock.advance(1800)
    ask_reset(harness, active.identifier)
    assert len(reset_links(harness)) == 5
    harness.clock.advance(1800)
    ask_reset(harness, active.identifier)
    assert len(reset_links(harness)) == 6


def test_reset_refuses_guessable_passwords_and_the_current_one_and_the_link_still_works(harness, active):
    """The current password is refused; older ones are not (there is no password history)."""
    ask_reset(harness, active.identifier)
    (token,) = reset_links(harness)
    before = boto3.client("dynamodb").get_item(TableName="AccountsTable", Key={"pk": {"S": active.identifier}})
    for password in GUESSABLE:
        r = reset(harness, token, password)
        assert (r.status, r.json) == (400, {"errors": {"new_password": messages.PASSWORD_GUESSABLE}}), password
    assert active.password == NEW_PASSWORD
    r = reset(harness, token, NEW_PASSWORD)
    assert (r.status, r.json) == (400, {"errors": {"new_password": messages.PASSWORD_SAME_AS_CURRENT}})
    after = boto3.client("dynamodb").get_item(TableName="AccountsTable", Key={"pk": {"S": active.identifier}})
    assert after["Item"] == before["Item"]
    assert reset(harness, token).status == 200
    assert harness.post("/api/login", {"identifier": active.identifier, "password": RESET}).json == {"next": "home"}


def test_a_forgot_password_message_that_sqs_delivers_twice_sends_one_link(harness, active):
    """SQS delivers at least once: the second delivery of the same message makes no second link."""
    import boto3

    from localportal.functions import sqs_event

    assert harness.post("/api/forgot-password", {"identifier": active.identifier}).status == 200
    url = harness.services.settings.mail_queue_url
    queued = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    _, arn, invoker = harness.runtime.consumers[0]
    for _ in range(2):
        assert invoker(sqs_event(queued, arn)) == {"batchItemFailures": []}
    assert len(reset_links(harness, EMAIL)) == 1
    assert len([i for i in harness.table("TokensTable") if i["kind"]["S"] == "reset"]) == 1


def test_an_unknown_mail_request_is_dropped_not_retried(harness):
    from localportal.functions import sqs_event

    _, arn, invoker = harness.runtime.consumers[0]
    bodies = ['{"kind": "nothing"}', "not json", '{"kind": "forgot_password", "identifier": 5}']
    messages_ = [{"MessageId": f"m{i}", "ReceiptHandle": "r", "Body": body} for i, body in enumerate(bodies)]
    assert invoker(sqs_event(messages_, arn)) == {"batchItemFailures": []}
    assert harness.mails() == []


def test_the_mailer_logs_under_the_correlation_id_of_the_request_that_queued_the_mail(harness, active, monkeypatch):
    """One Logs Insights filter on correlation_id follows a request from the API to the mail it sent."""
    import json

    from localportal import runtime
    from tests.conftest import REDACTION

    request_ids = []
    original = runtime.api_event

    def recorded(*args, **kwargs):
        event = original(*args, **kwargs)
        request_ids.append(event["requestContext"]["requestId"])
        return event

    monkeypatch.setattr(runtime, "api_event", recorded)
    start = len(REDACTION.output)  # every line the functions log (tests/conftest.py)
    assert harness.post("/api/forgot-password", {"identifier": active.identifier}).status == 200
    harness.deliver_mail()
    lines = [json.loads(line) for line in REDACTION.output[start:] if line.startswith('{"level"')]
    (sent,) = [line for line in lines if line.get("message") == "mail sent"]
    assert sent["correlation_id"] == request_ids[-1]
