"""Opaque tokens: sessions, first-connection passes and reset links, in the tokens table.

The raw token only ever lives in the cookie or the mail; the table keeps its SHA-256, so a
leaked table cannot be replayed.
"""

from __future__ import annotations

import hashlib
from typing import Any

from cmi.domain.model import Grant, TokenKind, TokenRecord
from cmi.store.dynamo import Writes, from_dynamo, is_condition_failure, key, to_dynamo

# TTL deletion is a clean-up only; keep the item a little past its expiry for diagnostics.
TTL_MARGIN_SECONDS = 3600
MESSAGE_PREFIX = "MSG#"
# SQS keeps a message at most 14 days: past that it cannot come back.
MESSAGE_MEMORY_SECONDS = 14 * 86400


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class TokenRepository:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def get(self, kind: TokenKind, raw: str) -> TokenRecord | None:
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
            # Tokens issued before sessions could be ended without a password change carry none: version 0.
            sessions_version=int(item.get("sessions_version", 0)),
        )

    def touch(self, record: TokenRecord, now: int) -> None:
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

    def delete(self, raw: str) -> None:
        self.client.delete_item(TableName=self.table, Key=key(digest(raw)))


class TokenWrites(Writes):
    """Token writes of a unit of work."""

    def issue(self, raw: str, grant: Grant, now: int) -> None:
        values = {
            "pk": digest(raw),
            "kind": grant.kind,
            "identifier": grant.identifier,
            "password_version": grant.password_version,
            "created_at": now,
            "last_seen_at": now,
            "expires_at": now + grant.lifetime_seconds,
            "idle_seconds": grant.idle_seconds,
            "sessions_version": grant.sessions_version,
            "expires_ttl": now + grant.lifetime_seconds + TTL_MARGIN_SECONDS,
        }
        self._put(values)

    def consume(self, record: TokenRecord) -> None:
        self.items.append(
            {"Delete": {"TableName": self.table, "Key": key(record.pk), "ConditionExpression": "attribute_exists(pk)"}}
        )

    def forget(self, raw: str) -> None:
        self.items.append({"Delete": {"TableName": self.table, "Key": key(digest(raw))}})

    def claim_message(self, message_id: str, now: int) -> None:
        self._put({"pk": MESSAGE_PREFIX + message_id, "kind": "message", "expires_ttl": now + MESSAGE_MEMORY_SECONDS})

    def release_message(self, message_id: str) -> None:
        self.items.append({"Delete": {"TableName": self.table, "Key": key(MESSAGE_PREFIX + message_id)}})

    def _put(self, values: dict[str, Any]) -> None:
        item = to_dynamo(values)
        self.items.append(
            {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        )
