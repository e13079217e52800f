"""The portal's parts, assembled once per process from the injected dependencies."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from cmi import deps as _deps
from cmi.accounts import AccountRepository
from cmi.config import Settings
from cmi.dynamo import is_condition_failure
from cmi.mailer import Mailer, MailQueue
from cmi.passwords import Hasher
from cmi.throttle import Policy, ThrottleRepository
from cmi.tokens import TokenRepository


class Portal:
    def __init__(self, deps: _deps.Deps) -> None:
        self.deps = deps
        self.settings: Settings = deps.settings

    def now(self) -> int:
        return self.deps.now()

    @cached_property
    def accounts(self) -> AccountRepository:
        return AccountRepository(self.deps.dynamodb, self.settings.accounts_table)

    @cached_property
    def tokens(self) -> TokenRepository:
        return TokenRepository(self.deps.dynamodb, self.settings.tokens_table)

    @cached_property
    def throttle(self) -> ThrottleRepository:
        return ThrottleRepository(self.deps.dynamodb, self.settings.throttle_table, Policy.from_settings(self.settings))

    @cached_property
    def hasher(self) -> Hasher:
        s = self.settings
        return Hasher(s.argon2_memory_kib, s.argon2_time_cost, s.argon2_parallelism)

    @cached_property
    def queue(self) -> MailQueue:
        return MailQueue(self.deps.sqs, self.settings.mail_queue_url)

    @cached_property
    def mailer(self) -> Mailer:
        return Mailer(self.deps.ses, self.settings.sender_email)

    def transact(self, items: list[dict[str, Any]]) -> bool:
        """Write all items or none. False when a condition lost (a concurrent change won)."""
        try:
            if len(items) == 1 and "Put" in items[0]:
                put = items[0]["Put"]
                self.deps.dynamodb.put_item(**put)
            else:
                self.deps.dynamodb.transact_write_items(TransactItems=items)
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True


_portals: dict[int, Portal] = {}


def current() -> Portal:
    """The Portal of the current dependencies (cached, so warm invocations reuse clients)."""
    deps = _deps.current()
    portal = _portals.get(id(deps))
    if portal is None or portal.deps is not deps:
        portal = _portals[id(deps)] = Portal(deps)
    return portal
