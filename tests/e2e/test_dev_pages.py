"""The dev outbox page renders under its strict Content-Security-Policy (the other e2e tests bypass CSP)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Portal

pytestmark = pytest.mark.e2e


@pytest.fixture
def strict_page(browser: Browser) -> Iterator[tuple[Page, list[str]]]:
    context = browser.new_context(locale="fr-FR")  # CSP enforced, as in a person's browser
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.set_default_timeout(15_000)
    yield page, console
    context.close()


def test_the_outbox_page_is_styled_and_its_links_work_under_its_policy(strict_page, portal: Portal):
    page, console = strict_page
    response = page.goto(f"{portal.url}/_dev/outbox")
    assert response is not None and "default-src 'none'" in response.headers["content-security-policy"]
    expect(page.get_by_role("heading", name="Boîte d'envoi (développement)")).to_be_visible()
    # The inline style applied: its hash is in the policy.
    assert page.evaluate("getComputedStyle(document.body).maxWidth") == "800px"
    assert page.evaluate("getComputedStyle(document.querySelector('article')).borderTopStyle") == "solid"
    assert not [m for m in console if "Content Security Policy" in m], console
    page.get_by_role("link", name="Se connecter au portail").first.click()
    page.wait_for_url(re.compile(r"/index\.html$"))
    assert page.evaluate("document.referrer") == ""
