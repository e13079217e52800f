"""The whole template on moto in this process (as tests/conftest.py does), with every AWS call counted.

The stack and harness are the tests' own (tests/support.py); the handlers get their clients from the
container's `client_factory`, and the factory here registers
botocore `before-call`/`after-call` hooks on each client, so the counts are the calls the handler
code makes (the queue draining of the runtime uses its own, uncounted clients).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from typing import Any

from tests.support import Harness

PORTAL_URL = "https://portail.cmi.test"
# The handlers log (INFO) and print EMF metrics as on Lambda, with the template's settings: that work is part
# of the cost measured. Their output goes here rather than over the table. Open for the whole process, since
# Powertools binds its log handler to the sys.stdout it sees when cmi.observability is first imported.
_SINK = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
NEW_PASSWORD = "Bench-Zèbre-42!"
ORG = ("00001", "MDPH de mesure")
PERSON = ("Camille", "Martin", "camille.martin@demo-cmi.fr")


def prepare_environment() -> None:
    """Must run before any `cmi` module is imported: Powertools reads its settings at import."""
    from localportal import aws, template

    aws.fake_credentials()
    os.environ.pop("AWS_ENDPOINT_URL", None)  # mock_aws intercepts; an endpoint would bypass it
    os.environ.update(template.load().static_environment())
    # PurgeQueue between timed batches, without moto's once-a-minute rule.
    os.environ["MOTO_SQS_ENFORCE_STRICT_QUEUE_PURGE_BEHAVIOUR"] = "false"


class CallCounter:
    """AWS API calls (not HTTP attempts) per (service, operation), and the time spent inside them."""

    def __init__(self) -> None:
        self.calls: Counter[tuple[str, str]] = Counter()
        self.seconds = 0.0
        self._local = threading.local()
        # Calls made before the request's first password check (argon2id), if it made one.
        self.before_check: int | None = None

    def attach(self, client: Any) -> None:
        # Registering the prefix catches every service and operation of this client.
        client.meta.events.register("before-call", self._before)
        client.meta.events.register("after-call", self._after)
        client.meta.events.register("after-call-error", self._after)

    def _before(self, event_name: str, **_: Any) -> None:
        _, service, operation = event_name.split(".", 2)
        self.calls[(service, operation)] += 1
        self._local.started = time.perf_counter()

    def _after(self, **_: Any) -> None:
        started = getattr(self._local, "started", None)
        if started is not None:
            self.seconds += time.perf_counter() - started
            self._local.started = None

    def reset(self) -> None:
        self.calls.clear()
        self.seconds = 0.0
        self.before_check = None

    def password_checked(self) -> None:
        if self.before_check is None:
            self.before_check = sum(self.calls.values())

    def by_service(self) -> dict[str, dict[str, int]]:
        result: dict[str, dict[str, int]] = {}
        for (service, operation), n in sorted(self.calls.items()):
            result.setdefault(service, {})[operation] = n
        return result


class BenchHarness(Harness):
    """The tests' harness with the AWS calls counted; every call says its cookies (none kept between calls)."""

    def __init__(self, runtime: Any, counter: CallCounter) -> None:
        super().__init__(runtime)
        self.counter = counter

    def call(
        self, method: str, path: str, body: Any = None, cookies: dict[str, str] | None = None, **kwargs: Any
    ) -> Any:
        return super().call(method, path, body, cookies=cookies or {}, **kwargs)

    def mailer(self, request: Any) -> dict[str, Any]:
        """Invoke the queue consumer with one message, as the event source mapping would."""
        from cmi.mail import requests
        from localportal.functions import sqs_event

        _, arn, invoker = self.runtime.consumers[0]
        message = {"MessageId": str(uuid.uuid4()), "ReceiptHandle": "bench", "Body": requests.dumps(request)}
        result: dict[str, Any] = invoker(sqs_event([message], arn)) or {}
        return result

    def purge_queues(self) -> None:
        sqs = self.runtime.client("sqs")
        for url, _, _ in self.runtime.consumers:
            sqs.purge_queue(QueueUrl=url)

    def sent_mails(self) -> list[Any]:
        from localportal import aws

        return aws.sent_mails()

    def seed_active_account(self) -> tuple[str, str]:
        """An organisation and a référent who completed the first connection: (identifier, password)."""
        from cmi.domain import onboarding

        onboarding.create_organisation(self.services, *ORG)
        created = onboarding.create_account(self.services, ORG[0], *PERSON)
        identifier = created.account.identifier
        login = self.call("POST", "/api/login", {"identifier": identifier, "password": created.temporary_password})
        assert login.json == {"next": "first_connection"}, login
        done = self.call(
            "POST",
            "/api/first-connection",
            {
                "new_password": NEW_PASSWORD,
                "password_confirmation": NEW_PASSWORD,
                "email_confirmation": PERSON[2],
                "alerts_opt_in": False,
            },
            cookies=login.cookies,
        )
        assert done.status == 200, done
        self.purge_queues()
        return identifier, NEW_PASSWORD


@contextmanager
def running() -> Iterator[BenchHarness]:
    prepare_environment()
    counter = CallCounter()
    # Imported under the redirection: Powertools binds its log handler to the stdout of the first import.
    with redirect_stdout(_SINK):
        from cmi.container import aws_client
        from tests.support import stack

        def counted(service: str) -> Any:
            client = aws_client(service)
            counter.attach(client)
            return client

        with stack(client_factory=counted) as runtime:
            yield BenchHarness(runtime, counter)
