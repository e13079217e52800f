"""Opaque tokens: sessions, first-connection passes and reset links.

The raw token only ever lives in the cookie or the mail; the table keeps its SHA-256, so a
leaked table cannot be replayed. Expiry is checked here, because DynamoDB TTL deletes late.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Literal

from cmi.dynamo import from_dynamo, is_condition_failure, key, to_dynamo

Kind = Literal["session", "first_connection", "reset"]
# TTL deletion is a clean-up only; keep the item a little past its expiry for diagnostics.
TTL_MARGIN_SECONDS = 3600


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenRecord:
    pk: str
    kind: Kind
    identifier: str
    password_version: int
    created_at: int
    expires_at: int
    last_seen_at: int
    idle_seconds: int | None = None

    def alive(self, now: int) -> bool:
        if now >= self.expires_at:
            return False
        return self.idle_seconds is None or now < self.last_seen_at + self.idle_seconds


class TokenRepository:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def issue_item(
        self,
        raw: str,
        kind: Kind,
        identifier: str,
        password_version: int,
        now: int,
        lifetime_seconds: int,
        idle_seconds: int | None = None,
    ) -> dict[str, Any]:
        """Transaction item creating the token record (raw token chosen by the caller)."""
        values = {
            "pk": digest(raw),
            "kind": kind,
            "identifier": identifier,
            "password_version": password_version,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": now + lifetime_seconds,
            "idle_seconds": idle_seconds,
            "expires_ttl": now + lifetime_seconds + TTL_MARGIN_SECONDS,
        }
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_dynamo(values),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def put(self, item: dict[str, Any]) -> None:
        self.client.put_item(TableName=self.table, **{k: v for k, v in item["Put"].items() if k != "TableName"})

    def get(self, kind: Kind, raw: str) -> TokenRecord | None:
        response = self.client.get_item(TableName=self.table, Key=key(digest(raw)), ConsistentRead=True)
        item = from_dynamo(response.get("Item"))
        if item is None or item.get("kind") != kind:
            return None
        idle = item.get("idle_seconds")
        return TokenRecord(
            pk=item["pk"],
            kind=item["kind"],
            identifier=item["identifier"],
            password_version=int(item["password_version"]),
            created_at=int(item["created_at"]),
            expires_at=int(item["expires_at"]),
            last_seen_at=int(item["last_seen_at"]),
            idle_seconds=int(idle) if idle is not None else None,
        )

    def consume_item(self, record: TokenRecord) -> dict[str, Any]:
        """Transaction item: delete the token, failing if someone consumed it first (single use)."""
        return {
            "Delete": {
                "TableName": self.table,
                "Key": key(record.pk),
                "ConditionExpression": "attribute_exists(pk)",
            }
        }

    def touch(self, record: TokenRecord, now: int) -> None:
        """Slide the idle timeout; the absolute expiry never moves."""
        try:
            self.client.update_item(
                TableName=self.table,
                Key=key(record.pk),
                UpdateExpression="SET last_seen_at = :now",
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeValues=to_dynamo({":now": now}),
            )
        except Exception as exc:
            if not is_condition_failure(exc):  # logged out meanwhile: nothing to slide
                raise

    def delete_item(self, raw: str) -> dict[str, Any]:
        """Transaction item: forget a token if it exists (no condition: it may be gone already)."""
        return {"Delete": {"TableName": self.table, "Key": key(digest(raw))}}

    def delete(self, raw: str) -> None:
        self.client.delete_item(TableName=self.table, Key=key(digest(raw)))
