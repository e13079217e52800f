"""Figure 6: weight of the login page (/index.html of the running local portal) in headless Chromium."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from bench.portal import ROOT, running
from bench.report import Figure, Section, kib
from localportal.browser import CHROMIUM, CHROMIUM_ARGS

GOAL_GZIP_BYTES = 150 * 1024
# The peer: the whole DSFR as installed (what a page weighs without the subsetting of tools/build_site.py).
DSFR_FULL = [
    Path("node_modules/@gouvfr/dsfr/dist/dsfr.min.css"),
    Path("node_modules/@gouvfr/dsfr/dist/dsfr.module.min.js"),
]


def _gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def _load_page(url: str) -> list[tuple[str, int, int]]:
    """(url, bytes, gzip bytes) of every response the page load received."""
    from playwright.sync_api import sync_playwright

    responses: list[Any] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            # Playwright tags the callback with an attribute: a builtin such as list.append cannot take it.
            page.on("response", lambda response: responses.append(response))  # noqa: PLW0108
            page.goto(url, wait_until="networkidle", timeout=30_000)
            found = []
            for response in responses:
                try:
                    body = response.body()
                except Exception:  # redirects and aborted requests have no body
                    continue
                found.append((response.url, len(body), _gzip_size(body)))
        finally:
            browser.close()
    return found


def run() -> Section:
    section = Section("weight")
    with running() as portal:
        found = _load_page(f"{portal.url}/index.html")
    total = sum(size for _, size, _ in found)
    gzipped = sum(g for _, _, g in found)
    peer_files = [ROOT / f for f in DSFR_FULL if (ROOT / f).is_file()]
    # The same page with the whole DSFR stylesheet and script in place of the parts it ships.
    subset = sum(g for url, _, g in found if "/dsfr/" in url and url.endswith((".css", ".js")))
    peer = gzipped - subset + sum(_gzip_size(f.read_bytes()) for f in peer_files) if peer_files else 0
    section.figures.append(
        Figure(
            "weight",
            f"login page /index.html in Chromium: {len(found)} responses",
            f"{kib(gzipped)} gzip ({kib(total)} raw)",
            f"same page with the full DSFR css+js: {kib(peer)} gzip" if peer else "—",
            gzipped / peer if peer else None,
            f"≤ {kib(GOAL_GZIP_BYTES)} gzip",
            gzipped <= GOAL_GZIP_BYTES,
            data={"responses": found, "total_bytes": total, "gzip_bytes": gzipped, "dsfr_full_gzip_bytes": peer},
        )
    )
    heaviest = sorted(found, key=lambda r: -r[2])[:5]
    base = portal.url
    section.notes.append(
        "heaviest responses (gzip): "
        + ", ".join(f"{url.removeprefix(base)} {kib(g)}" for url, _, g in heaviest)
        + "; each body gzipped at level 6 and summed (a server would compress each response on its own)."
    )
    return section
