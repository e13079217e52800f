"""Every cookie the API sets, on every path that sets one (ASVS 5.0 V3.3)."""

from __future__ import annotations

from cmi.web.cookies import FIRST_CONNECTION as FIRST_CONNECTION_COOKIE
from cmi.web.cookies import SESSION as SESSION_COOKIE
from tests.integration.conftest import EMAIL, NEW_PASSWORD


def test_every_cookie_is_host_prefixed_secure_httponly_strict_small_and_never_in_a_body(harness, pending):
    answers = [harness.post("/api/login", {"identifier": pending.identifier, "password": pending.password})]
    body = {"new_password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "email_confirmation": EMAIL}
    answers.append(harness.post("/api/first-connection", body))
    answers.append(harness.post("/api/login", {"identifier": pending.identifier, "password": NEW_PASSWORD}))
    answers.append(harness.post("/api/logout"))
    headers = [h for a in answers for h in a.set_cookie]
    assert {h.split("=", 1)[0] for h in headers} == {SESSION_COOKIE, FIRST_CONNECTION_COOKIE}
    for header in headers:
        pair, *attributes = [part.strip() for part in header.split(";")]
        assert pair.startswith("__Host-")
        assert {"Secure", "HttpOnly", "SameSite=Strict", "Path=/"} <= set(attributes), header
        assert not any(a.lower().startswith("domain") for a in attributes), header
        assert len(pair.encode()) <= 4096
    for a in answers:
        for value in a.cookies.values():
            if value:
                assert value not in a.text  # the token travels in Set-Cookie only
