"""The throttling rule itself (SPEC §6), on the state alone: 5 free failures, then 1 min doubling to 15 min."""

import pytest

from cmi.domain.errors import TooManyAttempts as Throttled
from cmi.domain.throttling import LoginThrottle, Policy

POLICY = Policy(
    free_failures=5,
    base_delay=60,
    max_delay=900,
    block_failures=25,
    window=86400,
    source_failures=50,
    source_window=600,
)
T0 = 1_800_000_000


@pytest.mark.parametrize(
    ("failures", "delay"), [(0, 0), (4, 0), (5, 60), (6, 120), (7, 240), (8, 480), (9, 900), (20, 900)]
)
def test_delay_starts_at_the_fifth_failure_doubles_and_caps_at_15_minutes(failures, delay):
    assert POLICY.delay_after(failures) == delay


def test_four_failures_never_wait():
    LoginThrottle(failures=4, last_failure_at=T0, window_start=T0, window_failures=4).check(T0, POLICY)


def test_after_the_fifth_failure_the_next_attempt_waits_one_minute():
    state = LoginThrottle(failures=5, last_failure_at=T0, window_start=T0, window_failures=5)
    with pytest.raises(Throttled) as caught:
        state.check(T0 + 59, POLICY)
    assert caught.value.wait_seconds == 1
    state.check(T0 + 60, POLICY)


def test_retry_after_counts_whole_seconds_up():
    state = LoginThrottle(failures=6, last_failure_at=T0, window_start=T0, window_failures=6)
    with pytest.raises(Throttled) as caught:
        state.check(T0, POLICY)
    assert caught.value.wait_seconds == 120
    assert "2 minutes" in caught.value.message


def test_blocked_at_25_failures_until_the_window_ends():
    state = LoginThrottle(failures=25, last_failure_at=T0 + 100, window_start=T0, window_failures=25)
    with pytest.raises(Throttled) as caught:
        state.check(T0 + 5000, POLICY)
    assert "bloqué" in caught.value.message
    assert caught.value.wait_seconds == 86400 - 5000
    # When the 24 h window is over the block ends (only the consecutive delay could remain).
    state.check(T0 + 86400, POLICY)
