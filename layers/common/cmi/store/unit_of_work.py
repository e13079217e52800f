"""One DynamoDB transaction: the writes of a use case, committed together or not at all."""

from __future__ import annotations

from typing import Any

from cmi.store.accounts import AccountWrites
from cmi.store.dynamo import is_condition_failure
from cmi.store.throttle import ThrottleWrites
from cmi.store.tokens import TokenWrites


class DynamoUnitOfWork:
    def __init__(self, client: Any, accounts_table: str, tokens_table: str, throttle_table: str) -> None:
        self.client = client
        self.items: list[dict[str, Any]] = []
        self.accounts = AccountWrites(accounts_table, self.items)
        self.tokens = TokenWrites(tokens_table, self.items)
        self.throttle = ThrottleWrites(throttle_table, self.items)

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
