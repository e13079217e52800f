"""The référent area (SPEC §9) through the handlers, on moto: every route, outcome and caller."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace

import boto3
import pytest
from botocore.config import Config

from cmi import container, messages
from cmi.domain import agents, onboarding
from cmi.web.cookies import SESSION as SESSION_COOKIE
from tests.integration.conftest import EMAIL, NEW_PASSWORD, Agent
from tests.security.support import mint

PROFILE_EMAIL = "dominique.petit@exemple.fr"
OTHER_EMAIL = "louise.bernard@exemple.fr"
SECRET_LINE = re.compile(r"Mot de passe temporaire : (\S+)")


def session_of(harness, identifier: str) -> dict[str, str]:
    return {SESSION_COOKIE: mint(harness.services, "session", identifier, idle=1800)}


def complete_first_connection(harness, identifier: str, temporary: str, email: str) -> None:
    jar: dict[str, str] = {}
    r = harness.post("/api/login", {"identifier": identifier, "password": temporary}, cookies=jar)
    assert r.json == {"next": "first_connection"}, r.text
    done = harness.post(
        "/api/first-connection",
        {"new_password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "email_confirmation": email},
        cookies=r.cookies,
    )
    assert done.status == 200, done.text


@pytest.fixture
def referent(harness, active) -> dict[str, str]:
    """The session of the organisation's référent (`active`)."""
    return session_of(harness, active.identifier)


@pytest.fixture
def profile(harness, active, referent) -> Agent:
    """A profile the référent created through the API, which then completed its first connection."""
    r = harness.post(
        "/api/agents", {"first_name": "Dominique", "last_name": "Petit", "email": PROFILE_EMAIL}, cookies=referent
    )
    assert r.status == 201, r.text
    (mail,) = [m for m in harness.mails(PROFILE_EMAIL) if "identifiants" in m.subject]
    complete_first_connection(harness, r.json["identifier"], SECRET_LINE.search(mail.text).group(1), PROFILE_EMAIL)
    return Agent(r.json["identifier"], NEW_PASSWORD, PROFILE_EMAIL)


@pytest.fixture
def stranger(harness, organisation) -> Agent:
    """An active référent of another organisation."""
    onboarding.create_organisation(harness.services, "00002", "MDPH de l'Ain")
    new = onboarding.create_account(harness.services, "00002", "Louise", "Bernard", OTHER_EMAIL)
    complete_first_connection(harness, new.account.identifier, new.temporary_password, OTHER_EMAIL)
    return Agent(new.account.identifier, NEW_PASSWORD, OTHER_EMAIL)


def routes(target: str) -> list[tuple[str, str, dict | None]]:
    body = {"first_name": "Alex", "last_name": "Durand", "email": "alex.durand@exemple.fr"}
    return [
        ("GET", "/api/agents", None),
        ("POST", "/api/agents", body),
        ("POST", f"/api/agents/{target}/temporary-password", None),
        ("POST", f"/api/agents/{target}/disable", None),
        ("POST", f"/api/agents/{target}/enable", None),
        ("GET", "/api/journal", None),
    ]


def test_without_a_session_every_route_answers_401_and_changes_nothing(harness, profile):
    before = harness.table("AccountsTable")
    for method, path, body in routes(profile.identifier):
        r = harness.call(method, path, body, cookies={})
        assert (r.status, r.json) == (401, {"message": messages.NOT_AUTHENTICATED}), path
    assert harness.table("AccountsTable") == before


def test_a_profile_gets_403_on_every_route(harness, active, profile):
    cookies = session_of(harness, profile.identifier)
    before = harness.table("AccountsTable")
    for method, path, body in routes(active.identifier):
        r = harness.call(method, path, body, cookies=cookies)
        assert (r.status, r.json) == (403, {"message": messages.REFERENT_ONLY}), path
    assert harness.table("AccountsTable") == before


def test_another_organisation_sees_nothing_of_this_one(harness, active, profile, stranger):
    cookies = session_of(harness, stranger.identifier)
    listed = harness.get("/api/agents", cookies=cookies).json["agents"]
    assert [a["identifier"] for a in listed] == [stranger.identifier]
    assert all(e["target"] == stranger.identifier for e in harness.get("/api/journal", cookies=cookies).json["events"])
    before = harness.table("AccountsTable")
    for method, path, body in routes(profile.identifier)[2:5]:
        # Exactly the answer for an identifier that does not exist.
        for target_path in (path, path.replace(profile.identifier, "00001" + "7" * 10)):
            r = harness.call(method, target_path, body, cookies=cookies)
            assert (r.status, r.json) == (404, {"message": messages.AGENT_NOT_FOUND}), target_path
    assert harness.table("AccountsTable") == before
    # What it creates lands in its own organisation, whatever it sends.
    r = harness.post("/api/agents", {"first_name": "Alex", "last_name": "Durand", "email": EMAIL}, cookies=cookies)
    assert r.status == 201 and r.json["identifier"].startswith("00002")


