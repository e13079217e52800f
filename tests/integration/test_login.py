"""POST /api/login, POST /api/logout, GET /api/session through the handlers on moto (SPEC §4, §6)."""

import pytest
from argon2 import PasswordHasher as RawHasher
from argon2 import Type

from cmi import messages
from cmi.store.tokens import digest
from cmi.web.cookies import FIRST_CONNECTION as FIRST_CONNECTION_COOKIE
from cmi.web.cookies import SESSION as SESSION_COOKIE


def login(harness, identifier, password, **kwargs):
    return harness.post("/api/login", {"identifier": identifier, "password": password}, **kwargs)


def test_active_account_logs_in_with_a_hardened_session_cookie(harness, active):
    r = login(harness, active.identifier, active.password)
    assert (r.status, r.json) == (200, {"next": "home"})
    (cookie,) = r.set_cookie
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    for attribute in ("HttpOnly", "Secure", "SameSite=Strict", "Path=/"):
        assert attribute in cookie
    assert "Domain" not in cookie
    assert len(r.cookies[SESSION_COOKIE]) >= 43  # 256 bits, URL-safe base64


def test_session_describes_the_agent_and_organisation(harness, active):
    login(harness, active.identifier, active.password)
    r = harness.get("/api/session")
    assert r.status == 200
    assert r.json == {
        "identifier": active.identifier,
        "first_name": "Camille",
        "last_name": "Martin",
        "email": active.email,
        "role": "referent",
        "status": "active",
        "organisation": {"code": "00001", "name": "MDPH du Rhône"},
    }


def test_identifier_is_trimmed_and_case_insensitive(harness, organisation):
    from cmi.domain import onboarding

    new = onboarding.create_account(harness.services, "00001", "Ana", "Lopez", "ana@exemple.fr")
    r = login(harness, f"  {new.account.identifier.lower()} ", new.temporary_password)
    assert r.json == {"next": "first_connection"}


def test_session_token_is_stored_only_as_a_hash(harness, active):
    r = login(harness, active.identifier, active.password)
    raw = r.cookies[SESSION_COOKIE]
    stored = [item["pk"]["S"] for item in harness.table("TokensTable")]
    assert digest(raw) in stored
    assert raw not in str(harness.table("TokensTable"))


def test_each_login_issues_a_new_token(harness, active):
    first = login(harness, active.identifier, active.password).cookies[SESSION_COOKIE]
    second = login(harness, active.identifier, active.password).cookies[SESSION_COOKIE]
    assert first != second


def test_wrong_password_and_unknown_identifier_get_the_same_generic_401(harness, active):
    wrong = login(harness, active.identifier, "Mauvais!mot2passe")
    unknown = login(harness, "00001XXXXXXXXXX", "Mauvais!mot2passe")
    assert (wrong.status, wrong.json) == (401, {"message": "Identifiant ou mot de passe incorrect."})
    assert (unknown.status, unknown.json, unknown.headers) == (wrong.status, wrong.json, wrong.headers)
    assert wrong.set_cookie == unknown.set_cookie == []


def test_empty_submit_gets_both_manual_messages(harness):
    r = login(harness, "", "")
    assert r.status == 400
    assert r.json == {
        "errors": {
            "identifier": "La saisie de l'identifiant est obligatoire.",
            "password": "La saisie du mot de passe est obligatoire.",
        }
    }


def test_pending_account_is_sent_to_first_connection_with_a_restricted_cookie(harness, pending):
    r = login(harness, pending.identifier, pending.password)
    assert (r.status, r.json) == (200, {"next": "first_connection"})
    assert list(r.cookies) == [FIRST_CONNECTION_COOKIE]
    assert "Max-Age=900" in r.set_cookie[0]
    # The first-connection pass is not a session.
    assert harness.get("/api/session", cookies={SESSION_COOKIE: r.cookies[FIRST_CONNECTION_COOKIE]}).status == 401


def test_temporary_password_is_valid_exactly_7_days_and_not_one_second_more(harness, pending):
    harness.clock.advance(7 * 86400)
    assert login(harness, pending.identifier, pending.password).json == {"next": "first_connection"}
    harness.clock.advance(1)
    r = login(harness, pending.identifier, pending.password)
    assert (r.status, r.json) == (401, {"message": messages.TEMPORARY_PASSWORD_EXPIRED})
    assert "Mot de passe oublié" in r.json["message"]
    # A wrong password on the expired account still gets the generic answer.
    assert login(harness, pending.identifier, "Autre!chose1").json == {"message": messages.BAD_CREDENTIALS}


