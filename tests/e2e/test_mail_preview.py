"""Every mail the portal sends, rendered as a mail client would show its HTML part, checked with axe-core.

The mails are composed directly (no portal needed): `page.set_content(mail.html)` in Chromium.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from cmi.mail.message import Mail
from tests.e2e.conftest import axe_violations
from tests.unit.test_mail_templates import NAMES, every_mail

pytestmark = pytest.mark.e2e

PORTAL_NAME = "Portail Carte Mobilité Inclusion Organisme"


@pytest.fixture(scope="module")
def mails() -> dict[str, Mail]:
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("OPERATOR_NAME", raising=False)
        return every_mail()


@pytest.mark.parametrize("name", NAMES)
def test_each_mail_renders_accessibly_with_its_header_title_and_signature(page: Page, mails, name):
    mail = mails[name]
    title = mail.subject.removesuffix(f" - {PORTAL_NAME}")
    # Offline, as a mail client that loads nothing: the mail must need no request.
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.set_content(mail.html)

    assert page.title() == mail.subject
    assert page.evaluate("document.documentElement.lang") == "fr"
    banner = page.get_by_role("banner")
    expect(banner).to_contain_text("RÉPUBLIQUE")
    assert banner.inner_text().split() == ["RÉPUBLIQUE", "FRANÇAISE", *PORTAL_NAME.split()]
    expect(page.get_by_role("main").get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_role("contentinfo")).to_contain_text(
        "L'équipe du Portail Carte Mobilité Inclusion Organisme\nImprimerie Nationale", use_inner_text=True
    )
    # Every line of the text part (but its markers) is in the HTML part, and the reverse: nothing is lost.
    shown = page.locator("body").inner_text()
    shown = " ".join(shown.replace("\u00a0", " ").split())
    for raw in mail.text.splitlines():
        line = " ".join(raw.strip().removesuffix(" :").split())
        if line and not line.startswith("http"):
            assert line in shown, line
    for link in page.get_by_role("link").all():
        assert link.get_attribute("href") in mail.text
    assert requests == []
    assert axe_violations(page) == [], name


def test_the_mail_stays_readable_on_a_phone(page: Page, mails):
    page.set_viewport_size({"width": 320, "height": 640})
    page.set_content(mails["welcome"].html)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert axe_violations(page) == []