def test_an_old_session_of_a_disabled_agent_is_refused_everywhere(harness, active, referent, profile):
    second = onboarding.create_account(harness.services, "00001", "Hugo", "Moreau", "hugo.moreau@exemple.fr")
    complete_first_connection(harness, second.account.identifier, second.temporary_password, "hugo.moreau@exemple.fr")
    old = session_of(harness, second.account.identifier)
    assert harness.get("/api/agents", cookies=old).status == 200
    assert harness.post(f"/api/agents/{second.account.identifier}/disable", cookies=referent).json == {
        "status": "disabled"
    }
    for method, path, body in routes(profile.identifier):
        assert harness.call(method, path, body, cookies=old).status == 401, path
    assert harness.get("/api/session", cookies=old).status == 401


def test_the_referent_lists_the_organisation_by_last_name(harness, active, referent, profile):
    onboarding.create_account(harness.services, "00001", "Émile", "Abadie", "emile.abadie@exemple.fr", role="profile")
    r = harness.get("/api/agents", cookies=referent)
    assert r.status == 200 and r.json["next_cursor"] is None
    rows = r.json["agents"]
    assert [a["last_name"] for a in rows] == ["Abadie", "Martin", "Petit"]
    abadie, martin, petit = rows
    assert (abadie["status"], abadie["role"], abadie["last_login_at"]) == ("pending", "profile", None)
    assert (martin["status"], martin["role"], martin["email"]) == ("active", "referent", active.email)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", petit["created_at"])
    assert petit["last_login_at"] is not None  # written by the login of its first connection


def test_listing_is_paginated_with_an_opaque_cursor(harness, active, referent, monkeypatch):
    for n in range(4):
        onboarding.create_account(
            harness.services, "00001", "Agent", f"Numéro{'I' * (n + 1)}", f"a{n}@exemple.fr", role="profile"
        )
    monkeypatch.setattr(agents, "AGENTS_PAGE", 2)
    seen, cursor, pages = [], None, 0
    while True:
        r = harness.get("/api/agents" + (f"?cursor={cursor}" if cursor else ""), cookies=referent)
        assert r.status == 200, r.text
        seen += [a["identifier"] for a in r.json["agents"]]
        pages += 1
        cursor = r.json["next_cursor"]
        if cursor is None:
            break
    assert pages >= 3 and len(seen) == len(set(seen)) == 5
    for bad in ("nimportequoi", "eyJwayI6IHsiUyI6ICJ4In19"):
        r = harness.get(f"/api/agents?cursor={bad}", cookies=referent)
        assert (r.status, r.json) == (400, {"errors": {"cursor": messages.CURSOR_INVALID}})


def test_creating_a_profile_mails_its_identifier_and_journals_it(harness, active, referent):
    body = {"first_name": " Dominique ", "last_name": "Petit-N'Diaye", "email": PROFILE_EMAIL}
    r = harness.post("/api/agents", body, cookies=referent)
    assert r.status == 201 and r.json["status"] == "pending" and r.json["identifier"].startswith("00001")
    (mail,) = [m for m in harness.mails(PROFILE_EMAIL) if "identifiants" in m.subject]
    assert r.json["identifier"] in mail.text and SECRET_LINE.search(mail.text)
    account = harness.services.accounts.get(r.json["identifier"])
    assert (account.role, account.first_name, account.created_by) == ("profile", "Dominique", active.identifier)
    (event,) = [
        e
        for e in harness.get("/api/journal", cookies=referent).json["events"]
        if e["action"] == "account_created" and e["target"] == account.identifier
    ]
    assert event["actor"] == active.identifier


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {},
            {
                "first_name": messages.FIRST_NAME_REQUIRED,
                "last_name": messages.LAST_NAME_REQUIRED,
                "email": messages.EMAIL_REQUIRED_VALID,
            },
        ),
        (
            {"first_name": "R2D2", "last_name": "x" * 51, "email": "pas-une-adresse"},
            {
                "first_name": messages.FIRST_NAME_FORMAT,
                "last_name": messages.LAST_NAME_FORMAT,
                "email": messages.EMAIL_REQUIRED_VALID,
            },
        ),
        ({"first_name": "Zoé", "last_name": "Petit", "email": EMAIL.upper()}, {"email": messages.EMAIL_ALREADY_USED}),
        # Invisible characters that change how a name displays (in the list, in mails): refused.
        (
            {"first_name": "Zo\u202ee", "last_name": "Pe\u200btit", "email": OTHER_EMAIL},
            {"first_name": messages.FIRST_NAME_FORMAT, "last_name": messages.LAST_NAME_FORMAT},
        ),
        (
            {"first_name": "Zoé\u200d", "last_name": "\u2066Petit\u2069", "email": OTHER_EMAIL},
            {"first_name": messages.FIRST_NAME_FORMAT, "last_name": messages.LAST_NAME_FORMAT},
        ),
    ],
)
def test_creation_names_each_failing_field_and_creates_nothing(harness, active, referent, body, errors):
    before = harness.table("AccountsTable")
    r = harness.post("/api/agents", body, cookies=referent)
    assert (r.status, r.json) == (400, {"errors": errors})
    assert harness.table("AccountsTable") == before


