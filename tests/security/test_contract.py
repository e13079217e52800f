"""The OpenAPI document tells the truth: schemathesis with every check, as an integrator runs it (issue 18).

`schemathesis run docs/openapi.json --checks all` against the local portal started as `make run`
starts it, from the repository (so `schemathesis.toml` applies): every phase (examples, coverage
with undeclared methods and missing parameters, fuzzing, stateful with the document's links) and
every check. Twice: as an integrator without an account would, and with the session of a référent
who completed the first connection, set as the value of the session cookie parameter of every
operation (logout aside, which would end it), so the routes that need a session are exercised too.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from cmi.web.cookies import FIRST_CONNECTION, SESSION
from tests.security.conftest import ROOT, Running

NEW_PASSWORD = "Tc7#qLm!x9Pv-Zr"
MINIMUM_GENERATED = 1000
SESSION_ROUTES = ("GET /api/session", "GET /api/agents", "GET /api/journal", "POST /api/agents")


def post(port: int, path: str, body: dict[str, object], cookie: str = "") -> tuple[int, dict[str, str]]:
    """Status and cookies set by one JSON POST, as the portal's pages send it."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Content-Type": "application/json", "Origin": f"http://127.0.0.1:{port}"}
    if cookie:
        headers["Cookie"] = cookie
    connection.request("POST", path, json.dumps(body), headers)
    response = connection.getresponse()
    response.read()
    cookies = dict(c.split(";")[0].split("=", 1) for c in response.headers.get_all("Set-Cookie") or [])
    connection.close()
    return response.status, cookies


def session_of_the_demo_referent(portal: Running) -> str:
    status, cookies = post(
        portal.port, "/api/login", {"identifier": portal.identifier, "password": portal.temporary_password}
    )
    assert status == 200, status
    passport = f"{FIRST_CONNECTION}={cookies[FIRST_CONNECTION]}"
    connection = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=30)
    connection.request("GET", "/api/first-connection", headers={"Cookie": passport})
    email = json.loads(connection.getresponse().read())["email"]
    connection.close()
    body = {"new_password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "email_confirmation": email}
    status, cookies = post(portal.port, "/api/first-connection", body, passport)
    assert status == 200, status
    return cookies[SESSION]


def schemathesis(portal: Running, har: Path, *options: str, config: Path | None = None) -> tuple[str, Counter[str]]:
    """Output of one CLI run that must find no failure, and the statuses it got per operation."""
    url = f"http://127.0.0.1:{portal.port}"
    command = [str(Path(sys.executable).parent / "schemathesis"), "--no-color"]
    if config is not None:
        command += ["--config-file", str(config)]
    command += ["run", "docs/openapi.json", "--url", url, "--checks", "all", "--header", f"Origin: {url}"]
    command += ["--generation-deterministic", "--report", "har", "--report-har-path", str(har), *options]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1200, check=False)
    out = result.stdout + result.stderr
    summary = out[out.find("SUMMARY") :] if "SUMMARY" in out else out[-3000:]
    print(f"\n{' '.join(options) or 'every operation'}:\n{summary}")
    assert result.returncode == 0, out[-6000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", out)
    assert generated is not None and generated.group(1) == generated.group(2), summary
    statuses: Counter[str] = Counter()
    for entry in json.loads(har.read_text(encoding="utf-8"))["log"]["entries"]:
        path = "/" + entry["request"]["url"].split("/", 3)[3].split("?")[0]
        statuses[f"{entry['request']['method']} {path} {entry['response']['status']}"] += 1
    return out, statuses


@pytest.fixture(scope="module")
def session(portal: Running) -> str:
    return session_of_the_demo_referent(portal)


def test_the_integrators_command_finds_no_failure_in_any_phase(portal: Running, session: str, tmp_path: Path) -> None:
    # The session is opened first: thousands of failed logins from 127.0.0.1 make the per-source
    # throttle refuse every login from it for the next 10 minutes, as it should.
    out, statuses = schemathesis(portal, tmp_path / "anonymous.har")
    generated = int(re.search(r"(\d+) generated", out).group(1))  # type: ignore[union-attr]
    print(f"schemathesis CLI, anonymous: {generated} generated requests")
    assert generated >= MINIMUM_GENERATED
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}", out), f"{phase} phase did not pass"
    assert any(key.startswith("POST /api/login 401") for key in statuses)  # it reached the domain code


def test_with_a_session_the_routes_that_need_one_are_exercised_and_find_no_failure(
    portal: Running, session: str, tmp_path: Path
) -> None:
    config = tmp_path / "schemathesis.toml"
    # The repository's settings, plus the session as the value of the cookie parameter that carries it.
    config.write_text(
        (ROOT / "schemathesis.toml").read_text(encoding="utf-8")
        + f'\n[parameters]\n"cookie.{SESSION}" = "{session}"\n',
        encoding="utf-8",
    )
    out, statuses = schemathesis(portal, tmp_path / "session.har", "--exclude-path", "/api/logout", config=config)
    generated = int(re.search(r"(\d+) generated", out).group(1))  # type: ignore[union-attr]
    print(f"schemathesis CLI, with a session: {generated} generated requests")
    successes = {
        route: sum(n for key, n in statuses.items() if key.startswith(f"{route} 2")) for route in SESSION_ROUTES
    }
    print(f"successes per route needing a session: {successes}")
    assert all(successes.values()), successes
