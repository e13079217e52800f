"""Redaction: no password, temporary password, token or full email address in logs or metrics (SPEC §6).

Runs every flow of the portal, including failures, while capturing what would reach CloudWatch:
the Powertools Logger's JSON lines, the EMF metrics printed on stdout, and every logging record
(message, extra fields and traceback text). Then looks for each secret that went through the API.
"""

from __future__ import annotations

import contextlib
import json
import re

from cmi.domain import onboarding
from cmi.observability import metrics
from cmi.web.cookies import FIRST_CONNECTION as FIRST_CONNECTION_COOKIE
from cmi.web.cookies import SESSION as SESSION_COOKIE
from tests.security.support import (
    SQS_DOWN,
    THROUGHPUT,
    error,
    injected,
    logged_lines,
    metric_counts,
)

EMAIL = "camille.martin@exemple.fr"
OTHER_EMAIL = "dominique.petit@exemple.fr"
UNKNOWN_EMAIL = "personne.inconnue@exemple.fr"
NEW_PASSWORD = "Mobilité-Inclusion!2026"
RESET_PASSWORD = "Nouveau-Départ!2027"
WRONG = "Pas-le-bon!mot2passe"
LINK = re.compile(r"#token=([A-Za-z0-9_-]{43})")
# What SES really answers for an unverified recipient in the sandbox: the address is in the message.
SES_UNVERIFIED = error(
    "MessageRejected",
    f"Email address is not verified. The following identities failed the check in region EU-WEST-3: {EMAIL}",
)


def reset_links(harness, email):
    return [LINK.search(m.text).group(1) for m in harness.mails(email) if LINK.search(m.text)]