def test_session_idle_timeout_is_30_minutes_and_activity_slides_it(harness, active):
    login(harness, active.identifier, active.password)
    harness.clock.advance(29 * 60)
    assert harness.get("/api/session").status == 200  # activity at 29 min
    harness.clock.advance(29 * 60)
    assert harness.get("/api/session").status == 200  # 29 min after the last activity
    harness.clock.advance(30 * 60)
    r = harness.get("/api/session")
    assert (r.status, r.json) == (401, {"message": messages.NOT_AUTHENTICATED})


def test_session_absolute_lifetime_is_12_hours_even_when_active(harness, active):
    login(harness, active.identifier, active.password)
    for _ in range(12 * 4 - 1):
        harness.clock.advance(15 * 60)
        assert harness.get("/api/session").status == 200
    harness.clock.advance(15 * 60)  # exactly 12 h after login
    assert harness.get("/api/session").status == 401


def test_logout_deletes_the_session_server_side_and_clears_the_cookie(harness, active):
    raw = login(harness, active.identifier, active.password).cookies[SESSION_COOKIE]
    r = harness.post("/api/logout")
    assert r.status == 204
    assert r.set_cookie == [f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"]
    assert digest(raw) not in [i["pk"]["S"] for i in harness.table("TokensTable")]
    # Replaying the old cookie does not work.
    assert harness.get("/api/session", cookies={SESSION_COOKIE: raw}).status == 401


def test_logout_without_session_still_answers_204(harness):
    assert harness.post("/api/logout", cookies={}).status == 204


def test_session_without_cookie_or_with_a_forged_one_is_401(harness):
    assert harness.get("/api/session", cookies={}).status == 401
    assert harness.get("/api/session", cookies={SESSION_COOKIE: "forged"}).status == 401
    assert harness.get("/api/session", cookies={SESSION_COOKIE: "x" * 5000}).status == 401


def test_login_from_another_origin_is_refused(harness, active):
    r = login(harness, active.identifier, active.password, headers={"Origin": "https://attaquant.example"})
    assert (r.status, r.json) == (403, {"message": messages.ORIGIN_REFUSED})
    assert r.set_cookie == []


def test_login_with_form_content_type_is_refused(harness, active):
    r = login(
        harness, active.identifier, active.password, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert r.status == 400


def test_hash_made_with_older_parameters_is_upgraded_at_login(harness, active):
    import boto3

    weak = RawHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID).hash(active.password)
    client = boto3.client("dynamodb")
    client.update_item(
        TableName="AccountsTable",
        Key={"pk": {"S": active.identifier}},
        UpdateExpression="SET password_hash = :h",
        ExpressionAttributeValues={":h": {"S": weak}},
    )
    assert login(harness, active.identifier, active.password).status == 200
    stored = client.get_item(TableName="AccountsTable", Key={"pk": {"S": active.identifier}})["Item"]["password_hash"][
        "S"
    ]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert login(harness, active.identifier, active.password).status == 200


@pytest.mark.parametrize(
    "body", [{"identifier": "00001abc"}, {"password": "x"}, {"identifier": "00001", "password": "x"}]
)
def test_partial_or_malformed_input_is_a_400_and_counts_no_failure(harness, body):
    assert harness.post("/api/login", body).status == 400
    assert harness.table("ThrottleTable") == []


def test_a_new_login_ends_the_session_the_browser_still_held(harness, active):
    old = login(harness, active.identifier, active.password).cookies[SESSION_COOKIE]
    new = login(harness, active.identifier, active.password).cookies[SESSION_COOKIE]
    assert harness.get("/api/session", cookies={SESSION_COOKIE: old}).status == 401
    assert harness.get("/api/session", cookies={SESSION_COOKIE: new}).status == 200
    assert digest(old) not in [i["pk"]["S"] for i in harness.table("TokensTable")]


def test_logout_needs_no_body_but_refuses_a_foreign_origin_or_a_non_json_body(harness, active):
    login(harness, active.identifier, active.password)
    jar = dict(harness.cookies)
    assert harness.post("/api/logout", headers={"Origin": "https://attaquant.example"}, cookies=jar).status == 403
    assert harness.get("/api/session", cookies=jar).status == 200
    form = harness.post("/api/logout", raw=b"a=1", headers={"Content-Type": "text/plain"}, cookies=jar)
    assert (form.status, form.json) == (400, {"message": messages.CONTENT_TYPE_JSON})
    for kind in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        empty = harness.post("/api/logout", raw=b"", headers={"Content-Type": kind}, cookies=jar)
        assert (empty.status, empty.json) == (400, {"message": messages.CONTENT_TYPE_JSON})
    assert harness.get("/api/session", cookies=jar).status == 200
    assert harness.post("/api/logout", headers={"Content-Type": None}, cookies=jar).status == 204
    assert harness.get("/api/session", cookies=jar).status == 401
