"""Test helpers shared by the suites and the bench: the in-process stack and its harness, a fake clock."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


class FakeClock:
    """An injectable clock: tests move time instead of sleeping."""

    def __init__(self, start: float = 1_800_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class ApiAnswer:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    set_cookie: list[str]
    text: str
    json: Any = field(default=None)


def answer(proxy: dict[str, Any]) -> ApiAnswer:
    set_cookie = list((proxy.get("multiValueHeaders") or {}).get("Set-Cookie", []))
    cookies = {}
    for header in set_cookie:
        name, _, rest = header.partition("=")
        cookies[name] = rest.split(";", 1)[0]
    text = proxy.get("body") or ""
    # A REST proxy answer may carry headers in either map; API Gateway merges them the same way.
    headers = {k: v[-1] for k, v in (proxy.get("multiValueHeaders") or {}).items() if k != "Set-Cookie" and v}
    return ApiAnswer(
        status=int(proxy["statusCode"]),
        headers={**headers, **(proxy.get("headers") or {})},
        cookies=cookies,
        set_cookie=set_cookie,
        text=text,
        json=json.loads(text) if text else None,
    )


PORTAL_URL = "https://portail.cmi.test"


@contextmanager
def stack(clock: Callable[[], float] = time.time, client_factory: Callable[[str], Any] | None = None) -> Iterator[Any]:
    """The whole template on moto in this process, the handlers' container using `clock` (and `client_factory`).

    The template's static environment must be in os.environ before `cmi` is first imported.
    """
    from moto import mock_aws

    from cmi import container
    from cmi.config import Settings
    from localportal import aws, template
    from localportal.runtime import Runtime

    aws.fake_credentials()
    with mock_aws():
        runtime = Runtime(template.load(), {"PortalUrl": PORTAL_URL}, aws.client)
        services = container.Container(settings=Settings.from_env(), clock=clock)
        if client_factory is not None:
            services.client_factory = client_factory
        with container.override(services):
            yield runtime


class Harness:
    """Calls the handlers of the template as API Gateway and the SQS event source would (tests and bench)."""

    def __init__(self, runtime: Any, clock: Any = None) -> None:
        self.runtime = runtime
        self.clock = clock
        self.cookies: dict[str, str] = {}

    @property
    def services(self) -> Any:
        from cmi import container

        return container.container()

    def record(self, body: Any) -> None:
        """Called with each request body before it is sent (the test suite records secrets here)."""

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
        """Cookies come from the harness's jar (kept up to date) unless given explicitly (then not kept)."""
        sent = {"Content-Type": "application/json", "Origin": PORTAL_URL, **(headers or {})}
        sent = {k: v for k, v in sent.items() if v is not None}
        jar = self.cookies if cookies is None else cookies
        if jar:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
        self.record(body)
        data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
        path, _, query = path.partition("?")
        proxy = self.runtime.call_api(method, path, list(sent.items()), data, query=parse_qs(query))
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
        return int(self.runtime.drain_queues())

    def mails(self, to: str | None = None) -> list[Any]:
        from localportal import aws

        self.deliver_mail()
        return [m for m in aws.sent_mails() if to is None or to.lower() in m.to.lower()]

    def table(self, name: str) -> list[dict[str, Any]]:
        import boto3

        client = boto3.client("dynamodb")
        return sorted(client.scan(TableName=name)["Items"], key=lambda i: i["pk"]["S"])
