"""Fault injection: AWS failing under each route (SPEC §4, §6).

Faults are injected with a botocore `before-call` hook on the clients of a `Deps` whose
`client_factory` registers it (see tests/security/support.py): the handler code is unchanged and
sees exactly the error response AWS would send. For each route: a clear French answer (503 with
Retry-After where retrying helps), and the tables exactly as before or exactly as after (a login's
attempt, counted before its password is checked, stays counted).
"""

from __future__ import annotations

import json

import boto3
import pytest

from cmi import messages
from cmi.domain import onboarding
from cmi.mail import requests
from cmi.web.cookies import FIRST_CONNECTION as FIRST_CONNECTION_COOKIE
from cmi.web.cookies import SESSION as SESSION_COOKIE
from localportal.functions import sqs_event
from tests.integration.conftest import EMAIL, NEW_PASSWORD
from tests.security.support import (
    CONDITION_FAILED,
    SES_REJECTED,
    SES_THROTTLED,
    SQS_DOWN,
    THROUGHPUT,
    TX_CANCELLED_THROTTLED,
    error,
    injected,
    logged_lines,
    metric_counts,
    snapshot,
)

RESET = "Nouveau-Départ!2027"
WRONG = "Pas-le-bon!mot2passe"
SQS_THROTTLED = error("RequestThrottled", status=403)
TX_CONDITION_LOST = error(
    "TransactionCanceledException",
    "Transaction cancelled, please refer cancellation reasons for specific reasons [None, ConditionalCheckFailed]",
    CancellationReasons=[
        {"Code": "None"},
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"},
    ],
)


def assert_unavailable(r):
    """503, a French message and a Retry-After: the client may simply try again."""
    assert (r.status, r.json) == (503, {"message": messages.UNAVAILABLE}), r.text
    assert int(r.headers["Retry-After"]) >= 1
    assert r.set_cookie == []


def login(harness, identifier, password, **kwargs):
    return harness.post("/api/login", {"identifier": identifier, "password": password}, **kwargs)


def reset_token(harness, identifier):
    harness.post("/api/forgot-password", {"identifier": identifier})
    (mail,) = [m for m in harness.mails(EMAIL) if "#token=" in m.text][-1:]
    return mail.text.split("#token=")[1].split()[0]


def reset(harness, token, password=RESET):
    return harness.post(
        "/api/reset-password", {"token": token, "new_password": password, "password_confirmation": password}
    )


# POST /api/login.


def attempt_counted(before, after, identifier):
    """After equals before but for the attempt counted before the password was checked (on purpose)."""

    def failures(tables):
        items = [i for i in tables["ThrottleTable"] if i["pk"]["S"] == f"LOGIN#{identifier}"]
        return int(items[0]["failures"]["N"]) if items else 0

    def others(tables):
        return {
            **tables,
            "ThrottleTable": [i for i in tables["ThrottleTable"] if i["pk"]["S"] != f"LOGIN#{identifier}"],
        }

    return failures(after) == failures(before) + 1 and others(after) == others(before)


def login_items(harness):
    return [i for i in harness.table("ThrottleTable") if i["pk"]["S"].startswith("LOGIN#")]


@pytest.mark.parametrize(
    ("operation", "fault"),
    [
        ("BatchGetItem", THROUGHPUT),
        ("TransactWriteItems", THROUGHPUT),
        ("BatchGetItem", error("InternalServerError", status=500)),
    ],
)
def test_login_with_dynamodb_failing_answers_503_and_changes_nothing(harness, active, operation, fault):
    """Nothing changes but, when the failure comes after the password check, the attempt it counted."""
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", operation, fault)
        assert_unavailable(login(harness, active.identifier, active.password))
        assert faults.injected
    after = snapshot(harness)
    assert after == before if operation == "BatchGetItem" else attempt_counted(before, after, active.identifier)
    assert login(harness, active.identifier, active.password).json == {"next": "home"}


def test_login_failure_not_counted_when_the_counter_write_fails(harness, active):
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", "UpdateItem", THROUGHPUT)
        assert_unavailable(login(harness, active.identifier, WRONG))
    assert snapshot(harness) == before


