"""Figure 9: the agents page of a référent whose organisation has 1,000 agents, in headless Chromium.

The real local portal; the demo référent completes its first connection through the API, 999 profiles are
written straight to the portal's embedded DynamoDB. Time to interactive: from navigation start to the moment
the 1,000 rows are in the table and the page is ready for input (median of 5 reloads). Floor: the same page
as rendered, saved without its scripts, loaded until its load event.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from typing import Any

from bench.agents import profiles, write
from bench.portal import running
from bench.report import Figure, Section, median, ms
from localportal.browser import CHROMIUM, CHROMIUM_ARGS

AGENTS = 1000
RUNS = 5
PASSWORD = "Bench-Zèbre-42!"
ROWS_READY = f"document.querySelectorAll('#agents-rows tr').length >= {AGENTS}"
LOAD_END = "performance.getEntriesByType('navigation')[0].loadEventEnd"
# Set when the rows are there: performance.now() is measured from the navigation start.
OBSERVER = (
    "new MutationObserver((_, observer) => { if (" + ROWS_READY + ") { window.__rowsAt = performance.now(); "
    "observer.disconnect(); } }).observe(document, {childList: true, subtree: true});"
)


def _rows_at(page: Any) -> float:
    """When the table got its rows (ms from navigation start). Polled from here: the page's CSP forbids the
    eval that Playwright's wait_for_function needs."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        at = page.evaluate("window.__rowsAt")
        if at is not None:
            return float(at)
        time.sleep(0.05)
    raise TimeoutError("the agents page never showed its rows")


def _api(portal: Any, path: str, body: dict[str, Any], cookie: str = "") -> tuple[int, dict[str, Any], str]:
    request = urllib.request.Request(
        f"{portal.url}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Origin": portal.url, **({"Cookie": cookie} if cookie else {})},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        cookies = "; ".join(h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie") or [])
        return response.status, json.loads(response.read() or b"{}"), cookies


def _activate_demo_referent(portal: Any) -> str:
    deadline = time.monotonic() + 60
    console = ""
    while "Mot de passe temporaire" not in console and time.monotonic() < deadline:
        time.sleep(0.2)  # the portal answers HTTP before it has seeded and printed the demo account
        console = portal.log.read_text(encoding="utf-8", errors="replace")
    identifier = re.search(r"Identifiant : (\w+)", console).group(1)  # type: ignore[union-attr]
    temporary = re.search(r"Mot de passe temporaire : (\S+)", console).group(1)  # type: ignore[union-attr]
    _, answer, cookie = _api(portal, "/api/login", {"identifier": identifier, "password": temporary})
    assert answer == {"next": "first_connection"}, answer
    body = {
        "new_password": PASSWORD,
        "password_confirmation": PASSWORD,
        "email_confirmation": "camille.martin@demo-cmi.fr",
        "alerts_opt_in": False,
    }
    status, _, _ = _api(portal, "/api/first-connection", body, cookie)
    assert status == 200
    return identifier


def _seed_profiles(portal: Any, count: int) -> None:
    import boto3

    from localportal import aws

    client = boto3.client(
        "dynamodb",
        endpoint_url=f"http://127.0.0.1:{portal.aws_port}",
        region_name=aws.REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    write(client, "AccountsTable", profiles(count, "MDPH de démonstration"))


def run() -> Section:
    from playwright.sync_api import sync_playwright

    section = Section("agents page")
    with running() as portal:
        identifier = _activate_demo_referent(portal)
        _seed_profiles(portal, AGENTS - 1)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page()
                page.goto(f"{portal.url}/index.html")
                page.get_by_label("Identifiant *").fill(identifier)
                page.get_by_label("Mot de passe *").fill(PASSWORD)
                page.get_by_role("button", name="SE CONNECTER").click()
                page.wait_for_url("**/accueil.html")
                page.add_init_script(OBSERVER)
                ready, static_html = [], ""
                for _ in range(RUNS + 1):  # the first load warms the caches, not counted
                    page.goto(f"{portal.url}/agents.html")
                    ready.append(_rows_at(page) / 1000)
                    static_html = page.content()
                ready = ready[1:]
                # The floor: the rendered page, scripts removed, served at the same origin (same stylesheets).
                static_html = re.sub(r"<script\b[^>]*>.*?</script>", "", static_html, flags=re.DOTALL)
                static_html = re.sub(r'<link[^>]+rel="modulepreload"[^>]*>', "", static_html)
                page.route(
                    f"{portal.url}/agents-static.html",
                    lambda route: route.fulfill(body=static_html, content_type="text/html"),
                )
                loaded = []
                for _ in range(RUNS + 1):
                    page.goto(f"{portal.url}/agents-static.html", wait_until="load")
                    rows = page.evaluate("document.querySelectorAll('#agents-rows tr').length")
                    assert rows >= AGENTS, rows
                    loaded.append(
                        float(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd")) / 1000
                    )
                loaded = loaded[1:]
            finally:
                browser.close()
    section.figures.append(
        Figure(
            "agents page",
            f"agents.html with {AGENTS} agents in Chromium: rows in the table (median of {RUNS})",
            ms(median(ready)),
            f"the same page rendered, without scripts, until its load event: {ms(median(loaded))}",
            median(ready) / median(loaded),
            data={"ready_s": ready, "static_load_s": loaded},
        )
    )
    section.notes.append(
        "agents page: the page loads its modules, asks GET /api/session then every page of GET /api/agents (500 "
        "agents a page) and builds the 1,000 rows; measured from navigation start to the mutation that completes "
        "the table. The local portal runs the functions and moto in one Python process on the same 2 cores."
    )
    return section
