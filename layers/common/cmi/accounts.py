"""Organisations (organismes) and agent accounts, stored in the accounts table."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from cmi.dynamo import from_dynamo, key, to_dynamo

Role = Literal["referent", "profile"]
Status = Literal["pending", "active"]
ORG_PREFIX = "ORG#"


@dataclass(frozen=True)
class Organisation:
    code: str
    name: str
    created_at: int

    def item(self) -> dict[str, Any]:
        return to_dynamo({"pk": ORG_PREFIX + self.code, "type": "organisation", **asdict(self)})


@dataclass(frozen=True)
class Account:
    identifier: str
    org_code: str
    org_name: str
    first_name: str
    last_name: str
    email: str
    role: Role
    status: Status
    password_hash: str
    # Bumped at every password change: sessions and reset links carry it, so a change voids them all.
    password_version: int
    created_at: int
    temp_expires_at: int | None = None
    alerts_opt_in: bool = False
    activated_at: int | None = None
    password_changed_at: int | None = None

    @property
    def pending(self) -> bool:
        """Still on the temporary password: first connection not completed."""
        return self.status == "pending"

    def item(self) -> dict[str, Any]:
        values = {"pk": self.identifier, "type": "account", "email_lower": self.email.lower(), **asdict(self)}
        return to_dynamo(values)

    @classmethod
    def from_item(cls, raw: dict[str, Any] | None) -> Account | None:
        item = from_dynamo(raw)
        if item is None or item.get("type") != "account":
            return None
        fields = cls.__dataclass_fields__
        values = {k: v for k, v in item.items() if k in fields}
        for name in ("password_version", "created_at", "temp_expires_at", "activated_at", "password_changed_at"):
            if values.get(name) is not None:
                values[name] = int(values[name])
        return cls(**values)


class AccountRepository:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def get(self, identifier: str) -> Account | None:
        response = self.client.get_item(TableName=self.table, Key=key(identifier), ConsistentRead=True)
        return Account.from_item(response.get("Item"))

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
            accounts.extend(a for a in map(Account.from_item, response.get("Items", [])) if a is not None)
            if "LastEvaluatedKey" not in response:
                return sorted(accounts, key=lambda a: a.identifier)
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def put_organisation(self, organisation: Organisation) -> None:
        """Create; raises ConditionalCheckFailed if the code émetteur is taken."""
        self.client.put_item(
            TableName=self.table, Item=organisation.item(), ConditionExpression="attribute_not_exists(pk)"
        )

    def create_item(self, account: Account) -> dict[str, Any]:
        """Transaction item: create the account only if the identifier is free."""
        return {
            "Put": {"TableName": self.table, "Item": account.item(), "ConditionExpression": "attribute_not_exists(pk)"}
        }

    def organisation_exists_item(self, code: str) -> dict[str, Any]:
        return {
            "ConditionCheck": {
                "TableName": self.table,
                "Key": key(ORG_PREFIX + code),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }

    def set_password_item(
        self, account: Account, password_hash: str, now: int, *, alerts_opt_in: bool | None = None
    ) -> dict[str, Any]:
        """Transaction item: new password, account active, temporary password gone.

        Conditional on the password version read, so two concurrent changes cannot both win.
        """
        names = {"#s": "status"}
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
        return {
            "Update": {
                "TableName": self.table,
                "Key": key(account.identifier),
                "UpdateExpression": "SET " + ", ".join(sets) + " REMOVE temp_expires_at",
                "ConditionExpression": "password_version = :v",
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_dynamo(values),
            }
        }

    def rehash_item(self, account: Account, password_hash: str) -> dict[str, Any]:
        """Transaction item: same password, stronger hash parameters (version unchanged)."""
        return {
            "Update": {
                "TableName": self.table,
                "Key": key(account.identifier),
                "UpdateExpression": "SET password_hash = :h",
                "ConditionExpression": "password_version = :v",
                "ExpressionAttributeValues": to_dynamo({":h": password_hash, ":v": account.password_version}),
            }
        }

    def new_temporary_item(self, account: Account, password_hash: str, expires_at: int) -> dict[str, Any]:
        """Transaction item: a fresh temporary password for an account that is still pending."""
        values = {
            ":h": password_hash,
            ":x": expires_at,
            ":v": account.password_version,
            ":v1": account.password_version + 1,
            ":pending": "pending",
        }
        return {
            "Update": {
                "TableName": self.table,
                "Key": key(account.identifier),
                "UpdateExpression": "SET password_hash = :h, temp_expires_at = :x, password_version = :v1",
                "ConditionExpression": "password_version = :v AND #s = :pending",
                "ExpressionAttributeNames": {"#s": "status"},
                "ExpressionAttributeValues": to_dynamo(values),
            }
        }
