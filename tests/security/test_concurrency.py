"""Concurrency: counters and single-use tokens hold under parallel requests (SPEC §6).

Also proven elsewhere, not repeated here:
- 20 parallel uses of one reset link give exactly one success:
  tests/integration/test_recovery.py::test_20_concurrent_uses_of_one_link_give_exactly_one_success
- parallel first-connection completions with one pass give exactly one:
  tests/integration/test_first_connection.py::test_two_concurrent_completions_with_the_same_pass_exactly_one_wins
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace

import boto3
import pytest
from botocore.config import Config

from cmi import container, messages
from cmi.domain.passwords import Hasher
from localportal.functions import sqs_event

PARALLEL = 50
WRONG = "Pas-le-bon!mot2passe"
UNKNOWN = "00001ZZZZZZZZZZ"


@contextmanager
def all_read_before_any_write(harness, parties):
    """Every login reads the throttle state before any of them records its failure (the worst interleaving).

    A botocore after-call hook holds each BatchGetItem answer at a barrier until `parties` requests
    have read: without atomic counters, their writes would overwrite each other.
    """
    barrier = threading.Barrier(parties, timeout=60)

    def factory(service):
        client = boto3.client(service, config=Config(max_pool_connections=parties + 10))
        if service == "dynamodb":
            client.meta.events.register("after-call.dynamodb.BatchGetItem", lambda **_: barrier.wait())
        return client

    with container.override(replace(container.container(), client_factory=factory)):
        yield barrier


@contextmanager
def counted_password_checks(monkeypatch):
    """Count every argon2id computation a login spends on a password (verify, or waste for unknowns)."""
    checks = []
    for name in ("verify", "waste"):
        original = getattr(Hasher, name)

        def counting(self, *args, _original=original, **kwargs):
            checks.append(1)  # list.append is atomic: safe across the request threads
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Hasher, name, counting)
    yield checks


def parallel_wrong_logins(harness, identifier):
    body = {"identifier": identifier, "password": WRONG}
    with all_read_before_any_write(harness, PARALLEL), ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(lambda _: harness.post("/api/login", body, cookies={}), range(PARALLEL)))


@pytest.mark.parametrize("who", ["real account", "unknown identifier"])
def test_50_parallel_wrong_passwords_get_5_password_checks_then_1_once_the_delay_ends(
    harness, active, who, monkeypatch
):
    identifier = active.identifier if who == "real account" else UNKNOWN
    with counted_password_checks(monkeypatch) as checks:
        # Worst interleaving: all 50 read "no failure yet" before any of them takes its slot.
        answers = parallel_wrong_logins(harness, identifier)
        assert len(checks) == 5
        assert sorted(a.status for a in answers) == [401] * 5 + [429] * 45
        assert {a.json["message"] for a in answers if a.status == 401} == {messages.BAD_CREDENTIALS}
        (item,) = [i for i in harness.table("ThrottleTable") if i["pk"]["S"] == f"LOGIN#{identifier}"]
        assert (int(item["failures"]["N"]), int(item["window_failures"]["N"])) == (5, 5)

        harness.clock.advance(60)  # the delay after the 5th failure has ended: one attempt allowed
        checks.clear()
        answers = parallel_wrong_logins(harness, identifier)
        assert len(checks) == 1
        assert sorted(a.status for a in answers) == [401] + [429] * 49
        waits = {a.headers["Retry-After"] for a in answers if a.status == 429}
        assert waits <= {"60", "120"}  # 60 for those refused before the winner counted: still 2 min after it

        checks.clear()  # while waiting: no check at all, even with the right password
        r = harness.post("/api/login", {"identifier": identifier, "password": active.password}, cookies={})
        assert (r.status, checks) == (429, [])


def test_parallel_right_and_wrong_passwords_never_lock_out_the_owner(harness, active, monkeypatch):
    """The owner's right password, sent among 4 parallel guesses, gets in and clears the counter."""
    bodies = [{"identifier": active.identifier, "password": WRONG}] * 4
    bodies.append({"identifier": active.identifier, "password": active.password})
    with all_read_before_any_write(harness, len(bodies)), ThreadPoolExecutor(len(bodies)) as pool:
        answers = list(pool.map(lambda body: harness.post("/api/login", body, cookies={}), bodies))
    assert sorted(a.status for a in answers) == [200] + [401] * 4


def test_parallel_mailer_invocations_never_exceed_5_reset_mails_per_hour(harness, active):
    """20 queued reset requests handled by 20 mailer invocations at once: at most 5 links, each one mailed."""
    url = harness.services.settings.mail_queue_url
    sqs = boto3.client("sqs")
    for _ in range(20):
        sqs.send_message(
            QueueUrl=url, MessageBody=json.dumps({"kind": "forgot_password", "identifier": active.identifier})
        )
    received = []
    while len(received) < 20:
        received += sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    (_, arn, invoker) = harness.runtime.consumers[0]
    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda m: invoker(sqs_event([m], arn)), received))
    assert all(r == {"batchItemFailures": []} for r in results)
    links = [m for m in harness.mails(active.email) if "#token=" in m.text]
    resets = [i for i in harness.table("TokensTable") if i["kind"]["S"] == "reset"]
    print(f"\n20 parallel mailer invocations: {len(links)} reset links sent")
    assert 1 <= len(links) <= 5
    assert len(resets) == len(links)  # no token without its mail
