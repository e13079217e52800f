"""Organisations (organismes) and agent accounts, in the accounts table."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cmi.domain.model import Account, Organisation
from cmi.domain.throttling import LoginThrottle
from cmi.store.dynamo import from_dynamo, is_condition_failure, key, to_dynamo
from cmi.store.throttle import login_key, throttle_from_item

ORG_PREFIX = "ORG#"
_INT_FIELDS = ("password_version", "created_at", "temp_expires_at", "activated_at", "password_changed_at")


def account_item(account: Account) -> dict[str, Any]:
    return to_dynamo(
        {"pk": account.identifier, "type": "account", "email_lower": account.email.lower(), **asdict(account)}
    )


def account_from_item(raw: dict[str, Any] | None) -> Account | None:
    item = from_dynamo(raw)
    if item is None or item.get("type") != "account":
        return None
    values = {k: v for k, v in item.items() if k in Account.__dataclass_fields__}
    for name in _INT_FIELDS:
        if values.get(name) is not None:
            values[name] = int(values[name])
    return Account(**values)


class AccountRepository:
    def __init__(self, client: Any, table: str, throttle_table: str) -> None:
        self.client = client
        self.table = table
        self.throttle_table = throttle_table

    def get(self, identifier: str) -> Account | None:
        response = self.client.get_item(TableName=self.table, Key=key(identifier), ConsistentRead=True)
        return account_from_item(response.get("Item"))

    def get_organisation(self, code: str) -> Organisation | None:
        response = self.client.get_item(TableName=self.table, Key=key(ORG_PREFIX + code), ConsistentRead=True)
        item = from_dynamo(response.get("Item"))
        if item is None:
            return None
        return Organisation(code=item["code"], name=item["name"], created_at=int(item["created_at"]))

    def by_email(self, email_lower: str) -> list[Account]:
        accounts: list[Account] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "email-index",
            "KeyConditionExpression": "email_lower = :e",
            "ExpressionAttributeValues": {":e": {"S": email_lower}},
        }
        while True:
            response = self.client.query(**kwargs)
            accounts.extend(a for a in map(account_from_item, response.get("Items", [])) if a is not None)
            if "LastEvaluatedKey" not in response:
                return sorted(accounts, key=lambda a: a.identifier)
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def login_state(self, identifier: str) -> tuple[Account | None, LoginThrottle]:
        """Account and throttle state in one round trip (BatchGetItem over both tables)."""
        wanted: dict[str, Any] = {
            self.table: {"Keys": [key(identifier)], "ConsistentRead": True},
            self.throttle_table: {"Keys": [key(login_key(identifier))], "ConsistentRead": True},
        }
        found: dict[str, list[dict[str, Any]]] = {self.table: [], self.throttle_table: []}
        for _ in range(5):
            response = self.client.batch_get_item(RequestItems=wanted)
            for table, items in response.get("Responses", {}).items():
                found[table].extend(items)
            wanted = response.get("UnprocessedKeys") or {}
            if not wanted:
                break
        else:
            raise RuntimeError("batch read left keys unprocessed")
        account = account_from_item(found[self.table][0]) if found[self.table] else None
        throttle = throttle_from_item(found[self.throttle_table][0] if found[self.throttle_table] else None)
        return account, throttle

    def create_organisation(self, organisation: Organisation) -> bool:
        item = to_dynamo({"pk": ORG_PREFIX + organisation.code, "type": "organisation", **asdict(organisation)})
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def remove_unannounced(self, account: Account) -> None:
        self.client.delete_item(
            TableName=self.table,
            Key=key(account.identifier),
            ConditionExpression="password_version = :v",
            ExpressionAttributeValues=to_dynamo({":v": account.password_version}),
        )

    def restore_temporary_password(self, previous: Account, replaced: Account) -> None:
        self.client.update_item(
            TableName=self.table,
            Key=key(previous.identifier),
            UpdateExpression="SET password_hash = :h, temp_expires_at = :x, password_version = :v",
            ConditionExpression="password_version = :replaced",
            ExpressionAttributeValues=to_dynamo(
                {
                    ":h": previous.password_hash,
                    ":x": previous.temp_expires_at or 0,
                    ":v": previous.password_version,
                    ":replaced": replaced.password_version,
                }
            ),
        )


class AccountWrites:
    """Account writes of a unit of work."""

    def __init__(self, table: str, items: list[dict[str, Any]]) -> None:
        self.table = table
        self.items = items

    def create(self, account: Account) -> None:
        self.items.append(
            {
                "ConditionCheck": {
                    "TableName": self.table,
                    "Key": key(ORG_PREFIX + account.org_code),
                    "ConditionExpression": "attribute_exists(pk)",
                }
            }
        )
        self.items.append(
            {
                "Put": {
                    "TableName": self.table,
                    "Item": account_item(account),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )

    def set_password(
        self, account: Account, password_hash: str, now: int, *, alerts_opt_in: bool | None = None
    ) -> None:
        # Conditional on the version read, so two concurrent changes cannot both win.
        values: dict[str, Any] = {
            ":h": password_hash,
            ":v": account.password_version,
            ":v1": account.password_version + 1,
            ":active": "active",
            ":now": now,
        }
        sets = ["password_hash = :h", "password_version = :v1", "#s = :active", "password_changed_at = :now"]
        if account.pending:
            sets.append("activated_at = :now")
        if alerts_opt_in is not None:
            sets.append("alerts_opt_in = :a")
            values[":a"] = alerts_opt_in
        self._update(account, "SET " + ", ".join(sets) + " REMOVE temp_expires_at", "password_version = :v", values)

    def rehash(self, account: Account, password_hash: str) -> None:
        values = {":h": password_hash, ":v": account.password_version}
        self._update(account, "SET password_hash = :h", "password_version = :v", values)

    def new_temporary_password(self, account: Account, password_hash: str, expires_at: int) -> None:
        values = {
            ":h": password_hash,
            ":x": expires_at,
            ":v": account.password_version,
            ":v1": account.password_version + 1,
            ":pending": "pending",
        }
        expression = "SET password_hash = :h, temp_expires_at = :x, password_version = :v1"
        self._update(account, expression, "password_version = :v AND #s = :pending", values)

    def _update(self, account: Account, expression: str, condition: str, values: dict[str, Any]) -> None:
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": key(account.identifier),
            "UpdateExpression": expression,
            "ConditionExpression": condition,
            "ExpressionAttributeValues": to_dynamo(values),
        }
        if "#s" in expression or "#s" in condition:
            update["ExpressionAttributeNames"] = {"#s": "status"}
        self.items.append({"Update": update})