def test_a_new_temporary_password_voids_the_old_one(harness, active, referent):
    r = harness.post(
        "/api/agents", {"first_name": "Alex", "last_name": "Durand", "email": "alex@exemple.fr"}, cookies=referent
    )
    identifier = r.json["identifier"]
    (first,) = list(harness.mails("alex@exemple.fr"))
    old = SECRET_LINE.search(first.text).group(1)
    assert harness.post(f"/api/agents/{identifier}/temporary-password", cookies=referent).json == {"status": "pending"}
    new = SECRET_LINE.search(harness.mails("alex@exemple.fr")[-1].text).group(1)
    assert new != old
    assert harness.post("/api/login", {"identifier": identifier, "password": old}, cookies={}).status == 401
    assert harness.post("/api/login", {"identifier": identifier, "password": new}, cookies={}).json == {
        "next": "first_connection"
    }
    r = harness.post(f"/api/agents/{active.identifier}/temporary-password", cookies=referent)
    assert (r.status, r.json) == (409, {"message": messages.ALREADY_ACTIVATED})


def test_disabling_ends_sessions_login_and_recovery_and_enabling_restores(harness, active, referent, profile):
    open_session = session_of(harness, profile.identifier)
    harness.clock.advance(1)
    assert harness.post(f"/api/agents/{profile.identifier}/disable", cookies=referent).json == {"status": "disabled"}
    assert harness.get("/api/session", cookies=open_session).status == 401
    right = {"identifier": profile.identifier, "password": profile.password}
    r = harness.post("/api/login", right, cookies={})
    assert (r.status, r.json) == (403, {"message": messages.ACCOUNT_DISABLED})
    wrong = harness.post("/api/login", {**right, "password": "Pas-le-bon!2026"}, cookies={})
    assert (wrong.status, wrong.json) == (401, {"message": messages.BAD_CREDENTIALS})
    harness.mails()
    sent = len(harness.mails(PROFILE_EMAIL))
    assert harness.post("/api/forgot-password", {"identifier": profile.identifier}).status == 200
    assert harness.post("/api/forgot-identifier", {"email": PROFILE_EMAIL}).status == 200
    assert len(harness.mails(PROFILE_EMAIL)) == sent  # nothing for a disabled account
    harness.clock.advance(1)
    assert harness.post(f"/api/agents/{profile.identifier}/enable", cookies=referent).json == {"status": "active"}
    assert harness.post("/api/login", right, cookies={}).json == {"next": "home"}
    actions = [
        e["action"]
        for e in harness.get("/api/journal", cookies=referent).json["events"]
        if e["target"] == profile.identifier
    ]
    assert actions[:2] == ["enabled", "disabled"]


def test_a_pending_agent_disabled_then_enabled_is_pending_again(harness, active, referent):
    r = harness.post(
        "/api/agents", {"first_name": "Alex", "last_name": "Durand", "email": "alex@exemple.fr"}, cookies=referent
    )
    identifier = r.json["identifier"]
    assert harness.post(f"/api/agents/{identifier}/disable", cookies=referent).json == {"status": "disabled"}
    assert harness.post(f"/api/agents/{identifier}/enable", cookies=referent).json == {"status": "pending"}


