"""Throttling per identifier through the login route, by moving the injected clock (SPEC §6, CNIL 2022-100)."""

from cmi import messages

WRONG = "Pas-le-bon!mot2passe"
UNKNOWN = "00001ZZZZZZZZZZ"


def attempt(harness, identifier, password=WRONG):
    return harness.post("/api/login", {"identifier": identifier, "password": password})


def fail_times(harness, identifier, count, spacing=0):
    for _ in range(count):
        r = attempt(harness, identifier)
        assert r.status == 401, r.text
        harness.clock.advance(spacing)


def test_five_failures_then_the_next_attempt_waits_one_minute_even_with_the_right_password(harness, active):
    fail_times(harness, active.identifier, 5)
    r = attempt(harness, active.identifier, active.password)
    assert r.status == 429
    assert r.headers["Retry-After"] == "60"
    assert r.json == {"message": messages.THROTTLED.format(minutes=1, plural="")}
    harness.clock.advance(59)
    assert attempt(harness, active.identifier, active.password).status == 429
    harness.clock.advance(1)
    assert attempt(harness, active.identifier, active.password).json == {"next": "home"}


def test_four_failures_do_not_slow_anyone_down(harness, active):
    fail_times(harness, active.identifier, 4)
    assert attempt(harness, active.identifier, active.password).status == 200


def test_delay_doubles_after_each_further_failure_up_to_15_minutes(harness, active):
    fail_times(harness, active.identifier, 5)
    waits = []
    for _ in range(6):
        r = attempt(harness, active.identifier)
        assert r.status == 429
        wait = int(r.headers["Retry-After"])
        waits.append(wait)
        harness.clock.advance(wait)
        assert attempt(harness, active.identifier).status == 401  # the attempt once allowed fails again
    assert waits == [60, 120, 240, 480, 900, 900]


def test_attempts_refused_while_throttled_are_not_counted(harness, active):
    fail_times(harness, active.identifier, 5)
    for _ in range(10):
        assert attempt(harness, active.identifier).status == 429
    harness.clock.advance(60)
    assert attempt(harness, active.identifier).status == 401
    assert attempt(harness, active.identifier).headers["Retry-After"] == "120"


def test_success_resets_the_counter(harness, active):
    fail_times(harness, active.identifier, 4)
    assert attempt(harness, active.identifier, active.password).status == 200
    fail_times(harness, active.identifier, 4)
    assert attempt(harness, active.identifier, active.password).status == 200
    assert [i for i in harness.table("ThrottleTable") if i["pk"]["S"].startswith("LOGIN#")] == []


def test_25_failures_in_24_hours_block_the_identifier_until_the_window_ends(harness, active):
    start = harness.clock.now
    for _ in range(25):
        r = attempt(harness, active.identifier)
        if r.status == 429:
            harness.clock.advance(int(r.headers["Retry-After"]))
            r = attempt(harness, active.identifier)
        assert r.status == 401
    blocked = attempt(harness, active.identifier, active.password)
    assert blocked.status == 429
    assert blocked.json == {"message": messages.BLOCKED.format(count=25)}
    assert "Mot de passe oublié" in blocked.json["message"]
    # Still blocked after 15 minutes (the longest delay), until 24 h after the first failure.
    remaining = int(blocked.headers["Retry-After"])
    assert harness.clock.now + remaining == start + 86400
    harness.clock.advance(remaining - 1)
    assert attempt(harness, active.identifier, active.password).status == 429
    harness.clock.advance(1)
    assert attempt(harness, active.identifier, active.password).status == 200


def test_owner_gets_exactly_one_mail_when_blocked(harness, active):
    failures = 0
    while failures < 25:
        r = attempt(harness, active.identifier)
        if r.status == 429:
            harness.clock.advance(int(r.headers["Retry-After"]))
        else:
            failures += 1
    for _ in range(5):  # attempts on the blocked identifier send nothing more
        assert "bloqué" in attempt(harness, active.identifier).json["message"]
    blocked_mails = [m for m in harness.mails(active.email) if "bloqué" in m.subject]
    assert len(blocked_mails) == 1
    assert active.identifier in blocked_mails[0].text
    assert WRONG not in blocked_mails[0].text


