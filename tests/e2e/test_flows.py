"""Every flow of the manual, clicked through in Chromium on the real local portal, mails read from the outbox."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Portal, axe_violations

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "Carte-Mobilité!2026"
LOGIN_PAGE = re.compile(r"/index\.html(\?.*)?$")
RESET_PASSWORD = "Nouvelle-Carte#2027"
GUESSABLE = "Soleil2024!"
GUESSABLE_REASON = "trop courant ou trop facile à deviner"


@pytest.fixture(scope="module")
def organisation(portal: Portal) -> str:
    code = "E2E" + secrets.choice("ABCDEFGHJK") + secrets.choice("0123456789")
    portal.admin("create-organisation", code, "MDPH des tests de bout en bout")
    portal.secrets.update({NEW_PASSWORD, RESET_PASSWORD, GUESSABLE})  # typed in the pages: never in the portal's logs
    return code


def new_agent(portal: Portal, organisation: str, first: str, last: str) -> tuple[str, str, str]:
    """Register an agent with the ops command; return identifier, temporary password and email from the mail."""
    email = f"{first.lower()}.{last.lower()}.{secrets.token_hex(3)}@exemple.fr".replace("é", "e").replace("è", "e")
    portal.admin("create-referent", organisation, "--first-name", first, "--last-name", last, "--email", email)
    mail = portal.wait_for_mail(email, "identifiants")
    identifier = re.search(r"Identifiant : (\w+)", mail["text"]).group(1)
    temporary = re.search(r"Mot de passe temporaire : (\S+)", mail["text"]).group(1)
    return identifier, temporary, email


def assert_accessible(page: Page) -> None:
    assert axe_violations(page) == [], page.url
    assert page.js_errors == []  # type: ignore[attr-defined]


def log_in(page: Page, portal: Portal, identifier: str, password: str) -> None:
    portal.secrets.add(password)
    page.goto(f"{portal.url}/index.html")
    page.get_by_label("Identifiant *").fill(identifier)
    page.get_by_label("Mot de passe *", exact=True).fill(password)
    page.get_by_role("button", name="SE CONNECTER").click()


def complete_first_connection(page: Page, email: str, password: str = NEW_PASSWORD) -> None:
    page.get_by_label("Nouveau mot de passe *").fill(password)
    page.get_by_label("Confirmation du mot de passe *").fill(password)
    page.get_by_label("Confirmation de votre Email *").fill(email)
    page.get_by_role("button", name="VALIDER").click()
    page.wait_for_url("**/accueil.html")


def activated_agent(page: Page, portal: Portal, organisation: str, first: str, last: str) -> tuple[str, str]:
    identifier, temporary, email = new_agent(portal, organisation, first, last)
    log_in(page, portal, identifier, temporary)
    page.wait_for_url("**/creation-compte.html")
    complete_first_connection(page, email)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(LOGIN_PAGE)
    return identifier, email


# Connexion.


def test_login_page_has_the_manual_wording_and_no_accessibility_violation(page: Page, portal: Portal):
    page.goto(portal.url + "/")
    expect(page.get_by_text("Bienvenue sur le Portail Carte Mobilité Inclusion Organisme")).to_be_visible()
    expect(page.get_by_role("heading", name="CONNECTEZ-VOUS")).to_be_visible()
    expect(page.get_by_text("Les champs marqués d'un astérisque (*) sont obligatoires.")).to_be_visible()
    expect(page.get_by_text("Exemple : 000011701060005 (où 00001 est le code émetteur de l'organisme)")).to_be_visible()
    expect(page.get_by_role("link", name="Identifiant oublié")).to_be_visible()
    expect(page.get_by_role("link", name="Mot de passe oublié")).to_be_visible()
    assert_accessible(page)


def test_empty_submit_shows_both_manual_messages_without_calling_the_api(page: Page, portal: Portal):
    page.goto(f"{portal.url}/index.html")
    api_calls: list[str] = []
    page.on("request", lambda request: api_calls.append(request.url) if "/api/" in request.url else None)
    page.get_by_role("button", name="SE CONNECTER").click()
    expect(page.locator("#identifier-messages")).to_have_text("La saisie de l'identifiant est obligatoire.")
    expect(page.locator("#password-messages")).to_have_text("La saisie du mot de passe est obligatoire.")
    expect(page.get_by_label("Identifiant *")).to_be_focused()
    assert api_calls == []
    assert_accessible(page)


def test_wrong_password_shows_the_generic_message_in_place(page: Page, portal: Portal, organisation: str):
    identifier, _, _ = new_agent(portal, organisation, "Paul", "Durand")
    log_in(page, portal, identifier, "Pas-le-bon!2026")
    expect(page.get_by_role("alert")).to_contain_text("Identifiant ou mot de passe incorrect.")
    assert page.url.endswith("/index.html")
    assert_accessible(page)


def test_active_account_logs_in_sees_the_home_page_and_logs_out(page: Page, portal: Portal, organisation: str):
    identifier, email = activated_agent(page, portal, organisation, "Alice", "Petit")
    log_in(page, portal, identifier, NEW_PASSWORD)
    page.wait_for_url("**/accueil.html")
    expect(page.get_by_text("Bonjour Alice Petit")).to_be_visible()
    expect(page.get_by_text("MDPH des tests de bout en bout")).to_be_visible()
    expect(page.get_by_text(identifier)).to_be_visible()
    cookies = {c["name"]: c for c in page.context.cookies()}
    session = cookies["__Host-cmi-session"]
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    assert_accessible(page)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(LOGIN_PAGE)
    assert "__Host-cmi-session" not in {c["name"] for c in page.context.cookies()}
    # Back to the home page after logout: sent to the login page.
    page.goto(f"{portal.url}/accueil.html")
    page.wait_for_url(LOGIN_PAGE)


def test_home_page_without_session_sends_to_login(page: Page, portal: Portal):
    page.goto(f"{portal.url}/accueil.html")
    page.wait_for_url(LOGIN_PAGE)


@pytest.mark.parametrize(
    ("link", "title"),
    [
        ("Mentions légales", "Mentions légales"),
        ("CGU", "Conditions générales d'utilisation"),
        ("Plan du site", "Plan du site"),
        ("Accessibilité", "Déclaration d'accessibilité"),
        ("FAQ", "Foire aux questions"),
    ],
)
def test_footer_pages_open_from_the_login_page_and_are_accessible(page: Page, portal: Portal, link: str, title: str):
    page.goto(f"{portal.url}/index.html")
    page.get_by_role("contentinfo").get_by_role("link", name=re.compile(f"^{link}")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    assert_accessible(page)


# Première connexion.


def test_first_connection_from_the_welcome_mail_to_the_home_page(page: Page, portal: Portal, organisation: str):
    identifier, temporary, email = new_agent(portal, organisation, "Hélène", "Moreau")
    log_in(page, portal, identifier, temporary)
    page.wait_for_url("**/creation-compte.html")
    expect(page.get_by_role("heading", name="CRÉATION DE COMPTE")).to_be_visible()
    expect(page.get_by_label("Nom", exact=True)).to_have_value("Moreau")
    expect(page.get_by_label("Prénom")).to_have_value("Hélène")
    expect(page.get_by_label("Identifiant", exact=True)).to_have_value(identifier)
    expect(page.get_by_label("Email", exact=True)).to_have_value(email)
    for field in ("Nom", "Prénom", "Identifiant", "Email"):
        expect(page.get_by_label(field, exact=True)).not_to_be_editable()
    temporary_field = page.get_by_label("Mot de passe temporaire")
    assert temporary_field.get_attribute("type") == "password"
    assert temporary not in temporary_field.input_value()
    assert (
        page.evaluate("() => JSON.stringify({...localStorage}) + JSON.stringify({...sessionStorage})").count(temporary)
        == 0
    )
    assert_accessible(page)

    # A weak password: the rules are named at the field.
    page.get_by_label("Nouveau mot de passe *").fill("faible")
    page.get_by_label("Confirmation du mot de passe *").fill("faible")
    page.get_by_label("Confirmation de votre Email *").fill(email)
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#new_password-messages")).to_contain_text("au moins 8 caractères")
    expect(page.locator("#new_password-messages")).to_contain_text("une lettre majuscule")
    assert page.url.endswith("/creation-compte.html")
    assert_accessible(page)

    # A guessable password is refused with the reason, at the field and in the checklist.
    page.get_by_label("Nouveau mot de passe *").fill(GUESSABLE)
    page.get_by_label("Confirmation du mot de passe *").fill(GUESSABLE)
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#new_password-messages")).to_contain_text(GUESSABLE_REASON)
    expect(page.locator("#new_password-rules [data-rule='guessable']")).to_have_class(re.compile("fr-message--error"))

    # Confirmation mismatch.
    page.get_by_label("Nouveau mot de passe *").fill(NEW_PASSWORD)
    page.get_by_label("Confirmation du mot de passe *").fill(NEW_PASSWORD + "x")
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#password_confirmation-messages")).to_contain_text(
        "La confirmation doit être identique au nouveau mot de passe."
    )

    complete_first_connection(page, email)
    expect(page.get_by_text("Bonjour Hélène Moreau")).to_be_visible()
    activation = portal.wait_for_mail(email, "activé")
    assert NEW_PASSWORD not in activation["text"]
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(LOGIN_PAGE)
    log_in(page, portal, identifier, NEW_PASSWORD)
    page.wait_for_url("**/accueil.html")


def test_password_rules_are_ticked_live_while_typing(page: Page, portal: Portal, organisation: str):
    identifier, temporary, _ = new_agent(portal, organisation, "Nina", "Garcia")
    log_in(page, portal, identifier, temporary)
    page.wait_for_url("**/creation-compte.html")
    expect(page.get_by_label("Identifiant", exact=True)).to_have_value(identifier)
    field = page.get_by_label("Nouveau mot de passe *")
    rules = page.locator("#new_password-rules")
    field.press_sequentially("abc")
    valid = re.compile(r"fr-message--valid")
    expect(rules.locator("[data-rule='lower']")).to_have_class(valid)
    expect(rules.locator("[data-rule='upper']")).not_to_have_class(valid)
    field.press_sequentially("DEF!gh")
    for rule in ("length", "upper", "lower", "special", "guessable"):
        expect(rules.locator(f"[data-rule='{rule}']")).to_have_class(valid)


def test_first_connection_can_be_completed_with_the_keyboard_only(page: Page, portal: Portal, organisation: str):
    identifier, temporary, email = new_agent(portal, organisation, "Karim", "Benali")
    page.goto(f"{portal.url}/index.html")
    page.get_by_label("Identifiant *").focus()
    page.keyboard.type(identifier)
    page.keyboard.press("Tab")
    page.keyboard.type(temporary)
    page.keyboard.press("Enter")
    page.wait_for_url("**/creation-compte.html")
    expect(page.get_by_label("Nouveau mot de passe *")).to_be_visible()
    # Tab from the top of the page to the new password field, as a keyboard user would.
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement && document.activeElement.id") == "new_password":
            break
    else:
        pytest.fail("the new password field cannot be reached with Tab")
    page.keyboard.type(NEW_PASSWORD)
    for target, text in (("password_confirmation", NEW_PASSWORD), ("email_confirmation", email)):
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("() => document.activeElement.id") == target:
                break
        else:
            pytest.fail(f"{target} cannot be reached with Tab")
        page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_url("**/accueil.html")


# Identifiant oublié, mot de passe oublié.


def test_forgot_identifier_then_password_then_login(page: Page, portal: Portal, organisation: str):
    identifier, email = activated_agent(page, portal, organisation, "Sophie", "Laurent")

    page.goto(f"{portal.url}/index.html")
    page.get_by_role("link", name="Identifiant oublié").click()
    expect(page.get_by_role("heading", name="IDENTIFIANT OUBLIÉ")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#email-messages")).to_have_text(
        "La saisie de l'email est obligatoire et doit être une adresse email valide."
    )
    page.get_by_label("Email *").fill(email.upper())
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#forgot-success")).to_contain_text("identifiant")
    reminder = portal.wait_for_mail(email, "Rappel")
    assert identifier in reminder["text"]

    page.goto(f"{portal.url}/index.html")
    page.get_by_role("link", name="Mot de passe oublié").click()
    expect(page.get_by_role("heading", name="MOT DE PASSE OUBLIÉ")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#identifier-messages")).to_have_text("La saisie de l'identifiant est obligatoire.")
    page.get_by_label("Identifiant *").fill(identifier)
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#forgot-success")).to_be_visible()
    mail = portal.wait_for_mail(email, "Modification")

    # Follow the link from the outbox page, as a person reading the mail would.
    page.goto(f"{portal.url}/_dev/outbox")
    page.get_by_role("link", name="Choisir un nouveau mot de passe").first.click()
    page.wait_for_url("**/modification-mot-de-passe.html*")
    assert "token" not in page.url  # removed from the address bar
    token = re.search(r"#token=([\w-]+)", mail["text"]).group(1)
    assert token not in page.evaluate("() => location.href + document.referrer")
    assert_accessible(page)
    page.get_by_label("Nouveau mot de passe *").fill(GUESSABLE)
    page.get_by_label("Confirmation du mot de passe *").fill(GUESSABLE)
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#new_password-messages")).to_contain_text(GUESSABLE_REASON)
    page.get_by_label("Nouveau mot de passe *").fill(RESET_PASSWORD)
    page.get_by_label("Confirmation du mot de passe *").fill(RESET_PASSWORD)
    page.get_by_role("button", name="VALIDER").click()
    expect(page.locator("#reset-success")).to_contain_text("Votre mot de passe a été modifié.")
    assert_accessible(page)
    page.get_by_role("link", name="Se connecter").click()
    page.wait_for_url(LOGIN_PAGE)
    log_in(page, portal, identifier, RESET_PASSWORD)
    page.wait_for_url("**/accueil.html")
    assert portal.wait_for_mail(email, "modifié")


def test_a_used_reset_link_shows_a_clear_message_and_a_way_to_ask_again(page: Page, portal: Portal, organisation: str):
    identifier, email = activated_agent(page, portal, organisation, "Marc", "Fontaine")
    page.goto(f"{portal.url}/mot-de-passe-oublie.html")
    page.get_by_label("Identifiant *").fill(identifier)
    page.get_by_role("button", name="VALIDER").click()
    link = re.search(r"(http\S+#token=[\w-]+)", portal.wait_for_mail(email, "Modification")["text"]).group(1)
    for attempt, password in enumerate((RESET_PASSWORD, RESET_PASSWORD + "2")):
        # Opened again from the mail: a new load (the same URL in this tab would only change the fragment,
        # and the page reloads itself on that, racing the typing).
        page.goto("about:blank")
        page.goto(link)
        page.get_by_label("Nouveau mot de passe *").fill(password)
        page.get_by_label("Confirmation du mot de passe *").fill(password)
        page.get_by_role("button", name="VALIDER").click()
        if attempt == 0:
            # As a person would: the first use is confirmed on the page before the link is opened again.
            expect(page.locator("#reset-success")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("n'est plus valide")
    page.get_by_role("link", name="Demander un nouveau lien").click()
    page.wait_for_url("**/mot-de-passe-oublie.html")


def test_reset_page_without_token_says_the_link_is_invalid(page: Page, portal: Portal):
    page.goto(f"{portal.url}/modification-mot-de-passe.html")
    expect(page.locator("#reset-invalid")).to_be_visible()
    assert_accessible(page)


@pytest.mark.parametrize("start", ["identifiant-oublie.html", "mot-de-passe-oublie.html"])
def test_annuler_returns_to_the_login_page(page: Page, portal: Portal, start: str):
    page.goto(f"{portal.url}/{start}")
    page.get_by_role("link", name="ANNULER").click()
    page.wait_for_url(LOGIN_PAGE)
    expect(page.get_by_role("heading", name="CONNECTEZ-VOUS")).to_be_visible()


def test_outbox_page_lists_mails_with_clickable_links(page: Page, portal: Portal):
    page.goto(f"{portal.url}/_dev/outbox")
    expect(page.get_by_role("heading", name=re.compile("Vos identifiants de connexion")).first).to_be_visible()
    expect(page.get_by_role("link", name="Se connecter au portail").first).to_have_attribute(
        "href", re.compile("/index.html$")
    )
