"""The real local portal (`python -m localportal`, as `make run` starts it) and headless Debian Chromium."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from localportal.browser import CHROMIUM, CHROMIUM_ARGS

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Portal:
    url: str
    aws_port: int
    port: int
    demo_identifier: str
    demo_password: str
    # Passwords typed and secrets mailed during the run: none may reach the portal's logs.
    secrets: set[str] = field(default_factory=set)

    def outbox(self) -> list[dict[str, str]]:
        with urllib.request.urlopen(f"{self.url}/_dev/outbox.json", timeout=10) as response:
            return list(json.load(response))

    def wait_for_mail(self, to: str, subject_part: str, count: int = 1, timeout: float = 15) -> dict[str, str]:
        """The newest mail to `to` whose subject contains `subject_part`, once `count` of them exist."""
        deadline = time.monotonic() + timeout
        while True:
            mails = [m for m in self.outbox() if m["to"].lower() == to.lower() and subject_part in m["subject"]]
            if len(mails) >= count:
                for mail in mails:
                    self.secrets.update(re.findall(r"Mot de passe temporaire : (\S+)", mail["text"]))
                    self.secrets.update(re.findall(r"#token=([\w-]+)", mail["text"]))
                return mails[0]
            if time.monotonic() > deadline:
                raise AssertionError(f"no mail « {subject_part} » for {to} in the outbox")
            time.sleep(0.2)

    def admin(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PORT": str(self.port), "AWS_PORT": str(self.aws_port)}
        result = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "cmi-admin"), "--local", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=60,
            check=False,
        )
        if check and result.returncode != 0:
            raise AssertionError(f"cmi-admin {args} failed: {result.stdout} {result.stderr}")
        return result


@pytest.fixture(scope="session")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    port, aws_port = free_port(), free_port()
    # INFO: every log line the functions write is in the console, for the redaction check at the end.
    env = {**os.environ, "PORT": str(port), "AWS_PORT": str(aws_port), "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "INFO"}
    # The console goes to a file: an unread pipe would fill up and block the server's request log.
    console = tmp_path_factory.mktemp("portal") / "console.log"
    with console.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "localportal"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 90
    text = ""
    while time.monotonic() < deadline and process.poll() is None and "Ctrl-C" not in text:
        time.sleep(0.2)
        text = console.read_text(encoding="utf-8")
    identifier = re.search(r"Identifiant : (\w+)", text)
    password = re.search(r"Mot de passe temporaire : (\S+)", text)
    if identifier is None or password is None:
        process.kill()
        raise AssertionError(f"local portal did not start:\n{text}")
    running = Portal(f"http://127.0.0.1:{port}", aws_port, port, identifier.group(1), password.group(1))
    try:
        yield running
    finally:
        process.send_signal(2)
        try:
            # Ctrl-C stops the portal cleanly, as `make run` promises.
            assert process.wait(timeout=15) == 0, console.read_text(encoding="utf-8")[-2000:]
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    # Everything the portal wrote but its banner (which prints the demo credentials on purpose).
    text = console.read_text(encoding="utf-8")
    banner = text[text.index("Portail CMI Organisme (local)") : text.index("Ctrl-C pour arrêter.")]
    logged = text.replace(banner, "")
    assert '"level":"INFO"' in logged, "no function log captured: the redaction check would prove nothing"
    leaked = [s[:3] + "…" for s in running.secrets if s in logged]
    leaked += [m.group(0) for m in re.finditer(r"[\w.+-]*[\w+-]@[\w-]+(\.[\w-]+)+", logged)]
    assert leaked == [], f"secrets or full emails in the local portal's logs: {leaked}"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "Chromium is missing: apt-get install chromium"
    assert AXE.exists(), "axe-core is missing: npm ci --ignore-scripts"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    # bypass_csp lets the test inject axe-core; the pages themselves never need it.
    ctx = browser.new_context(locale="fr-FR", bypass_csp=True)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Iterator[Page]:
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(15_000)
    page.js_errors = errors  # type: ignore[attr-defined]
    yield page
    assert not errors, f"JavaScript errors: {errors}"


def axe_violations(page: Page) -> list[dict[str, object]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [{"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]} for v in result]
