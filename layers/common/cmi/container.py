"""The process's dependencies in one container: settings, clock, randomness, AWS clients, stores, mail.

Built once per process on first use (never at import) and reused by warm invocations; tests and
the local portal swap it with `override`.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from cmi.config import Settings
from cmi.domain.passwords import Hasher
from cmi.domain.ports import (
    AccountStore,
    JournalStore,
    MailRequests,
    MailSender,
    ThrottleStore,
    TokenStore,
    UnitOfWork,
)
from cmi.domain.throttling import Policy
from cmi.mail.queue import MailQueue
from cmi.mail.ses import SesSender
from cmi.store.accounts import AccountRepository
from cmi.store.journal import JournalRepository
from cmi.store.throttle import ThrottleRepository
from cmi.store.tokens import TokenRepository
from cmi.store.unit_of_work import DynamoUnitOfWork

Clock = Callable[[], float]


class Randomness:
    """CSPRNG-backed source of tokens and temporary secrets (replaceable in tests)."""

    def token(self) -> str:
        # 256 bits, URL-safe (the reset token travels in a URL fragment).
        return secrets.token_urlsafe(32)

    def choice(self, alphabet: str) -> str:
        return secrets.choice(alphabet)


def aws_client(service: str) -> Any:
    import boto3
    from botocore.config import Config

    # Fail fast: API Gateway gives up at 29 s and a person is waiting.
    config = Config(retries={"mode": "standard", "max_attempts": 3}, connect_timeout=2, read_timeout=5)
    factory: Callable[..., Any] = boto3.client  # the stubs only know literal service names
    return factory(service, config=config)


class LazyClient:
    """An AWS client made on first use: a function that never calls SES never pays for its client."""

    # Lambda runs one request at a time, the local portal many in threads: boto3's default session must not
    # build two clients at once (it is not thread-safe), whichever services they are for.
    _lock = threading.Lock()

    def __init__(self, make: Callable[[], Any]) -> None:
        self._make = make
        self._client: Any = None

    def __getattr__(self, name: str) -> Any:
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._make()
        return getattr(self._client, name)


@dataclass
class Container:
    """Implements the domain's `Services`; built from the settings, AWS clients made when first used."""

    settings: Settings
    clock: Clock = time.time
    random: Randomness = field(default_factory=Randomness)
    client_factory: Callable[[str], Any] = aws_client
    accounts: AccountStore = field(init=False)
    tokens: TokenStore = field(init=False)
    throttle: ThrottleStore = field(init=False)
    journal: JournalStore = field(init=False)
    hasher: Hasher = field(init=False)
    mail_requests: MailRequests = field(init=False)
    mailer: MailSender = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        self.dynamodb = LazyClient(lambda: self.client_factory("dynamodb"))
        self.accounts = AccountRepository(self.dynamodb, s.accounts_table, s.throttle_table)
        self.tokens = TokenRepository(self.dynamodb, s.tokens_table)
        self.throttle = ThrottleRepository(self.dynamodb, s.throttle_table, Policy.from_settings(s))
        self.journal = JournalRepository(self.dynamodb, s.journal_table)
        self.hasher = Hasher(s.argon2_memory_kib, s.argon2_time_cost, s.argon2_parallelism)
        self.mail_requests = MailQueue(LazyClient(lambda: self.client_factory("sqs")), s.mail_queue_url)
        self.mailer = SesSender(LazyClient(lambda: self.client_factory("sesv2")), s.sender_email)

    def unit_of_work(self) -> UnitOfWork:
        return DynamoUnitOfWork(self.dynamodb, self.settings)

    def now(self) -> int:
        return int(self.clock())

    def new_token(self) -> str:
        return self.random.token()

    def pick(self, alphabet: str) -> str:
        return self.random.choice(alphabet)

    def sequence(self) -> int:
        # Nanoseconds of the wall clock: increasing here, and across instances as far as their clocks agree.
        return time.time_ns()


_current: Container | None = None


def container() -> Container:
    """The process's container, built from the environment on first use."""
    global _current  # noqa: PLW0603 - one per process, like Lambda's execution environment
    if _current is None:
        _current = Container(settings=Settings.from_env())
    return _current


@contextmanager
def override(replacement: Container) -> Iterator[Container]:
    """Run with another container (tests, local portal), then put the previous one back."""
    global _current  # noqa: PLW0603
    previous, _current = _current, replacement
    try:
        yield replacement
    finally:
        _current = previous
