"""Test helpers shared by the integration and e2e suites."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


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
