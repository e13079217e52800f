"""Each organisation's journal: one item per event, keyed by organisation, newest first, kept a set time."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from cmi.domain.model import JournalEvent, Page
from cmi.store.dynamo import Writes, from_dynamo, query_page, to_dynamo

_KEY = frozenset({"pk", "sk"})


def _sort_key(event: JournalEvent) -> str:
    # Time first (newest first when read backwards), then the sequence: ordered and unique within a second.
    return f"{event.at:011d}#{event.seq:020d}"


class JournalRepository:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def events(self, org_code: str, cursor: str | None, limit: int) -> Page:
        query = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :org",
            "ExpressionAttributeValues": {":org": {"S": org_code}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        items, next_cursor = query_page(self.client, query, cursor, _KEY, ("pk", org_code))
        events = []
        for raw in items:
            item = from_dynamo(raw) or {}
            fields = {k: item[k] for k in JournalEvent.__dataclass_fields__ if k in item}
            events.append(JournalEvent(**{**fields, "at": int(fields["at"]), "seq": int(fields.get("seq", 0))}))
        return Page(events, next_cursor)


class JournalWrites(Writes):
    """Journal writes of a unit of work."""

    def __init__(self, table: str, items: list[dict[str, Any]], retention_seconds: int) -> None:
        super().__init__(table, items)
        self.retention_seconds = retention_seconds

    def record(self, event: JournalEvent) -> None:
        values = {
            "pk": event.org_code,
            "sk": _sort_key(event),
            **asdict(event),
            "expires_ttl": event.at + self.retention_seconds,
        }
        item = to_dynamo(values)
        self.items.append(
            {"Put": {"TableName": self.table, "Item": item, "ConditionExpression": "attribute_not_exists(pk)"}}
        )

    def retract(self, event: JournalEvent) -> None:
        key = {"pk": {"S": event.org_code}, "sk": {"S": _sort_key(event)}}
        self.items.append({"Delete": {"TableName": self.table, "Key": key}})
