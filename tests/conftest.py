"""Fixtures: moto's DynamoDB/SQS/SES provisioned from template.yaml, handlers called in-process."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Iterator
from typing import Any

from localportal import template

# As on Lambda, the template's static environment (service name, metrics namespace…) exists
# before any handler module is imported.
os.environ.update(template.load().static_environment())

import pytest

from cmi import container, observability
from cmi.domain import onboarding
from tests.support import FakeClock, Harness, stack

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


class RecordingHarness(Harness):
    """The shared harness, recording the secrets sent for the suite-wide redaction check."""

    def record(self, body: Any) -> None:
        if isinstance(body, dict):
            REDACTION.secrets.update(str(body[f]) for f in SECRET_FIELDS if body.get(f))
        REDACTION.handlers_called = True


@pytest.fixture
def harness(clock: FakeClock) -> Iterator[Harness]:
    with stack(clock) as runtime:
        yield RecordingHarness(runtime, clock)
