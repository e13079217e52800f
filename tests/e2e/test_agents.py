"""The référent area (SPEC §9), clicked through in Chromium on the real local portal.

The demo référent seeded by the portal (its welcome mail is in the outbox) completes its first
connection once, then creates a profile, which receives its own welcome mail; the référent disables
and re-enables it while the profile's own browser sees the effects; the journal tells it all in French.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.conftest import Portal, axe_violations
from tests.e2e.test_flows import LOGIN_PAGE, NEW_PASSWORD, complete_first_connection, log_in

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DISABLED = "Votre compte a été désactivé. Contactez un référent de votre organisme."
REFERENT_ONLY = "Cette action est réservée aux référents de l'organisme."
STATUS = {
    "pending": "en attente de première connexion",
    "active": "actif",
    "disabled": "désactivé",
}


@dataclass(frozen=True)
class Agent:
    identifier: str
    email: str
    first_name: str
    last_name: str


@pytest.fixture(scope="module")
def referent(portal: Portal, browser: Browser) -> Agent:
    """The demo référent, from its welcome mail in the outbox, once its first connection is completed."""
    portal.secrets.add(NEW_PASSWORD)
    welcome = next(m for m in portal.outbox() if f"Identifiant : {portal.demo_identifier}" in m["text"])
    mail = portal.wait_for_mail(welcome["to"], "identifiants")
    identifier = re.search(r"Identifiant : (\w+)", mail["text"]).group(1)
    temporary = re.search(r"Mot de passe temporaire : (\S+)", mail["text"]).group(1)
    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        log_in(page, portal, identifier, temporary)
        page.wait_for_url("**/creation-compte.html")
        expect(page.get_by_label("Identifiant", exact=True)).to_have_value(identifier)  # filled from the API
        first_name = page.get_by_label("Prénom").input_value()
        last_name = page.get_by_label("Nom", exact=True).input_value()
        complete_first_connection(page, mail["to"])
    finally:
        context.close()
    return Agent(identifier, mail["to"], first_name, last_name)


@pytest.fixture
def other_context(browser: Browser) -> Iterator[BrowserContext]:
    """A second browser, for the profile, while the référent keeps the first one."""
    context = browser.new_context(locale="fr-FR", bypass_csp=True)
    yield context
    context.close()


def unique_email(first: str, last: str) -> str:
    name = f"{first}.{last}".lower()
    for accented, plain in (("é", "e"), ("è", "e"), ("ë", "e"), ("ï", "i"), ("'", "")):
        name = name.replace(accented, plain)
    return f"{name}.{secrets.token_hex(3)}@exemple.fr"


def open_agents_page(page: Page, portal: Portal, referent: Agent) -> None:
    log_in(page, portal, referent.identifier, NEW_PASSWORD)
    page.wait_for_url("**/accueil.html")
    page.get_by_role("link", name="Gérer les agents de l'organisme").click()
    page.wait_for_url("**/agents.html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Gérer les agents de l'organisme")
    expect(page.locator("#agents-rows tr").first).to_be_visible()


def create_profile(page: Page, portal: Portal, first: str, last: str) -> Agent:
    """Create a profile with the form; return it with the identifier its welcome mail gives."""
    email = unique_email(first, last)
    page.get_by_label("Nom *", exact=True).fill(last)
    page.get_by_label("Prénom *").fill(first)
    page.get_by_label("Email *").fill(email)
    page.get_by_role("button", name="Créer un profil").click()
    return welcomed(page, portal, first, last, email)


def welcomed(page: Page, portal: Portal, first: str, last: str, email: str) -> Agent:
    """The profile just created: the success alert names the identifier its welcome mail gives."""
    success = page.locator("#create-success")
    expect(success).to_be_visible()
    mail = portal.wait_for_mail(email, "identifiants")
    identifier = re.search(r"Identifiant : (\w+)", mail["text"]).group(1)
    assert re.search(r"Mot de passe temporaire : \S+", mail["text"])
    expect(success).to_contain_text(identifier)
    expect(success).to_contain_text(email)
    return Agent(identifier, email, first, last)


def temporary_password(portal: Portal, agent: Agent) -> str:
    mail = portal.wait_for_mail(agent.email, "identifiants")
    return re.search(r"Mot de passe temporaire : (\S+)", mail["text"]).group(1)


def row_of(page: Page, agent: Agent) -> Locator:
    return page.locator(f"#agents-rows tr[data-identifier='{agent.identifier}']")


def assert_accessible(page: Page) -> None:
    assert axe_violations(page) == [], page.url
    assert page.js_errors == []  # type: ignore[attr-defined]


def save_screenshot(page: Page, tmp_path: Path, name: str) -> None:
    """Full-page screenshot; copied into docs/screenshots/ when CMI_SCREENSHOTS=1 (to refresh the docs)."""
    shot = tmp_path / name
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    if os.environ.get("CMI_SCREENSHOTS") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "screenshots" / name)


# --- The whole life of a profile ---------------------------------------------------------------


def test_referent_creates_a_profile_disables_and_reenables_it(
    page: Page, portal: Portal, referent: Agent, other_context: BrowserContext
):
    open_agents_page(page, portal, referent)
    own = row_of(page, referent)
    expect(own).to_contain_text("Référent")
    expect(own.get_by_role("button", name=re.compile("^Désactiver"))).to_have_count(0)  # never one's own account

    # Création d'un profil: its welcome mail carries the identifier and a temporary password.
    profile = create_profile(page, portal, "Élodie", "Lefèvre")
    row = row_of(page, profile)
    expect(row).to_contain_text(STATUS["pending"], ignore_case=True)
    expect(row).to_contain_text("Profil")
    expect(row.locator("td").nth(7)).to_contain_text("—")
    expect(row.get_by_role("button", name=re.compile("^Envoyer un nouveau mot de passe temporaire"))).to_be_visible()
    assert_accessible(page)

    # The profile completes « CRÉATION DE COMPTE » in its own browser and lands on its home page.
    other = other_context.new_page()
    other.set_default_timeout(15_000)
    other_errors: list[str] = []
    other.on("pageerror", lambda error: other_errors.append(str(error)))
    log_in(other, portal, profile.identifier, temporary_password(portal, profile))
    other.wait_for_url("**/creation-compte.html")
    expect(other.get_by_role("heading", name="CRÉATION DE COMPTE")).to_be_visible()
    expect(other.get_by_label("Identifiant", exact=True)).to_have_value(profile.identifier)
    complete_first_connection(other, profile.email)
    expect(other.get_by_text("Bonjour Élodie Lefèvre")).to_be_visible()
    expect(other.locator("#session-role")).to_have_text("Profil")
    expect(other.get_by_role("link", name="Gérer les agents de l'organisme")).to_have_count(0)
    # The référent area is not for a profile: the page says so, and so does the API.
    for name in ("agents.html", "journal.html"):
        other.goto(f"{portal.url}/{name}")
        expect(other.get_by_role("alert")).to_have_text(REFERENT_ONLY)
        expect(other.locator("table")).to_be_hidden()
    for path in ("/api/agents", "/api/journal"):
        answer = other.request.get(portal.url + path)
        assert answer.status == 403, path
        assert answer.json() == {"message": REFERENT_ONLY}, path
    other.goto(f"{portal.url}/accueil.html")
    expect(other.get_by_text("Bonjour Élodie Lefèvre")).to_be_visible()

    # The référent sees it active, then disables it through the modal.
    page.reload()
    row = row_of(page, profile)
    expect(row).to_contain_text(STATUS["active"], ignore_case=True)
    expect(row.locator("td").nth(7)).not_to_contain_text("—")
    row.get_by_role("button", name=f"Désactiver le compte de {profile.first_name} {profile.last_name}").click()
    dialog = page.get_by_role("dialog", name="Désactiver un compte")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(profile.identifier)
    page.wait_for_function("getComputedStyle(document.getElementById('disable-modal')).opacity === '1'")  # faded in
    assert_accessible(page)
    dialog.get_by_role("button", name="Désactiver").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#action-success")).to_contain_text("Le compte de Élodie Lefèvre est désactivé")
    expect(row).to_contain_text(STATUS["disabled"], ignore_case=True)
    expect(row.get_by_role("button", name=re.compile("^Réactiver"))).to_be_visible()

    # The profile's open page loses its session at its next call to the API.
    other.reload()
    other.wait_for_url(LOGIN_PAGE)
    expect(other.locator("#login-notice")).to_have_text("Votre session a expiré. Veuillez vous reconnecter.")
    # The right password now gets the disabled account's message; a wrong one the usual one.
    log_in(other, portal, profile.identifier, NEW_PASSWORD)
    expect(other.locator("#login-alert")).to_have_text(DISABLED)
    assert other.url.endswith("/index.html")
    log_in(other, portal, profile.identifier, NEW_PASSWORD + "x")
    expect(other.locator("#login-alert")).to_have_text("Identifiant ou mot de passe incorrect.")

    # Re-enabled, it logs in again.
    row.get_by_role("button", name=re.compile("^Réactiver")).click()
    expect(page.locator("#action-success")).to_contain_text("Le compte de Élodie Lefèvre est réactivé")
    expect(row).to_contain_text(STATUS["active"], ignore_case=True)
    log_in(other, portal, profile.identifier, NEW_PASSWORD)
    other.wait_for_url("**/accueil.html")
    expect(other.get_by_text("Bonjour Élodie Lefèvre")).to_be_visible()
    assert other_errors == []

    # The journal tells the story of that profile, newest first, in French.
    page.get_by_role("link", name="Consulter le journal de l'organisme").click()
    page.wait_for_url("**/journal.html")
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal de l'organisme")
    expect(page.locator("#journal-rows tr").first).to_be_visible()
    events = journal_of(page, profile)
    # Each step once, by the right author, in the order it happened; the table newest first. (Events of
    # the same second carry the same time: only their times are compared.)
    story = ["Compte créé", "Première connexion effectuée", "Compte désactivé", "Compte réactivé"]
    steps = {action: (at, author) for at, action, author in events if action in story}
    assert sorted(steps) == sorted(story), events
    assert [at for at, _, _ in events] == sorted((at for at, _, _ in events), reverse=True), events
    assert [steps[action][0] for action in story] == sorted(steps[action][0] for action in story), events
    by_referent = f"{referent.first_name} {referent.last_name} ({referent.identifier})"
    assert steps["Compte créé"][1] == by_referent
    assert steps["Première connexion effectuée"][1] == f"Élodie Lefèvre ({profile.identifier})"
    assert steps["Compte désactivé"][1] == by_referent
    assert steps["Compte réactivé"][1] == by_referent
    every = page.locator("#journal-rows time").evaluate_all("times => times.map(time => time.dateTime)")
    assert every == sorted(every, reverse=True)
    assert_accessible(page)


def journal_of(page: Page, agent: Agent) -> list[tuple[str, str, str]]:
    """(time, action, author) of the journal's events about `agent`, as listed, every page loaded."""
    more = page.get_by_role("button", name="Afficher plus")
    while more.is_visible():
        count = page.locator("#journal-rows tr").count()
        more.click()
        page.wait_for_function(f"document.querySelectorAll('#journal-rows tr').length > {count}")
    rows = page.locator("#journal-rows tr").evaluate_all(
        """rows => rows.map(row => [row.querySelector('time').dateTime,
                                    ...[...row.cells].slice(1).map(cell => cell.innerText.trim())])"""
    )
    return [(at, action, author) for at, author, action, target, _ in rows if f"({agent.identifier})" in target]


