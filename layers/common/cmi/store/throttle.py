"""Login failures per identifier and recovery-mail budgets, in the throttle table."""

from __future__ import annotations

from typing import Any

from cmi.domain.throttling import LoginThrottle, Policy, SourceFailures, throttled
from cmi.store.dynamo import Writes, from_dynamo, is_condition_failure, key, to_dynamo

LOGIN_PREFIX = "LOGIN#"
MAIL_PREFIX = "MAIL#"
SOURCE_PREFIX = "SOURCE#"


def login_key(identifier: str) -> str:
    return LOGIN_PREFIX + identifier


def source_key(failures: SourceFailures) -> str:
    return f"{SOURCE_PREFIX}{failures.source}#{failures.bucket}"


def source_from_item(raw: dict[str, Any] | None, empty: SourceFailures) -> SourceFailures:
    item = from_dynamo(raw)
    return empty if item is None else SourceFailures(empty.source, empty.bucket, int(item.get("failures", 0)))


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

    def take_attempt(self, identifier: str, seen: LoginThrottle, now: int) -> LoginThrottle:
        """Count one attempt before its password is checked, or raise TooManyAttempts.

        One conditional update: of N parallel attempts on a fresh identifier, `free_failures`
        succeed; once a delay ends, exactly one (the others see the count move and are refused).
        A refused condition returns the item as it is now, so refusing costs no extra read.
        """
        policy = self.policy
        for _ in range(3):  # a concurrent window roll-over can make a fresh guess lose
            seen.check(now, policy)
            values: dict[str, Any] = {":now": now, ":ttl": now + policy.window + policy.max_delay, ":one": 1}
            if seen.failures < policy.free_failures:
                slot = "(attribute_not_exists(failures) OR failures < :free)"
                values[":free"] = policy.free_failures
            else:  # the delay after `seen.failures` has ended: one attempt, by whoever counts first
                slot = "failures = :seen"
                values[":seen"] = seen.failures
            values[":cutoff"] = now - policy.window
            if seen.window_open(now, policy):
                update = "SET last_failure_at = :now, expires_ttl = :ttl ADD failures :one, window_failures :one"
                window = "window_start > :cutoff AND window_failures < :block"
                values[":block"] = policy.block_failures
            else:
                update = (
                    "SET last_failure_at = :now, expires_ttl = :ttl, window_start = :now, window_failures = :one "
                    "ADD failures :one"
                )
                window = "(attribute_not_exists(window_start) OR window_start <= :cutoff)"
            try:
                response = self.client.update_item(
                    TableName=self.table,
                    Key=key(login_key(identifier)),
                    UpdateExpression=update,
                    ConditionExpression=f"{slot} AND {window}",
                    ExpressionAttributeValues=to_dynamo(values),
                    ReturnValues="ALL_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )
            except Exception as exc:
                if not is_condition_failure(exc):
                    raise
                seen = throttle_from_item(getattr(exc, "response", {}).get("Item"))
                continue
            return throttle_from_item(response["Attributes"])
        raise throttled(policy.base_delay)  # pragma: no cover - contention the policy cannot settle: refuse

    def record_source_failure(self, failures: SourceFailures, now: int) -> None:
        """Count a failed login of a source, in its fixed window (one unconditional update)."""
        self.client.update_item(
            TableName=self.table,
            Key=key(source_key(failures)),
            UpdateExpression="SET expires_ttl = :ttl ADD failures :one",
            ExpressionAttributeValues=to_dynamo({":ttl": now + 2 * self.policy.source_window, ":one": 1}),
        )

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