@pytest.mark.parametrize("fault", [THROUGHPUT, TX_CANCELLED_THROTTLED])
def test_login_transaction_failing_leaves_counter_and_sessions_as_before(harness, active, fault):
    assert login(harness, active.identifier, WRONG).status == 401  # a throttle item: login now needs a transaction
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", "TransactWriteItems", fault)
        assert_unavailable(login(harness, active.identifier, active.password))
    assert attempt_counted(before, snapshot(harness), active.identifier)
    assert login(harness, active.identifier, active.password).json == {"next": "home"}
    assert login_items(harness) == []


def test_login_losing_its_condition_mid_flow_is_a_plain_401(harness, active):
    """The password changed between the read and the write: the credentials are no longer right."""
    assert login(harness, active.identifier, WRONG).status == 401
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", "TransactWriteItems", TX_CONDITION_LOST)
        r = login(harness, active.identifier, active.password)
    assert (r.status, r.json, r.set_cookie) == (401, {"message": messages.BAD_CREDENTIALS}, [])
    assert attempt_counted(before, snapshot(harness), active.identifier)


def test_login_blocking_with_the_mail_queue_down_still_counts_and_answers_401(harness, active, capsys):
    """The 25th failure is committed; the blocked mail cannot be queued: logged and counted, not a 5xx."""
    failures = 0
    while failures < 24:
        r = login(harness, active.identifier, WRONG)
        if r.status == 429:
            harness.clock.advance(int(r.headers["Retry-After"]))
        else:
            failures += 1
    harness.clock.advance(900)
    capsys.readouterr()
    with injected(harness) as faults, logged_lines() as logs:
        faults.fail("sqs", "SendMessage", SQS_DOWN)
        r = login(harness, active.identifier, WRONG)
    assert (r.status, r.json) == (401, {"message": messages.BAD_CREDENTIALS})
    (item,) = login_items(harness)
    assert item["window_failures"]["N"] == "25"
    assert login(harness, active.identifier, active.password).json == {"message": messages.BLOCKED.format(count=25)}
    assert metric_counts(capsys.readouterr().out)["MailQueueFailed"] == 1
    assert "mail request not queued" in logs.getvalue()


# GET /api/session, POST /api/logout.


def test_session_read_failing_is_503(harness, active):
    login(harness, active.identifier, active.password)
    with injected(harness) as faults:
        faults.fail("dynamodb", "GetItem", THROUGHPUT)
        r = harness.get("/api/session")
    assert_unavailable(r)
    assert harness.get("/api/session").status == 200


def test_session_idle_refresh_failing_is_503_and_the_session_survives(harness, active):
    login(harness, active.identifier, active.password)
    before = snapshot(harness)
    harness.clock.advance(120)
    with injected(harness) as faults:
        faults.fail("dynamodb", "UpdateItem", THROUGHPUT)
        assert_unavailable(harness.get("/api/session"))
    assert snapshot(harness) == before
    assert harness.get("/api/session").status == 200


def test_logout_failing_keeps_the_session_and_the_cookie(harness, active):
    raw = login(harness, active.identifier, active.password).cookies[SESSION_COOKIE]
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", "DeleteItem", THROUGHPUT)
        assert_unavailable(harness.post("/api/logout"))
    assert snapshot(harness) == before
    assert harness.cookies[SESSION_COOKIE] == raw  # not cleared: the browser can log out again
    assert harness.post("/api/logout").status == 204
    assert harness.get("/api/session", cookies={SESSION_COOKIE: raw}).status == 401


# GET and POST /api/first-connection.


def first_connection(harness, password=NEW_PASSWORD):
    body = {"new_password": password, "password_confirmation": password, "email_confirmation": EMAIL}
    return harness.post("/api/first-connection", body)


def test_first_connection_prefill_failing_is_503(harness, pending):
    login(harness, pending.identifier, pending.password)
    with injected(harness) as faults:
        faults.fail("dynamodb", "GetItem", THROUGHPUT)
        assert_unavailable(harness.get("/api/first-connection"))
    assert harness.get("/api/first-connection").status == 200


@pytest.mark.parametrize("fault", [THROUGHPUT, TX_CANCELLED_THROTTLED])
def test_first_connection_transaction_failing_changes_nothing_and_can_be_retried(harness, pending, fault):
    login(harness, pending.identifier, pending.password)
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", "TransactWriteItems", fault)
        assert_unavailable(first_connection(harness))
    assert snapshot(harness) == before
    assert first_connection(harness).json == {"next": "home"}
    assert harness.get("/api/session").status == 200


