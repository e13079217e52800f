"""Throttling of login attempts per identifier, and of recovery mails.

Applied to the identifier as typed (normalised), whether an account exists or not, so the
answers never tell which identifiers are real.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cmi import messages
from cmi.config import Settings
from cmi.dynamo import from_dynamo, is_condition_failure, key, to_dynamo
from cmi.errors import Throttled

LOGIN_PREFIX = "LOGIN#"
MAIL_PREFIX = "MAIL#"


@dataclass(frozen=True)
class Policy:
    free_failures: int
    base_delay: int
    max_delay: int
    block_failures: int
    window: int

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(
            free_failures=s.throttle_free_failures,
            base_delay=s.throttle_base_delay_seconds,
            max_delay=s.throttle_max_delay_seconds,
            block_failures=s.block_failures,
            window=s.block_window_hours * 3600,
        )

    def delay_after(self, failures: int) -> int:
        """Wait imposed after `failures` consecutive failures: 1 min at the 5th, doubling, capped."""
        if failures < self.free_failures:
            return 0
        return int(min(self.max_delay, self.base_delay * 2 ** (failures - self.free_failures)))


@dataclass(frozen=True)
class LoginThrottle:
    """Failures of one identifier: consecutive ones, and those of the current 24 h window."""

    failures: int = 0
    last_failure_at: int = 0
    window_start: int = 0
    window_failures: int = 0
    exists: bool = False

    @classmethod
    def from_item(cls, raw: dict[str, Any] | None) -> LoginThrottle:
        item = from_dynamo(raw)
        if item is None:
            return cls()
        return cls(
            failures=int(item.get("failures", 0)),
            last_failure_at=int(item.get("last_failure_at", 0)),
            window_start=int(item.get("window_start", 0)),
            window_failures=int(item.get("window_failures", 0)),
            exists=True,
        )

    def window_open(self, now: int, policy: Policy) -> bool:
        return self.window_start > 0 and now < self.window_start + policy.window

    def blocked(self, now: int, policy: Policy) -> bool:
        return self.window_open(now, policy) and self.window_failures >= policy.block_failures

    def check(self, now: int, policy: Policy) -> None:
        """Raise Throttled while the identifier must wait (even the right password is refused)."""
        if self.blocked(now, policy):
            raise Throttled(
                messages.BLOCKED.format(count=policy.block_failures), self.window_start + policy.window - now
            )
        wait_until = self.last_failure_at + policy.delay_after(self.failures)
        if now < wait_until:
            minutes = -(-(wait_until - now) // 60)
            raise Throttled(
                messages.THROTTLED.format(minutes=minutes, plural="s" if minutes > 1 else ""), wait_until - now
            )


class ThrottleRepository:
    def __init__(self, client: Any, table: str, policy: Policy) -> None:
        self.client = client
        self.table = table
        self.policy = policy

    @staticmethod
    def login_key(identifier: str) -> str:
        return LOGIN_PREFIX + identifier

    def get_login(self, identifier: str) -> LoginThrottle:
        response = self.client.get_item(TableName=self.table, Key=key(self.login_key(identifier)), ConsistentRead=True)
        return LoginThrottle.from_item(response.get("Item"))

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
                        Key=key(self.login_key(identifier)),
                        ExpressionAttributeValues=values,
                        ReturnValues="ALL_NEW",
                        **attempt,
                    )
                except Exception as exc:
                    if is_condition_failure(exc):
                        continue
                    raise
                return LoginThrottle.from_item(response["Attributes"])
        raise RuntimeError("throttle counter kept losing its condition")  # pragma: no cover

    def clear_item(self, identifier: str) -> dict[str, Any]:
        """Transaction item: forget the failures (success or password reset)."""
        return {"Delete": {"TableName": self.table, "Key": key(self.login_key(identifier))}}

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