def test_a_referent_cannot_disable_themself(harness, active, referent):
    r = harness.post(f"/api/agents/{active.identifier}/disable", cookies=referent)
    assert (r.status, r.json) == (409, {"message": messages.CANNOT_DISABLE_SELF})
    assert harness.services.accounts.get(active.identifier).status == "active"


@contextmanager
def writes_wait_for_each_other(parties: int) -> Iterator[None]:
    """Every request reads before any of them writes: each transaction waits at a barrier for the others."""
    barrier = threading.Barrier(parties, timeout=60)

    def wait(**_: object) -> None:
        barrier.wait()  # returning a value from a before-call hook would stand for AWS's answer

    def factory(service: str) -> object:
        client = boto3.client(service, config=Config(max_pool_connections=20))
        if service == "dynamodb":
            client.meta.events.register("before-call.dynamodb.TransactWriteItems", wait)
        return client

    with container.override(replace(container.container(), client_factory=factory)):
        yield


def _second_referent(harness) -> Agent:
    new = onboarding.create_account(harness.services, "00001", "Hugo", "Moreau", "hugo.moreau@exemple.fr")
    complete_first_connection(harness, new.account.identifier, new.temporary_password, "hugo.moreau@exemple.fr")
    return Agent(new.account.identifier, NEW_PASSWORD, "hugo.moreau@exemple.fr")


def test_two_referents_disabling_each_other_at_once_keep_one_active(harness, active, referent):
    """Both requests read before either writes: one wins, the other is refused (last référent), data consistent."""
    second = _second_referent(harness)
    assert harness.services.accounts.get_organisation("00001").active_referents == 2
    calls = [(second.identifier, referent), (active.identifier, session_of(harness, second.identifier))]
    with writes_wait_for_each_other(2), ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda c: harness.post(f"/api/agents/{c[0]}/disable", cookies=c[1]), calls))
    assert sorted((a.status, a.json.get("message", a.json.get("status"))) for a in answers) == [
        (200, "disabled"),
        (409, messages.LAST_REFERENT),
    ]
    statuses = sorted(harness.services.accounts.get(i).status for i in (active.identifier, second.identifier))
    assert statuses == ["active", "disabled"]
    assert harness.services.accounts.get_organisation("00001").active_referents == 1
    events = harness.services.journal.events("00001", None, 50).items
    assert len([e for e in events if e.action == "disabled"]) == 1


def test_two_referents_creating_with_one_address_at_once_make_one_profile(harness, active, referent):
    second = _second_referent(harness)
    body = {"first_name": "Alex", "last_name": "Durand", "email": "alex@exemple.fr"}
    sessions = [referent, session_of(harness, second.identifier)]
    with writes_wait_for_each_other(2), ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda c: harness.post("/api/agents", body, cookies=c), sessions))
    assert sorted(a.status for a in answers) == [201, 400]
    (refused,) = [a for a in answers if a.status == 400]
    assert refused.json == {"errors": {"email": messages.EMAIL_ALREADY_USED}}
    created = [a for a in harness.services.accounts.agents("00001", None, 100).items if a.email == "alex@exemple.fr"]
    assert len(created) == 1
    events = [e for e in harness.services.journal.events("00001", None, 50).items if e.action == "account_created"]
    assert [e.target for e in events if e.target == created[0].identifier] == [created[0].identifier]
    assert len(events) == 3  # the two référents and the one profile: no entry without its account


def test_operator_actions_are_journaled_as_the_operator(harness, active, referent):
    events = harness.get("/api/journal", cookies=referent).json["events"]
    created = [e for e in events if e["action"] == "account_created" and e["target"] == active.identifier]
    assert created and created[0]["actor"] == "opérateur"
    completed = [e for e in events if e["action"] == "first_connection_completed"]
    assert completed and completed[0]["actor"] == active.identifier


def test_the_journal_is_newest_first_and_paginated(harness, active, referent, monkeypatch):
    for n in range(3):
        harness.clock.advance(10)
        harness.post(
            "/api/agents",
            {"first_name": "Agent", "last_name": f"Numéro{'I' * (n + 1)}", "email": f"a{n}@exemple.fr"},
            cookies=referent,
        )
    monkeypatch.setattr(agents, "JOURNAL_PAGE", 2)
    r = harness.get("/api/journal", cookies=referent)
    assert len(r.json["events"]) == 2 and r.json["next_cursor"]
    times = [e["at"] for e in r.json["events"]]
    assert times == sorted(times, reverse=True)
    rest = harness.get(f"/api/journal?cursor={r.json['next_cursor']}", cookies=referent).json["events"]
    assert rest and rest[0]["at"] <= times[-1]


