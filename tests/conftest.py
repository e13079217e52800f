"""Fixtures: moto's DynamoDB/SQS/SES provisioned from template.yaml, handlers called in-process."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

from localportal import aws, template

# As on Lambda, the template's static environment (service name, metrics namespace…) exists
# before any handler module is imported.
os.environ.update(template.load().static_environment())

import boto3
import pytest
from moto import mock_aws

from cmi import container, observability
from cmi.config import Settings
from cmi.domain import onboarding
from localportal.runtime import Runtime
from tests.support import ApiAnswer, FakeClock, answer

PORTAL_URL = "https://portail.cmi.test"
SECRET_FIELDS = ("password", "new_password", "password_confirmation", "token")
FULL_EMAIL = re.compile(r"[\w.+-]*[\w+-]@[\w-]+(\.[\w-]+)+")  # a masked one ends its local part with ***


class Redaction:
    """Everything the in-process functions log or emit as metrics during the whole run, and every secret made."""

    def __init__(self) -> None:
        self.secrets: set[str] = set()
        self.output: list[str] = []
        self.handlers_called = False

    def leaks(self) -> list[str]:
        text = "\n".join(self.output)
        # Very short test inputs ("x") would match anything: they prove nothing either way.
        found = sorted(f"secret {s[:3]}…" for s in self.secrets if len(s) >= 6 and s in text)
        found += sorted({f"email {m.group(0)}" for m in FULL_EMAIL.finditer(text)})
        found += ["argon2 hash"] if "$argon2" in text else []
        return found


REDACTION = Redaction()


@pytest.fixture(scope="session", autouse=True)
def no_secret_in_logs_or_metrics() -> Iterator[Redaction]:
    """Redaction over the whole suite: secrets are recorded where they are made or sent, logs and metrics
    are recorded where they leave the process, and at the end none of the first may be in the second."""
    patch = pytest.MonkeyPatch()
    make_token, make_temporary = container.Randomness.token, onboarding.generate_temporary

    def token(self: container.Randomness) -> str:
        REDACTION.secrets.add(value := make_token(self))
        return value

    def temporary(pick: Any) -> str:
        REDACTION.secrets.add(value := make_temporary(pick))
        return value

    patch.setattr(container.Randomness, "token", token)
    patch.setattr(onboarding, "generate_temporary", temporary)

    class Tee(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            REDACTION.output.append(self.format(record))

    tee = Tee()
    tee.setFormatter(observability.logger.registered_formatter)
    observability.logger.addHandler(tee)
    serialize = observability.metrics.serialize_metric_set

    def recorded(*args: Any, **kwargs: Any) -> Any:
        blob = serialize(*args, **kwargs)
        REDACTION.output.append(json.dumps(blob))
        return blob

    patch.setattr(observability.metrics, "serialize_metric_set", recorded)
    yield REDACTION
    observability.logger.removeHandler(tee)
    patch.undo()
    if REDACTION.handlers_called:  # e2e-only runs use the local portal, checked by tests/e2e/conftest.py
        assert REDACTION.output, "nothing was captured: the redaction check would prove nothing"
    assert REDACTION.leaks() == [], "secrets or full emails reached logs or metrics"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


class Harness:
    """The whole stack of template.yaml on moto, with the handlers called like API Gateway would."""

    def __init__(self, runtime: Runtime, clock: FakeClock) -> None:
        self.runtime = runtime
        self.clock = clock
        self.cookies: dict[str, str] = {}

    @property
    def services(self) -> container.Container:
        return container.container()

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
    ) -> ApiAnswer:
        sent = {"Content-Type": "application/json", "Origin": PORTAL_URL, **(headers or {})}
        sent = {k: v for k, v in sent.items() if v is not None}
        jar = self.cookies if cookies is None else cookies
        if jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        if isinstance(body, dict):
            REDACTION.secrets.update(str(body[f]) for f in SECRET_FIELDS if body.get(f))
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        REDACTION.handlers_called = True
        proxy = self.runtime.call_api(method, path, list(sent.items()), data)
        assert proxy is not None, f"no route {method} {path} in template.yaml"
        result = answer(proxy)
        if cookies is None:
            for name, value in result.cookies.items():
                if value:
                    self.cookies[name] = value
                else:
                    self.cookies.pop(name, None)
        return result

    def post(self, path: str, body: Any = None, **kwargs: Any) -> ApiAnswer:
        return self.call("POST", path, body, **kwargs)

    def get(self, path: str, **kwargs: Any) -> ApiAnswer:
        return self.call("GET", path, **kwargs)

    def deliver_mail(self) -> int:
        return self.runtime.drain_queues()

    def mails(self, to: str | None = None) -> list[aws.SentMail]:
        self.deliver_mail()
        return [m for m in aws.sent_mails() if to is None or to.lower() in m.to.lower()]

    def table(self, name: str) -> list[dict[str, Any]]:
        client = boto3.client("dynamodb")
        return sorted(client.scan(TableName=name)["Items"], key=lambda i: i["pk"]["S"])


@pytest.fixture
def harness(clock: FakeClock) -> Iterator[Harness]:
    aws.fake_credentials()
    with mock_aws():
        runtime = Runtime(template.load(), {"PortalUrl": PORTAL_URL}, aws.client)
        with container.override(container.Container(settings=Settings.from_env(), clock=clock)):
            yield Harness(runtime, clock)
