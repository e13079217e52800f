"""Login failures per identifier and recovery-mail budgets, in the throttle table."""

from __future__ import annotations

from typing import Any

from cmi.domain.throttling import LoginThrottle, Policy
from cmi.store.dynamo import Writes, from_dynamo, is_condition_failure, key, to_dynamo

LOGIN_PREFIX = "LOGIN#"
MAIL_PREFIX = "MAIL#"


def login_key(identifier: str) -> str:
    return LOGIN_PREFIX + identifier


def throttle_from_item(raw: dict[str, Any] | None) -> LoginThrottle:
    item = from_dynamo(raw)
    if item is None:
        return LoginThrottle()
    return LoginThrottle(
        failures=int(item.get("failures", 0)),
        last_failure_at=int(item.get("last_failure_at", 0)),
        window_start=int(item.get("window_start", 0)),
        window_failures=int(item.get("window_failures", 0)),
        exists=True,
    )


class ThrottleRepository:
    def __init__(self, client: Any, table: str, policy: Policy) -> None:
        self.client = client
        self.table = table
        self.policy = policy

    def get_login(self, identifier: str) -> LoginThrottle:
        response = self.client.get_item(TableName=self.table, Key=key(login_key(identifier)), ConsistentRead=True)
        return throttle_from_item(response.get("Item"))

    def record_failure(self, identifier: str, seen: LoginThrottle, now: int) -> LoginThrottle:
        """Count one failure atomically (parallel failures are all counted); one call in the usual case."""
        cutoff = now - self.policy.window
        ttl = now + self.policy.window + self.policy.max_delay
        same_window = {
            "UpdateExpression": (
                "SET last_failure_at = :now, expires_ttl = :ttl ADD failures :one, window_failures :one"
            ),
            "ConditionExpression": "window_start > :cutoff",
        }
        new_window = {
            "UpdateExpression": (
                "SET last_failure_at = :now, expires_ttl = :ttl, window_start = :now, window_failures = :one "
                "ADD failures :one"
            ),
            "ConditionExpression": "attribute_not_exists(window_start) OR window_start <= :cutoff",
        }
        attempts = [same_window, new_window] if seen.window_open(now, self.policy) else [new_window, same_window]
        values = to_dynamo({":now": now, ":ttl": ttl, ":one": 1, ":cutoff": cutoff})
        for _ in range(3):  # a concurrent window roll-over can make the first guess lose
            for attempt in attempts:
                try:
                    response = self.client.update_item(
                        TableName=self.table,
                        Key=key(login_key(identifier)),
                        ExpressionAttributeValues=values,
                        ReturnValues="ALL_NEW",
                        **attempt,
                    )
                except Exception as exc:
                    if is_condition_failure(exc):
                        continue
                    raise
                return throttle_from_item(response["Attributes"])
        raise RuntimeError("throttle counter kept losing its condition")  # pragma: no cover

    def forget_failures(self, identifier: str) -> bool:
        response = self.client.delete_item(TableName=self.table, Key=key(login_key(identifier)), ReturnValues="ALL_OLD")
        return bool(response.get("Attributes"))

    def take_mail_slot(self, scope: str, value: str, now: int, per_hour: int) -> bool:
        """Reserve one of the `per_hour` mails allowed in any rolling hour for this scope and value."""
        pk = f"{MAIL_PREFIX}{scope}#{value}"
        for _ in range(5):
            response = self.client.get_item(TableName=self.table, Key=key(pk), ConsistentRead=True)
            item = from_dynamo(response.get("Item")) or {}
            version = int(item.get("version", 0))
            recent = [int(t) for t in item.get("sent", []) if int(t) > now - 3600]
            if len(recent) >= per_hour:
                return False
            new = to_dynamo({"pk": pk, "sent": [*recent, now], "version": version + 1, "expires_ttl": now + 3600})
            try:
                self.client.put_item(
                    TableName=self.table,
                    Item=new,
                    ConditionExpression="attribute_not_exists(pk) OR version = :v",
                    ExpressionAttributeValues=to_dynamo({":v": version}),
                )
            except Exception as exc:
                if is_condition_failure(exc):
                    continue
                raise
            return True
        return False


class ThrottleWrites(Writes):
    """Throttle writes of a unit of work."""

    def clear(self, identifier: str) -> None:
        self.items.append({"Delete": {"TableName": self.table, "Key": key(login_key(identifier))}})