def test_a_block_is_journaled_once(harness, active):
    for _ in range(25):
        harness.post("/api/login", {"identifier": active.identifier, "password": "Pas-le-bon!2026"}, cookies={})
        harness.clock.advance(900)
    harness.mails()
    r = harness.get("/api/journal", cookies=session_of(harness, active.identifier))
    assert r.status == 200, r.text
    blocked = [e for e in r.json["events"] if e["action"] == "identifier_blocked"]
    assert len(blocked) == 1 and blocked[0]["target"] == active.identifier


def test_actions_within_one_second_are_all_journaled_newest_first(harness, active, referent):
    """The clock does not move: the journal still keeps each action, in the order they happened."""
    r = harness.post(
        "/api/agents", {"first_name": "Alex", "last_name": "Durand", "email": "alex@exemple.fr"}, cookies=referent
    )
    identifier = r.json["identifier"]
    for action in ("temporary-password", "temporary-password", "disable", "enable", "disable"):
        assert harness.post(f"/api/agents/{identifier}/{action}", cookies=referent).status == 200, action
    events = [e for e in harness.get("/api/journal", cookies=referent).json["events"] if e["target"] == identifier]
    assert [e["action"] for e in events] == [
        "disabled",
        "enabled",
        "disabled",
        "temporary_password_sent",
        "temporary_password_sent",
        "account_created",
    ]


def test_who_may_not_call_learns_nothing_of_the_body_expected(harness, active, profile):
    """An invalid body from no session or from a profile gets 401 / 403, not the field errors."""
    for cookies, expected in (
        ({}, (401, {"message": messages.NOT_AUTHENTICATED})),
        (session_of(harness, profile.identifier), (403, {"message": messages.REFERENT_ONLY})),
    ):
        r = harness.post("/api/agents", {"first_name": 5}, cookies=cookies)
        assert (r.status, r.json) == expected
    r = harness.post("/api/agents", {"first_name": 5}, cookies=session_of(harness, active.identifier))
    assert r.status == 400 and "first_name" in r.json["errors"]


def test_names_typed_with_combining_accents_are_stored_composed(harness, active, referent):
    body = {"first_name": "Zoe\u0301", "last_name": "Le\u0301ger", "email": OTHER_EMAIL}
    r = harness.post("/api/agents", body, cookies=referent)
    assert r.status == 201, r.text
    account = harness.services.accounts.get(r.json["identifier"])
    assert (account.first_name, account.last_name) == ("Zoé", "Léger")


def test_an_internationalised_domain_is_stored_in_idna_mailed_there_and_shown_in_unicode(harness, active, referent):
    body = {"first_name": "Élise", "last_name": "Durand", "email": "Elise.Durand@Mairie-Évry.fr"}
    r = harness.post("/api/agents", body, cookies=referent)
    assert r.status == 201, r.text
    identifier = r.json["identifier"]
    stored = "elise.durand@xn--mairie-vry-h7a.fr"
    assert harness.services.accounts.get(identifier).email == stored
    # SES gets the ASCII form.
    assert [m.subject for m in harness.mails(stored)]
    # The list shows the Unicode form.
    (agent,) = [a for a in harness.get("/api/agents", cookies=referent).json["agents"] if a["identifier"] == identifier]
    assert agent["email"] == "elise.durand@mairie-évry.fr"
    # The same address typed either way is the same address.
    again = {"first_name": "Eli", "last_name": "Durand", "email": "elise.durand@xn--mairie-vry-h7a.fr"}
    taken = harness.post("/api/agents", again, cookies=referent)
    assert (taken.status, taken.json) == (400, {"errors": {"email": messages.EMAIL_ALREADY_USED}})
    assert harness.post("/api/forgot-identifier", {"email": "ELISE.DURAND@mairie-évry.fr"}).status == 200
    harness.deliver_mail()
    assert [m for m in harness.mails(stored) if identifier in m.text and "identifiant" in m.subject.lower()]


def test_the_operator_cannot_create_names_with_invisible_characters(harness, active):
    with pytest.raises(onboarding.OnboardingError):
        onboarding.create_account(harness.services, "00001", "Ad\u202eam", "Martin", OTHER_EMAIL)
    with pytest.raises(onboarding.OnboardingError):
        onboarding.create_organisation(harness.services, "00077", "MDPH\u200b du Rhône")
