"""The OpenAPI document tells the truth: schemathesis with every check, as an integrator runs it (issue 18).

`schemathesis run docs/openapi.json --checks all` against the local portal started as `make run`
starts it, from the repository (so `schemathesis.toml` applies), with the session cookie of a
référent who completed the first connection: every phase (examples, coverage with undeclared
methods and missing parameters, fuzzing, stateful with the document's links) and every check.
"""

from __future__ import annotations

import http.client
import json
import re
import subprocess
import sys
from pathlib import Path

from cmi.web.cookies import FIRST_CONNECTION, SESSION
from tests.security.conftest import ROOT, Running

NEW_PASSWORD = "Tc7#qLm!x9Pv-Zr"
MINIMUM_GENERATED = 1000


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
    connection = http.client.HTTPConnection("127.0.0.1", portal.port, timeout=30)
    connection.request(
        "GET", "/api/first-connection", headers={"Cookie": f"{FIRST_CONNECTION}={cookies[FIRST_CONNECTION]}"}
    )
    email = json.loads(connection.getresponse().read())["email"]
    connection.close()
    body = {"new_password": NEW_PASSWORD, "password_confirmation": NEW_PASSWORD, "email_confirmation": email}
    status, cookies = post(
        portal.port, "/api/first-connection", body, f"{FIRST_CONNECTION}={cookies[FIRST_CONNECTION]}"
    )
    assert status == 200, status
    return cookies[SESSION]


def test_schemathesis_with_every_check_and_the_stateful_phase_finds_no_failure(portal: Running) -> None:
    url = f"http://127.0.0.1:{portal.port}"
    session = session_of_the_demo_referent(portal)
    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "--no-color",
            "run",
            "docs/openapi.json",
            "--url",
            url,
            "--checks",
            "all",
            "--header",
            f"Origin: {url}",
            "--header",
            f"Cookie: {SESSION}={session}",
            "--generation-deterministic",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
    )
    out = result.stdout + result.stderr
    summary = out[out.find("SUMMARY") :] if "SUMMARY" in out else out[-3000:]
    print(f"\n{summary}")
    assert result.returncode == 0, out[-6000:]
    generated = re.search(r"(\d+) generated, (\d+) passed", out)
    assert generated is not None, summary
    assert int(generated.group(1)) == int(generated.group(2)) >= MINIMUM_GENERATED
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert re.search(rf"✅ {phase}", out), f"{phase} phase did not pass:\n{summary}"
