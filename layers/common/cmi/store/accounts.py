"""Organisations (organismes) and agent accounts, in the accounts table."""

from __future__ import annotations

import unicodedata
from dataclasses import asdict
from typing import Any

from cmi.domain.model import Account, Organisation, Page, Status
from cmi.domain.throttling import LoginState, SourceFailures
from cmi.store.dynamo import Writes, from_dynamo, is_condition_failure, key, query_page, to_dynamo
from cmi.store.throttle import login_key, source_from_item, source_key, throttle_from_item

ORG_PREFIX = "ORG#"
EMAIL_PREFIX = "EMAIL#"
_INT_FIELDS = (
    "password_version",
    "created_at",
    "temp_expires_at",
    "activated_at",
    "password_changed_at",
    "last_login_at",
    "sessions_version",
)
_AGENTS_KEY = frozenset({"pk", "org_code", "agent_sort"})


def _fold(text: str) -> str:
    """Case- and accent-free, so that « Émile » sorts with the E."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def account_item(account: Account) -> dict[str, Any]:
    extra = {
        "pk": account.identifier,
        "type": "account",
        "email_lower": account.email.lower(),
        # Sort key of the organisation index: agents listed by last name, first name, identifier.
        "agent_sort": f"{_fold(account.last_name)}#{_fold(account.first_name)}#{account.identifier}",
    }
    return to_dynamo({**extra, **asdict(account)})


def _email_claim(account: Account) -> dict[str, Any]:
    # One item per address and organisation: two agents created at once cannot share an address.
    return {"pk": {"S": f"{EMAIL_PREFIX}{account.org_code}#{account.email.lower()}"}}


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
        return Organisation(
            code=item["code"],
            name=item["name"],
            created_at=int(item["created_at"]),
            active_referents=int(item.get("active_referents", 0)),
        )

    def agents(self, org_code: str, cursor: str | None, limit: int) -> Page:
        query = {
            "TableName": self.table,
            "IndexName": "org-index",
            "KeyConditionExpression": "org_code = :org",
            "ExpressionAttributeValues": {":org": {"S": org_code}},
            "Limit": limit,
        }
        items, next_cursor = query_page(self.client, query, cursor, _AGENTS_KEY, ("org_code", org_code))
        return Page([a for a in map(account_from_item, items) if a is not None], next_cursor)

    def email_taken(self, org_code: str, email_lower: str) -> bool:
        return any(a.org_code == org_code for a in self.by_email(email_lower))

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

    def login_state(self, identifier: str, source: SourceFailures | None) -> LoginState:
        """Account, identifier and source throttles in one round trip (BatchGetItem over both tables)."""
        throttle_keys = [key(login_key(identifier))] + ([key(source_key(source))] if source else [])
        wanted: dict[str, Any] = {
            self.table: {"Keys": [key(identifier)], "ConsistentRead": True},
            self.throttle_table: {"Keys": throttle_keys, "ConsistentRead": True},
        }
        found: dict[str, dict[str, Any]] = {}
        for _ in range(5):
            response = self.client.batch_get_item(RequestItems=wanted)
            for items in response.get("Responses", {}).values():
                found.update((item["pk"]["S"], item) for item in items)
            wanted = response.get("UnprocessedKeys") or {}
            if not wanted:
                break
        else:
            raise RuntimeError("batch read left keys unprocessed")
        return LoginState(
            account_from_item(found.get(identifier)),
            throttle_from_item(found.get(login_key(identifier))),
            source_from_item(found.get(source_key(source)), source) if source else None,
        )

    def create_organisation(self, organisation: Organisation) -> bool:
        item = to_dynamo({"pk": ORG_PREFIX + organisation.code, "type": "organisation", **asdict(organisation)})
        try:
            self.client.put_item(TableName=self.table, Item=item, ConditionExpression="attribute_not_exists(pk)")
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True


class AccountWrites(Writes):
    """Account writes of a unit of work."""

    def create(self, account: Account) -> None:
        org = key(ORG_PREFIX + account.org_code)
        self.items.append(
            {"ConditionCheck": {"TableName": self.table, "Key": org, "ConditionExpression": "attribute_exists(pk)"}}
        )
        for item in (account_item(account), {**_email_claim(account), "type": {"S": "email"}}):
            self.items.append(
                {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
            )

    def remove(self, account: Account) -> None:
        values = to_dynamo({":v": account.password_version})
        self.items.append(
            {
                "Delete": {
                    "TableName": self.table,
                    "Key": key(account.identifier),
                    "ConditionExpression": "password_version = :v",
                    "ExpressionAttributeValues": values,
                }
            }
        )
        self.items.append({"Delete": {"TableName": self.table, "Key": _email_claim(account)}})

    def restore_temporary_password(self, previous: Account, replaced: Account) -> None:
        values = {
            ":h": previous.password_hash,
            ":x": previous.temp_expires_at or 0,
            ":v": previous.password_version,
            ":replaced": replaced.password_version,
        }
        expression = "SET password_hash = :h, temp_expires_at = :x, password_version = :v"
        self._update(previous, expression, "password_version = :replaced", values)

    def set_status(self, account: Account, status: Status) -> None:
        values: dict[str, Any] = {":s": status, ":v": account.password_version}
        expression = "SET #s = :s"
        if status == "disabled":
            # A new version voids every session, first-connection pass and reset link of the account.
            expression += ", password_version = :v1"
            values[":v1"] = account.password_version + 1
        self._update(account, expression, "password_version = :v AND #s <> :s", values)

    def end_sessions(self, account: Account) -> None:
        # ADD, not a version read before: ending sessions never loses against a concurrent change of the account.
        self._update(account, "ADD sessions_version :one", "attribute_exists(pk)", {":one": 1})

    def record_login(self, account: Account, now: int, password_hash: str | None = None) -> None:
        # One update: a transaction may not touch the same item twice.
        values: dict[str, Any] = {":now": now, ":v": account.password_version}
        expression = "SET last_login_at = :now"
        if password_hash is not None:
            expression += ", password_hash = :h"
            values[":h"] = password_hash
        self._update(account, expression, "password_version = :v", values)

    def count_active_referent(self, org_code: str, delta: int, *, keep_one: bool = False) -> None:
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": key(ORG_PREFIX + org_code),
            "UpdateExpression": "ADD active_referents :d",
            "ExpressionAttributeValues": to_dynamo({":d": delta}),
        }
        if keep_one:
            update["ConditionExpression"] = "active_referents > :one"
            update["ExpressionAttributeValues"] = to_dynamo({":d": delta, ":one": 1})
        self.items.append({"Update": update})

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