# --- Keyboard, search, small screens, accessibility --------------------------------------------


def test_a_profile_can_be_created_with_the_keyboard_only(page: Page, portal: Portal, referent: Agent):
    open_agents_page(page, portal, referent)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")  # Tab from the top
    email = unique_email("Karim", "Benali")
    for target, text in (("last_name", "Benali"), ("first_name", "Karim"), ("email", email)):
        for _ in range(40):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement && document.activeElement.id") == target:
                break
        else:
            pytest.fail(f"{target} cannot be reached with Tab")
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent.trim()") == "Créer un profil"
    page.keyboard.press("Enter")
    profile = welcomed(page, portal, "Karim", "Benali", email)
    expect(page.locator("#create-success")).to_be_focused()
    expect(row_of(page, profile)).to_contain_text(STATUS["pending"], ignore_case=True)

    # Then a new temporary password, with the keyboard too: the previous one no longer works.
    first = temporary_password(portal, profile)
    button = row_of(page, profile).get_by_role("button", name=re.compile("^Envoyer un nouveau mot de passe"))
    button.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#action-success")).to_contain_text(profile.email)
    second = portal.wait_for_mail(profile.email, "identifiants", count=2)
    assert re.search(r"Mot de passe temporaire : (\S+)", second["text"]).group(1) != first