def test_first_connection_losing_its_condition_mid_flow_is_401_and_changes_nothing(harness, pending):
    login(harness, pending.identifier, pending.password)
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", "TransactWriteItems", TX_CONDITION_LOST)
        r = first_connection(harness)
    assert (r.status, r.json) == (401, {"message": messages.FIRST_CONNECTION_EXPIRED})
    assert snapshot(harness) == before


def test_first_connection_with_the_mail_queue_down_is_committed_and_logged(harness, pending, capsys):
    login(harness, pending.identifier, pending.password)
    capsys.readouterr()
    with injected(harness) as faults, logged_lines() as logs:
        faults.fail("sqs", "SendMessage", SQS_DOWN)
        r = first_connection(harness)
    assert r.json == {"next": "home"}
    (account,) = [i for i in harness.table("AccountsTable") if i["pk"]["S"] == pending.identifier]
    assert account["status"]["S"] == "active"
    assert FIRST_CONNECTION_COOKIE not in harness.cookies
    assert metric_counts(capsys.readouterr().out)["MailQueueFailed"] == 1
    assert "mail request not queued" in logs.getvalue()


# POST /api/forgot-identifier, POST /api/forgot-password.


@pytest.mark.parametrize("fault", [SQS_DOWN, SQS_THROTTLED])
@pytest.mark.parametrize(
    ("path", "body"),
    [("/api/forgot-identifier", {"email": EMAIL}), ("/api/forgot-password", {"identifier": "00001ABC"})],
)
def test_recovery_requests_with_the_queue_down_answer_503_and_queue_nothing(harness, active, path, body, fault):
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("sqs", "SendMessage", fault)
        assert_unavailable(harness.post(path, body))
    assert snapshot(harness) == before


# POST /api/reset-password.


@pytest.mark.parametrize(
    ("operation", "fault"),
    [
        ("GetItem", THROUGHPUT),
        ("TransactWriteItems", THROUGHPUT),
        ("TransactWriteItems", TX_CANCELLED_THROTTLED),
        ("TransactWriteItems", error("TransactionConflictException", status=400)),
    ],
)
def test_reset_with_dynamodb_failing_changes_nothing_and_the_link_still_works(harness, active, operation, fault):
    token = reset_token(harness, active.identifier)
    assert login(harness, active.identifier, WRONG).status == 401  # a throttle item the reset must clear
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", operation, fault)
        assert_unavailable(reset(harness, token))
    assert snapshot(harness) == before
    assert reset(harness, token).json == {"next": "login"}
    assert [i for i in harness.table("ThrottleTable") if i["pk"]["S"].startswith("LOGIN#")] == []


def test_reset_losing_its_condition_mid_flow_is_the_invalid_link_answer(harness, active):
    token = reset_token(harness, active.identifier)
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", "TransactWriteItems", TX_CONDITION_LOST)
        r = reset(harness, token)
    assert (r.status, r.json) == (400, {"message": messages.RESET_LINK_INVALID})
    assert snapshot(harness) == before


def test_reset_with_the_mail_queue_down_is_committed_and_logged(harness, active, capsys):
    token = reset_token(harness, active.identifier)
    capsys.readouterr()
    with injected(harness) as faults:
        faults.fail("sqs", "SendMessage", SQS_DOWN)
        assert reset(harness, token).json == {"next": "login"}
    assert metric_counts(capsys.readouterr().out)["MailQueueFailed"] == 1
    assert login(harness, active.identifier, RESET).json == {"next": "home"}
    assert reset(harness, token, "Encore-Autre!2028").json == {"message": messages.RESET_LINK_INVALID}


# The mailer (SQS -> SES).


def mail_requests(harness):
    """Receive the queued mail requests as the event source mapping would."""
    url = harness.services.settings.mail_queue_url
    return boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])


def run_mailer(harness, messages_):
    (_, arn, invoker) = harness.runtime.consumers[0]
    return invoker(sqs_event(messages_, arn))