def run_every_flow(harness, secrets):
    """The flows of the portal, successes and failures; every secret met is added to `secrets`."""
    post, get = harness.post, harness.get
    onboarding.create_organisation(harness.services, "00001", "MDPH du Rhône")
    new = onboarding.create_account(harness.services, "00001", "Camille", "Martin", EMAIL)
    other = onboarding.create_account(harness.services, "00001", "Dominique", "Petit", OTHER_EMAIL, role="profile")
    identifier = new.account.identifier
    secrets |= {new.temporary_password, other.temporary_password}

    # Login with the temporary password, first connection.
    r = post("/api/login", {"identifier": identifier, "password": new.temporary_password})
    secrets.add(r.cookies[FIRST_CONNECTION_COOKIE])
    assert get("/api/first-connection").status == 200
    bad = {"new_password": "faible", "password_confirmation": "autre", "email_confirmation": OTHER_EMAIL}
    assert post("/api/first-connection", bad).status == 400
    body = {"new_password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "email_confirmation": EMAIL}
    r = post("/api/first-connection", body)
    assert r.status == 200
    secrets.add(r.cookies[SESSION_COOKIE])

    # Session, idle refresh, logout, login again.
    assert get("/api/session").status == 200
    harness.clock.advance(120)
    assert get("/api/session").status == 200
    assert post("/api/logout").status == 204
    r = post("/api/login", {"identifier": identifier, "password": NEW_PASSWORD})
    secrets.add(r.cookies[SESSION_COOKIE])
    assert post("/api/logout").status == 204

    # Failures, throttling, block (with its mail), with the right password tried while throttled.
    failures = 0
    while failures < 25:
        r = post("/api/login", {"identifier": identifier, "password": f"{WRONG}{failures}"}, cookies={})
        secrets.add(f"{WRONG}{failures}")
        if r.status == 429:
            assert post("/api/login", {"identifier": identifier, "password": NEW_PASSWORD}, cookies={}).status == 429
            harness.clock.advance(int(r.headers["Retry-After"]))
        else:
            failures += 1
    assert post("/api/login", {"identifier": identifier, "password": NEW_PASSWORD}, cookies={}).status == 429
    assert post("/api/login", {"identifier": "00001INCONNU", "password": WRONG}, cookies={}).status == 401

    # Forgotten identifier (known, unknown, invalid) and password (known, unknown).
    assert post("/api/forgot-identifier", {"email": EMAIL.upper()}).status == 200
    assert post("/api/forgot-identifier", {"email": UNKNOWN_EMAIL}).status == 200
    assert post("/api/forgot-identifier", {"email": "camille.martin@"}).status == 400
    assert post("/api/forgot-password", {"identifier": identifier}).status == 200
    assert post("/api/forgot-password", {"identifier": "00001INCONNU"}).status == 200
    (token,) = reset_links(harness, EMAIL)
    secrets.add(token)
    weak = {"token": token, "new_password": "faible", "password_confirmation": "faible"}
    assert post("/api/reset-password", weak).status == 400
    assert post("/api/reset-password", {**weak, "token": "x" * 43}).status == 400

    # Reset with the queue down for the "password changed" mail.
    with injected(harness) as faults:
        faults.fail("sqs", "SendMessage", SQS_DOWN)
        good = {"token": token, "new_password": RESET_PASSWORD, "password_confirmation": RESET_PASSWORD}
        assert post("/api/reset-password", good).json == {"next": "login"}
    assert post("/api/reset-password", good).status == 400  # used
    r = post("/api/login", {"identifier": identifier, "password": RESET_PASSWORD})
    secrets.add(r.cookies[SESSION_COOKIE])

    # DynamoDB throttled under a login: 503.
    with injected(harness) as faults:
        faults.fail("dynamodb", "BatchGetItem", THROUGHPUT)
        assert post("/api/login", {"identifier": identifier, "password": RESET_PASSWORD}).status == 503

    # The mailer with SES refusing the recipient (its error message names the address).
    assert post("/api/forgot-password", {"identifier": other.account.identifier}).status == 200
    with injected(harness) as faults:
        faults.fail("sesv2", "SendEmail", SES_UNVERIFIED)
        harness.deliver_mail()
    # Delivered later (the token of the failed attempt was deleted; this one is new).
    assert post("/api/forgot-password", {"identifier": other.account.identifier}).status == 200
    secrets |= set(reset_links(harness, OTHER_EMAIL))

    # The welcome mail of a new account failing (cmi-admin create-referent): account removed.
    with injected(harness) as faults:
        faults.fail("sesv2", "SendEmail", SES_UNVERIFIED)
        with contextlib.suppress(Exception):  # the failure itself is the point
            onboarding.create_account(harness.services, "00001", "Alex", "Durand", UNKNOWN_EMAIL)
    metrics.flush_metrics()  # outside a handler (as cmi-admin), metrics wait for a flush
    return identifier


def test_no_secret_or_full_email_reaches_logs_or_metrics(harness, capsys, caplog):
    caplog.set_level("INFO")  # as deployed (POWERTOOLS_LOG_LEVEL: INFO; botocore stays at WARNING)
    secrets = {NEW_PASSWORD, RESET_PASSWORD}
    capsys.readouterr()
    with logged_lines() as logs:
        identifier = run_every_flow(harness, secrets)
    stdout = capsys.readouterr().out
    records = [
        " ".join(
            [record.getMessage(), record.exc_text or "", json.dumps(vars(record), default=str, ensure_ascii=False)]
        )
        for record in caplog.records
    ]
    captured = "\n".join([logs.getvalue(), stdout, *records])
    # Look at the JSON as written and as decoded (accents and quotes escaped or not).
    decoded = "\n".join(json.dumps(json.loads(line), ensure_ascii=False) for line in logs.getvalue().splitlines())
    haystack = (captured + "\n" + decoded).casefold()

    assert len(secrets) >= 30
    leaked = sorted(s for s in secrets if s.casefold() in haystack)
    assert leaked == [], f"secrets in logs or metrics: {leaked}"
    emails = [EMAIL, OTHER_EMAIL, UNKNOWN_EMAIL]
    assert [e for e in emails if e.casefold() in haystack] == []
    assert "$argon2" not in haystack
    assert not re.search(r"[a-z0-9._-]+@exemple\.fr", haystack.replace("***@", ""))

    # The logs are still useful: identifiers, masked addresses, correlation ids, and every metric named in §6.
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    assert any(line.get("identifier") == identifier for line in lines)
    assert any(line.get("to") == "c***@exemple.fr" for line in lines)
    api_lines = [line for line in lines if line.get("function_name", "MailerFunction") != "MailerFunction"]
    print([line for line in api_lines if not line.get("correlation_id")])
    assert all(line.get("correlation_id") for line in api_lines)
    counts = metric_counts(stdout)
    for name in (
        "LoginSucceeded",
        "LoginFailed",
        "LoginThrottled",
        "IdentifierBlocked",
        "PasswordReset",
        "MailSent",
        "MailFailed",
        "MailQueueFailed",
        "FirstConnectionCompleted",
    ):
        assert counts[name] >= 1, name
    print(f"\nredaction: {len(lines)} log lines, {sum(counts.values())} metric points, {len(secrets)} secrets checked")
