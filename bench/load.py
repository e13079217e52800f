"""Figure 5: the local portal under load (20 concurrent keep-alive clients, stdlib only).

A short static-only phase first gives the peer: what the same server does when no handler runs.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.portal import Portal, running
from bench.report import Figure, Section, median, ms

CLIENTS = 20
MIX_SECONDS = 20.0
STATIC_SECONDS = 3.0
TIMEOUT = 30.0
# Kinds of request and their share of the mix.
MIX = {"index": 1, "session": 1, "login": 1, "forgot-password": 1, "forgot-identifier": 1}


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    statuses: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies.append(seconds)
            self.by_kind.setdefault(kind, []).append(seconds)
            self.statuses[f"{kind} {status}"] += 1

    def error(self, kind: str, exc: BaseException, fresh: bool) -> None:
        with self.lock:
            self.errors[f"{kind}: {type(exc).__name__} on a {'new' if fresh else 'reused'} connection"] += 1

    @property
    def server_errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if key.rsplit(" ", 1)[1].startswith("5"))


def _request(kind: str, rng: random.Random, origin: str) -> tuple[str, str, bytes | None, dict[str, str]]:
    json_headers = {"Content-Type": "application/json", "Origin": origin}
    digits = str(rng.randrange(10**9, 10**10))
    if kind == "index":
        return "GET", "/index.html", None, {}
    if kind == "session":
        return "GET", "/api/session", None, {}
    if kind == "login":  # an unknown identifier each time: 401, or 429 on the rare repeat
        body = {"identifier": "00001" + digits, "password": "Mauvais-mdp-1!"}
        # Many people, not one source spraying: each login comes from its own viewer address (as CloudFront
        # would say), so the per-source limit does not turn the mix into cheap 429s.
        viewer = {"CloudFront-Viewer-Address": f"10.{digits[0:2]}.{digits[2:4]}.{digits[4:6]}:4000"}
        return "POST", "/api/login", json.dumps(body).encode(), {**json_headers, **viewer}
    if kind == "forgot-password":
        return "POST", "/api/forgot-password", json.dumps({"identifier": "00001" + digits}).encode(), json_headers
    body = {"email": f"agent.{digits}@example.fr"}
    return "POST", "/api/forgot-identifier", json.dumps(body).encode(), json_headers


def _client(portal: Portal, kinds: list[str], deadline: float, tally: Tally, seed: int) -> None:
    rng = random.Random(seed)
    connection: http.client.HTTPConnection | None = None
    served = 0  # answers received on the current connection
    while time.monotonic() < deadline:
        kind = rng.choice(kinds)
        method, path, body, headers = _request(kind, rng, portal.url)
        if connection is None:
            connection, served = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=TIMEOUT), 0
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
        except (OSError, http.client.HTTPException) as exc:
            tally.error(kind, exc, fresh=served == 0)
            connection.close()
            connection = None
            continue
        tally.add(kind, time.perf_counter() - started, response.status)
        served += 1
        if response.will_close:
            connection.close()
            connection = None
    if connection is not None:
        connection.close()


def _phase(portal: Portal, kinds: list[str], seconds: float, seed: int) -> tuple[Tally, float]:
    tally = Tally()
    started = time.monotonic()
    deadline = started + seconds
    threads = [
        threading.Thread(target=_client, args=(portal, kinds, deadline, tally, seed + i), daemon=True)
        for i in range(CLIENTS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + TIMEOUT + 5)
    return tally, time.monotonic() - started


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run() -> Section:
    section = Section("load")
    with running() as portal:
        static, static_elapsed = _phase(portal, ["index"], STATIC_SECONDS, 1000)
        kinds = [kind for kind, weight in MIX.items() for _ in range(weight)]
        mix, elapsed = _phase(portal, kinds, MIX_SECONDS, 2000)
        tracebacks = Counter(portal.tracebacks())
    rps, static_rps = len(mix.latencies) / elapsed, len(static.latencies) / static_elapsed
    p50, p99 = median(mix.latencies), _percentile(mix.latencies, 0.99)
    s50, s99 = median(static.latencies), _percentile(static.latencies, 0.99)
    errors = sum(mix.errors.values()) + sum(static.errors.values())
    server_errors = mix.server_errors + static.server_errors
    label = f"local portal, {CLIENTS} clients × {MIX_SECONDS:g} s, mix of {'/'.join(MIX)}"
    section.figures += [
        Figure(
            "load",
            f"{label}: throughput",
            f"{rps:.1f} req/s ({len(mix.latencies)} answers)",
            f"static only ({STATIC_SECONDS:g} s): {static_rps:.1f} req/s",
            rps / static_rps,
            data={"rps": rps, "static_rps": static_rps, "answers": len(mix.latencies)},
        ),
        Figure(
            "load",
            f"{label}: latency p50 / p99",
            f"{ms(p50)} / {ms(p99)}",
            f"static only: {ms(s50)} / {ms(s99)}",
            p99 / s99,
            data={"p50_s": p50, "p99_s": p99, "static_p50_s": s50, "static_p99_s": s99},
        ),
        Figure(
            "load",
            f"{label}: connection errors",
            str(errors),
            goal="0",
            met=errors == 0,
            data={"errors": dict(mix.errors + static.errors)},
        ),
        Figure(
            "load",
            f"{label}: 5xx answers",
            str(server_errors),
            goal="0",
            met=server_errors == 0,
            data={"statuses": dict(mix.statuses), "static_statuses": dict(static.statuses)},
        ),
    ]
    histogram = ", ".join(f"{key}: {n}" for key, n in sorted(mix.statuses.items()))
    section.notes.append(f"status histogram (mix): {histogram}")
    per_kind = ", ".join(
        f"{kind} {ms(median(v))} / {ms(_percentile(v, 0.99))}" for kind, v in sorted(mix.by_kind.items())
    )
    section.notes.append(f"p50 / p99 by kind: {per_kind}")
    if errors:
        section.notes.append(f"connection errors: {dict(mix.errors + static.errors)}")
    if any("Reset" in key and "new connection" in key for key in (mix.errors + static.errors)):
        section.notes.append(
            "connections reset before their first answer: the listen backlog of the portal's ThreadingHTTPServer is "
            "socketserver's default request_queue_size = 5, too short when 20 clients connect while the process is "
            "busy. Proposed: localportal/server.py, serve(): use a ThreadingHTTPServer subclass with "
            "`request_queue_size = 128` (a run with 128 gave no error)."
        )
    if tracebacks:
        listed = "; ".join(f"{n}× {line[:160]}" for line, n in tracebacks.most_common(5))
        section.notes.append(f"tracebacks in the portal's console: {listed}")
    section.notes.append(
        "the load generator runs on the same 2 cores as the portal; each login costs one argon2id hash "
        "(unknown identifiers are hashed too), which bounds the throughput of the mix."
    )
    return section