def test_unknown_identifier_is_throttled_exactly_like_a_real_one(harness, active):
    """Same statuses, bodies and Retry-After at every step: throttling tells nothing about existence."""
    seen = {}
    for identifier in (active.identifier, UNKNOWN):
        trace = []
        for _ in range(27):
            r = attempt(harness, identifier)
            trace.append((r.status, r.json, r.headers.get("Retry-After")))
            if r.status == 429 and "bloqué" not in r.json["message"]:
                harness.clock.advance(int(r.headers["Retry-After"]))
        seen[identifier] = trace
        harness.clock.advance(2 * 86400)
    assert seen[active.identifier] == seen[UNKNOWN]
    assert any(status == 429 for status, _, _ in seen[UNKNOWN])
    # Nobody owns the unknown identifier: no mail is sent for its block.
    assert [m for m in harness.mails() if "bloqué" in m.subject and UNKNOWN in m.text] == []


def test_throttling_counts_the_identifier_case_insensitively(harness, active):
    fail_times(harness, active.identifier.lower(), 3)
    fail_times(harness, f" {active.identifier} ", 2)
    assert attempt(harness, active.identifier, active.password).status == 429


# Per source: one client failing across many identifiers (password spraying).


def from_viewer(harness, identifier, address, password=WRONG, **headers):
    return harness.post(
        "/api/login",
        {"identifier": identifier, "password": password},
        headers={"CloudFront-Viewer-Address": f"{address}:52311", **headers},
    )


def spray(harness, address, count, prefix="00001SPRAY"):
    for n in range(count):
        r = from_viewer(harness, f"{prefix}{n:05d}", address)
        assert r.status == 401, r.text


def test_a_source_failing_50_times_on_different_identifiers_waits_whatever_the_identifier(harness, active):
    harness.clock.advance(-(harness.clock.now % 600))  # at the start of a 10-minute window
    spray(harness, "203.0.113.7", 50)
    known = from_viewer(harness, active.identifier, "203.0.113.7", active.password)
    unknown = from_viewer(harness, UNKNOWN, "203.0.113.7")
    # The same answer for a real identifier with its right password and for an unknown one.
    assert (known.status, known.json, known.headers["Retry-After"]) == (429, unknown.json, "600")
    assert (unknown.status, unknown.headers["Retry-After"]) == (429, "600")
    assert known.json == {"message": messages.THROTTLED.format(minutes=10, plural="s")}
    # Another source is not slowed down; a forged X-Forwarded-For does not move the sprayer elsewhere.
    assert from_viewer(harness, active.identifier, "198.51.100.4", active.password).status == 200
    forged = from_viewer(harness, UNKNOWN, "203.0.113.7", **{"X-Forwarded-For": "198.51.100.9"})
    assert forged.status == 429
    harness.clock.advance(600)
    assert from_viewer(harness, active.identifier, "203.0.113.7", active.password).status == 200


def test_refused_attempts_of_a_slowed_source_are_not_counted_nor_checked(harness, active):
    harness.clock.advance(-(harness.clock.now % 600))
    spray(harness, "203.0.113.8", 50)
    for _ in range(20):
        assert from_viewer(harness, UNKNOWN, "203.0.113.8").status == 429
    (source,) = [i for i in harness.table("ThrottleTable") if i["pk"]["S"].startswith("SOURCE#203.0.113.8#")]
    assert source["failures"]["N"] == "50"
    assert not [i for i in harness.table("ThrottleTable") if i["pk"]["S"] == f"LOGIN#{UNKNOWN}"]


def test_ipv6_sources_are_counted_per_64_prefix(harness, active):
    harness.clock.advance(-(harness.clock.now % 600))
    for n in range(50):  # a client rotating addresses inside its /64 is still one source
        r = from_viewer(harness, f"00001SIXES{n:05d}", f"2001:db8:1:2::{n + 1:x}")
        assert r.status == 401
    assert from_viewer(harness, UNKNOWN, "2001:db8:1:2:ffff::1").status == 429
    assert from_viewer(harness, UNKNOWN, "2001:db8:1:3::1").status == 401


def test_successful_logins_do_not_count_against_their_source(harness, active):
    harness.clock.advance(-(harness.clock.now % 600))
    for _ in range(60):
        assert from_viewer(harness, active.identifier, "192.0.2.10", active.password).status == 200
    assert not [i for i in harness.table("ThrottleTable") if i["pk"]["S"].startswith("SOURCE#192.0.2.10#")]
