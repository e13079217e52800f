"""Login throttling per identifier (CNIL deliberation 2022-100, case 2) and per source.

Applied to the identifier as typed (normalised), whether an account exists or not, so the
answers never tell which identifiers are real. An attempt takes its slot before its password is
checked, so parallel guesses get no more checks than the policy allows. A source (client IP)
failing on many identifiers (password spraying) is slowed down the same way for all of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from cmi import messages
from cmi.config import Settings
from cmi.domain.errors import TooManyAttempts
from cmi.domain.model import Account


@dataclass(frozen=True)
class Policy:
    free_failures: int
    base_delay: int
    max_delay: int
    block_failures: int
    window: int
    source_failures: int
    source_window: int

    @classmethod
    def from_settings(cls, s: Settings) -> Policy:
        return cls(
            free_failures=s.throttle_free_failures,
            base_delay=s.throttle_base_delay_seconds,
            max_delay=s.throttle_max_delay_seconds,
            block_failures=s.block_failures,
            window=s.block_window_hours * 3600,
            source_failures=s.source_failure_limit,
            source_window=s.source_window_minutes * 60,
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

    def window_open(self, now: int, policy: Policy) -> bool:
        return self.window_start > 0 and now < self.window_start + policy.window

    def after_attempt(self, now: int, policy: Policy) -> LoginThrottle:
        """The state once one more attempt is counted (as a failure until its password proves right)."""
        if self.window_open(now, policy):
            return LoginThrottle(self.failures + 1, now, self.window_start, self.window_failures + 1, exists=True)
        return LoginThrottle(self.failures + 1, now, now, 1, exists=True)

    def blocked(self, now: int, policy: Policy) -> bool:
        return self.window_open(now, policy) and self.window_failures >= policy.block_failures

    def check(self, now: int, policy: Policy) -> None:
        """Raise TooManyAttempts while the identifier must wait (even the right password is refused)."""
        if self.blocked(now, policy):
            raise TooManyAttempts(
                messages.BLOCKED.format(count=policy.block_failures), self.window_start + policy.window - now
            )
        wait_until = self.last_failure_at + policy.delay_after(self.failures)
        if now < wait_until:
            raise throttled(wait_until - now)


def throttled(wait_seconds: int) -> TooManyAttempts:
    minutes = -(-wait_seconds // 60)
    return TooManyAttempts(messages.THROTTLED.format(minutes=minutes, plural="s" if minutes > 1 else ""), wait_seconds)


@dataclass(frozen=True)
class SourceFailures:
    """Failed logins of one source in the current fixed window (`bucket` = start // window)."""

    source: str
    bucket: int
    failures: int = 0

    def check(self, now: int, policy: Policy) -> None:
        """Same answer whatever the identifier: the source waits for the end of its window."""
        if self.failures >= policy.source_failures:
            raise throttled((self.bucket + 1) * policy.source_window - now)


def source_failures(source: str, now: int, policy: Policy, failures: int = 0) -> SourceFailures:
    return SourceFailures(source, now // policy.source_window, failures)


class LoginState(NamedTuple):
    """What a login reads before anything else, in one round trip."""

    account: Account | None
    throttle: LoginThrottle
    source: SourceFailures | None
