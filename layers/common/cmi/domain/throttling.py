"""Login throttling per identifier (CNIL deliberation 2022-100, case 2).

Applied to the identifier as typed (normalised), whether an account exists or not, so the
answers never tell which identifiers are real.
"""

from __future__ import annotations

from dataclasses import dataclass

from cmi import messages
from cmi.config import Settings
from cmi.domain.errors import TooManyAttempts


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

    def window_open(self, now: int, policy: Policy) -> bool:
        return self.window_start > 0 and now < self.window_start + policy.window

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
            minutes = -(-(wait_until - now) // 60)
            raise TooManyAttempts(
                messages.THROTTLED.format(minutes=minutes, plural="s" if minutes > 1 else ""), wait_until - now
            )
