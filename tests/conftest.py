"""Fixtures: moto's DynamoDB/SQS/SES provisioned from template.yaml, handlers called in-process."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

from localportal import aws, template

# As on Lambda, the template's static environment (service name, metrics namespace…) exists
# before any handler module is imported.
os.environ.update(template.load().static_environment())

import boto3
import pytest
from moto import mock_aws

from cmi import config, deps, portal
from localportal.runtime import Runtime
from tests.support import ApiAnswer, FakeClock, answer

PORTAL_URL = "https://portail.cmi.test"


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
    def portal(self) -> portal.Portal:
        return portal.current()

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
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
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
        config.settings.cache_clear()
        with deps.use(deps.Deps(settings=config.settings(), clock=clock)):
            yield Harness(runtime, clock)
        config.settings.cache_clear()