@pytest.mark.parametrize("fault", [SES_REJECTED, SES_THROTTLED])
def test_reset_mail_that_cannot_be_sent_leaves_no_usable_token_and_is_retried(harness, active, capsys, fault):
    before = snapshot(harness)
    assert harness.post("/api/forgot-password", {"identifier": active.identifier}).status == 200
    queued = mail_requests(harness)
    assert [json.loads(m["Body"])["kind"] for m in queued] == ["forgot_password"]
    capsys.readouterr()
    with injected(harness) as faults, logged_lines() as logs:
        faults.fail("sesv2", "SendEmail", fault)
        result = run_mailer(harness, queued)
    # Reported as a batch item failure: SQS delivers it again (then parks it in the dead-letter queue).
    assert result == {"batchItemFailures": [{"itemIdentifier": queued[0]["MessageId"]}]}
    # The token created for the mail is gone: the tokens table is as before.
    assert harness.table("TokensTable") == before["TokensTable"]
    assert metric_counts(capsys.readouterr().out)["MailFailed"] == 1
    lines = [json.loads(line) for line in logs.getvalue().splitlines()]
    failed = [line for line in lines if line["message"] == "mail not sent"]
    assert failed and failed[0]["level"] == "ERROR" and failed[0]["to"] == "c***@exemple.fr"
    # The retry (SES back) sends one working link.
    assert run_mailer(harness, queued) == {"batchItemFailures": []}
    (mail,) = [m for m in harness.mails(EMAIL) if "#token=" in m.text]
    token = mail.text.split("#token=")[1].split()[0]
    assert reset(harness, token).json == {"next": "login"}


@pytest.mark.parametrize("kind", sorted(set(requests.KINDS) - {"forgot_password"}))
def test_every_mail_kind_failing_is_logged_counted_and_retried(harness, active, capsys, kind):
    about = {"email": EMAIL} if kind == "forgot_identifier" else {"identifier": active.identifier}
    url = harness.services.settings.mail_queue_url
    boto3.client("sqs").send_message(QueueUrl=url, MessageBody=requests.dumps(requests.KINDS[kind](**about, kind=kind)))
    queued = mail_requests(harness)
    capsys.readouterr()
    with injected(harness) as faults:
        faults.fail("sesv2", "SendEmail", SES_REJECTED)
        assert run_mailer(harness, queued) == {"batchItemFailures": [{"itemIdentifier": queued[0]["MessageId"]}]}
    assert metric_counts(capsys.readouterr().out)["MailFailed"] == 1


def test_mailer_with_dynamodb_throttled_is_retried_and_sends_nothing(harness, active):
    harness.post("/api/forgot-password", {"identifier": active.identifier})
    queued = mail_requests(harness)
    sent_before = len(harness.mails())
    before = snapshot(harness)
    with injected(harness) as faults:
        faults.fail("dynamodb", "GetItem", THROUGHPUT)
        assert run_mailer(harness, queued)["batchItemFailures"] == [{"itemIdentifier": queued[0]["MessageId"]}]
    assert {k: v for k, v in snapshot(harness).items() if k != "queued"} == {
        k: v for k, v in before.items() if k != "queued"
    }
    assert len(harness.mails()) == sent_before


def test_reset_token_write_failing_sends_no_mail(harness, active):
    harness.post("/api/forgot-password", {"identifier": active.identifier})
    queued = mail_requests(harness)
    sent_before = len(harness.mails())
    tokens_before = harness.table("TokensTable")
    with injected(harness) as faults:
        faults.fail("dynamodb", "TransactWriteItems", THROUGHPUT)
        assert run_mailer(harness, queued)["batchItemFailures"]
    assert harness.table("TokensTable") == tokens_before
    assert len(harness.mails()) == sent_before


# The ops command's onboarding (cmi-admin create-referent).


def test_welcome_mail_failing_removes_the_new_account(harness, organisation, capsys):
    before = snapshot(harness)
    capsys.readouterr()
    with injected(harness) as faults:
        faults.fail("sesv2", "SendEmail", SES_REJECTED)
        with pytest.raises(Exception, match="MessageRejected"):
            onboarding.create_account(harness.services, "00001", "Camille", "Martin", EMAIL)
    assert snapshot(harness) == before
    from cmi.observability import metrics

    metrics.flush_metrics()
    assert metric_counts(capsys.readouterr().out)["MailFailed"] == 1


def test_conditional_failure_outside_a_transaction_is_not_a_fault(harness, active):
    """A ConditionalCheckFailed on the idle refresh (logged out meanwhile) is answered like a dead session."""
    login(harness, active.identifier, active.password)
    harness.clock.advance(120)
    with injected(harness) as faults:
        faults.fail("dynamodb", "UpdateItem", CONDITION_FAILED)
        assert harness.get("/api/session").status == 200
