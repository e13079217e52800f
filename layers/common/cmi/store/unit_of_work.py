"""One DynamoDB transaction: the writes of a use case, committed together or not at all."""

from __future__ import annotations

from typing import Any

from cmi.config import Settings
from cmi.store.accounts import AccountWrites
from cmi.store.dynamo import is_condition_failure
from cmi.store.journal import JournalWrites
from cmi.store.throttle import ThrottleWrites
from cmi.store.tokens import TokenWrites


class DynamoUnitOfWork:
    def __init__(self, client: Any, settings: Settings) -> None:
        self.client = client
        self.items: list[dict[str, Any]] = []
        s = settings
        self.accounts = AccountWrites(s.accounts_table, self.items)
        self.tokens = TokenWrites(s.tokens_table, self.items)
        self.throttle = ThrottleWrites(s.throttle_table, self.items)
        self.journal = JournalWrites(s.journal_table, self.items, s.audit_retention_days * 86400)

    def commit(self) -> bool:
        """Write all items or none. False when a condition lost (a concurrent change won)."""
        items, self.items[:] = list(self.items), []
        if not items:
            return True
        try:
            if len(items) == 1 and "Put" in items[0]:
                self.client.put_item(**items[0]["Put"])  # one conditional put costs half a transaction
            else:
                self.client.transact_write_items(TransactItems=items)
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True
