"""Brute force through the API against one identifier (SPEC §6, CNIL deliberation 2022-100 case 2).

The attacker obeys every Retry-After (the clock moves, nobody sleeps): throttling must still
hold, the right password must be refused while throttled, the block must come at the 25th
failure of the 24 h window, the owner must get one mail, and a reset must lift the block.
"""

from __future__ import annotations

import re

from cmi import messages

GUESSES = 1000
BLOCK = 25
DAY = 86400
LINK = re.compile(r"#token=([A-Za-z0-9_-]{43})")


def guess(harness, identifier, number):
    return harness.post("/api/login", {"identifier": identifier, "password": f"Essai-{number:04d}!Cmi"}, cookies={})


def login(harness, identifier, password):
    return harness.post("/api/login", {"identifier": identifier, "password": password}, cookies={})


def test_1000_guesses_within_a_day_verify_only_25_and_block(harness, active):
    start = harness.clock.now
    verified = refused = 0
    right_password_refused = 0
    blocked_at = None
    for number in range(GUESSES):
        r = guess(harness, active.identifier, number)
        if r.status == 401:
            assert r.json == {"message": messages.BAD_CREDENTIALS}
            verified += 1
            continue
        assert r.status == 429, r.text
        refused += 1
        wait = int(r.headers["Retry-After"])
        if r.json == {"message": messages.BLOCKED.format(count=BLOCK)}:
            blocked_at = blocked_at or verified
            # Blocked: waiting is pointless within the day, and the right password is refused too.
            if number % 100 == 0:
                assert login(harness, active.identifier, active.password).status == 429
                right_password_refused += 1
            continue
        # Throttled: even the right password is refused now, and that attempt is not counted.
        assert login(harness, active.identifier, active.password).status == 429
        right_password_refused += 1
        harness.clock.advance(wait)
    print(
        f"\n{GUESSES} guesses: {verified} verified, {refused} refused without verification; "
        f"blocked after {blocked_at} failures, {harness.clock.now - start:.0f} s of clock; "
        f"right password refused {right_password_refused} times while throttled"
    )
    assert verified == BLOCK
    assert refused == GUESSES - BLOCK
    assert blocked_at == BLOCK
    assert harness.clock.now - start < DAY  # the whole run stayed in one 24 h window
    (item,) = [i for i in harness.table("ThrottleTable") if i["pk"]["S"] == f"LOGIN#{active.identifier}"]
    assert int(item["window_failures"]["N"]) == BLOCK

    # The owner is told once, without any guessed password in the mail.
    blocked_mails = [m for m in harness.mails(active.email) if "bloqué" in m.subject]
    assert len(blocked_mails) == 1
    assert "Essai-" not in blocked_mails[0].text + blocked_mails[0].html

    # « Mot de passe oublié » lifts the block.
    assert harness.post("/api/forgot-password", {"identifier": active.identifier}).status == 200
    (token,) = [LINK.search(m.text).group(1) for m in harness.mails(active.email) if LINK.search(m.text)]
    new = "Apres-Blocage!2027"
    body = {"token": token, "new_password": new, "password_confirmation": new}
    assert harness.post("/api/reset-password", body).json == {"next": "login"}
    assert login(harness, active.identifier, new).json == {"next": "home"}
    assert [i for i in harness.table("ThrottleTable") if i["pk"]["S"].startswith("LOGIN#")] == []


def test_an_attacker_obeying_every_retry_after_gets_at_most_25_guesses_per_24_hours(harness, active):
    """Waiting out each block too: 75 guesses need three 24 h windows, so 1,000 would need 40 days."""
    start = harness.clock.now
    failures_at: list[float] = []
    number = 0
    while len(failures_at) < 75:
        r = guess(harness, active.identifier, number)
        number += 1
        if r.status == 429:
            harness.clock.advance(int(r.headers["Retry-After"]))
        else:
            assert r.status == 401
            failures_at.append(harness.clock.now)
    elapsed = harness.clock.now - start
    busiest = max(sum(1 for t in failures_at if first <= t < first + DAY) for first in failures_at)
    print(f"\n75 verified guesses took {elapsed / DAY:.1f} days of clock; at most {busiest} in any 24 h")
    assert elapsed >= 2 * DAY
    assert busiest == BLOCK
    # Never more than 25 in one throttling window: the block is counted from the window's first failure.
    windows: list[list[float]] = []
    for t in failures_at:
        if not windows or t >= windows[-1][0] + DAY:
            windows.append([t])
        else:
            windows[-1].append(t)
    assert max(len(w) for w in windows) == BLOCK
    assert len([m for m in harness.mails(active.email) if "bloqué" in m.subject]) == len(windows) - (
        len(windows[-1]) < BLOCK
    )