def test_search_filters_the_agents_in_the_page(page: Page, portal: Portal, referent: Agent):
    open_agents_page(page, portal, referent)
    profile = create_profile(page, portal, "Anaïs", "Rousseau")
    expect(row_of(page, profile)).to_be_visible()
    total = page.locator("#agents-rows tr").count()
    assert total >= 2
    search = page.get_by_label("Rechercher un agent")
    for query in (profile.email.upper(), profile.identifier.lower(), "anais rousseau"):
        search.fill(query)
        visible = page.locator("#agents-rows tr:not([hidden])")
        expect(visible).to_have_count(1)
        expect(visible).to_have_attribute("data-identifier", profile.identifier)
        expect(page.locator("#agents-count")).to_have_text(f"1 agent affiché sur {total}.")
    search.fill("")
    expect(page.locator("#agents-rows tr:not([hidden])")).to_have_count(total)
    expect(page.locator("#agents-count")).to_have_text(f"{total} agents dans l'organisme.")


def test_the_area_fits_a_375_px_screen(browser: Browser, portal: Portal, referent: Agent):
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 812}, bypass_csp=True)
    try:
        page = context.new_page()
        page.set_default_timeout(15_000)
        page.js_errors = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda error: page.js_errors.append(str(error)))  # type: ignore[attr-defined]
        open_agents_page(page, portal, referent)
        for name in ("agents.html", "journal.html"):
            page.goto(f"{portal.url}/{name}")
            expect(page.locator("tbody tr").first).to_be_visible()
            sizes = page.evaluate(
                """() => ({page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,
                           frame: document.querySelector('.fr-table__container').clientWidth,
                           table: document.querySelector('.fr-table__container').scrollWidth})"""
            )
            assert sizes["page"] <= sizes["view"], (name, sizes)
            assert sizes["table"] > sizes["frame"], (name, sizes)  # the table scrolls in its DSFR frame
            assert_accessible(page)
    finally:
        context.close()


def test_screenshots_of_the_agents_and_journal_pages(page: Page, portal: Portal, referent: Agent, tmp_path: Path):
    page.set_viewport_size({"width": 1280, "height": 900})
    open_agents_page(page, portal, referent)
    # One of each status for the picture: a pending profile, then one disabled.
    create_profile(page, portal, "Inès", "Garnier")
    disabled = create_profile(page, portal, "Marc", "Vidal")
    row_of(page, disabled).get_by_role("button", name=re.compile("^Désactiver")).click()
    page.get_by_role("dialog").get_by_role("button", name="Désactiver").click()
    expect(row_of(page, disabled)).to_contain_text(STATUS["disabled"], ignore_case=True)
    page.reload()
    expect(page.locator("#agents-rows tr").first).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, tmp_path, "agents.png")
    page.goto(f"{portal.url}/journal.html")
    expect(page.locator("#journal-rows tr").first).to_be_visible()
    assert_accessible(page)
    save_screenshot(page, tmp_path, "journal.png")
