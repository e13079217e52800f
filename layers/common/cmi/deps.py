"""What the domain code depends on, injectable: clock, randomness and AWS clients.

Clients are created on first use, never at import, and reused across warm invocations.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from cmi.config import Settings, settings

Clock = Callable[[], float]


class Randomness:
    """CSPRNG-backed source of tokens and temporary secrets (replaceable in tests)."""

    def token(self) -> str:
        # 256 bits, URL-safe (the reset token travels in a URL fragment).
        return secrets.token_urlsafe(32)

    def choice(self, alphabet: str) -> str:
        return secrets.choice(alphabet)


def _client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Fail fast: API Gateway gives up at 29 s and a person is waiting.
    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
    factory: Callable[..., Any] = boto3.client  # the stubs only know literal service names
    return factory(service, config=config)


@dataclass
class Deps:
    settings: Settings
    clock: Clock = time.time
    random: Randomness = field(default_factory=Randomness)
    client_factory: Callable[[str], Any] = _client

    @cached_property
    def dynamodb(self) -> Any:
        return self.client_factory("dynamodb")

    @cached_property
    def sqs(self) -> Any:
        return self.client_factory("sqs")

    @cached_property
    def ses(self) -> Any:
        return self.client_factory("sesv2")

    def now(self) -> int:
        return int(self.clock())


_active: list[Deps] = []  # a stack: `use` pushes, the bottom one is built from the environment


def current() -> Deps:
    if not _active:
        _active.append(Deps(settings=settings()))
    return _active[-1]


@contextmanager
def use(deps: Deps) -> Iterator[Deps]:
    """Run with other dependencies (tests, local portal)."""
    _active.append(deps)
    try:
        yield deps
    finally:
        _active.remove(deps)
