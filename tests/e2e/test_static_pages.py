"""Static checks of the built French frontend, without the API.

The site is built into a temporary folder and served by `http.server` on 127.0.0.1; the API
calls a page makes on load are answered by Playwright routes, so only the frontend is tested.
Every page must pass axe-core with zero violations, in its initial state and with its errors shown.
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import sys
import threading
from collections.abc import Callable, Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Route

from localportal import template
from tests.e2e.conftest import axe_violations

ROOT = Path(__file__).resolve().parents[2]
LOGIN_PAGE_BUDGET = 150 * 1024

PAGES = [
    "index.html",
    "accueil.html",
    "creation-compte.html",
    "identifiant-oublie.html",
    "mot-de-passe-oublie.html",
    "modification-mot-de-passe.html",
    "mentions-legales.html",
    "cgu.html",
    "plan-du-site.html",
    "accessibilite.html",
    "faq.html",
]
FOOTER_LINKS = {
    "mentions-legales.html": "Mentions légales",
    "cgu.html": "CGU",
    "plan-du-site.html": "Plan du site",
    "accessibilite.html": "Accessibilité",
    "faq.html": "FAQ",
}
ACCOUNT = {
    "identifier": "000011701060005",
    "first_name": "Camille",
    "last_name": "Martin",
    "email": "camille.martin@mdph-exemple.fr",
}
SESSION = {**ACCOUNT, "role": "referent", "organisation": {"code": "00001", "name": "MDPH de l'Exemple"}}


@functools.cache
def load_build_module() -> ModuleType:
    """tools/build_site.py is a script, not a package: load it by path."""
    spec = importlib.util.spec_from_file_location("build_site", ROOT / "tools" / "build_site.py")
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    assert load_build_module().main(["--out", str(out)]) == 0, "python tools/build_site.py a échoué"
    return out


class _SiteHandler(SimpleHTTPRequestHandler):
    """Static files with the security headers CloudFront adds (read from template.yaml)."""

    site_headers: dict[str, str] = {}  # noqa: RUF012 - set once per server, before it starts

    def end_headers(self) -> None:
        for name, value in self.site_headers.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass


@pytest.fixture(scope="module")
def base_url(site: Path) -> Iterator[str]:
    handler = type("Handler", (_SiteHandler,), {"site_headers": template.load().security_headers()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def fake_api(page: Page, answers: dict[str, tuple[int, object]]) -> list[str]:
    """Answer /api/* calls from `answers` (path -> status, body); 404 otherwise. Returns the calls made."""
    calls: list[str] = []

    def handle(route: Route) -> None:
        path = urlsplit(route.request.url).path
        calls.append(f"{route.request.method} {path}")
        status, body = answers.get(path, (404, {"message": "Cette adresse n'existe pas."}))
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    page.route("**/api/**", handle)
    return calls


def open_page(page: Page, base_url: str, name: str) -> None:
    fake_api(page, {"/api/session": (200, SESSION), "/api/first-connection": (200, ACCOUNT)})
    page.goto(base_url + name)
    page.wait_for_load_state("networkidle")


class _PageScan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lang: str | None = None
        self.title = ""
        self.h1 = 0
        self.inline_scripts = 0
        self.inline_handlers: list[str] = []
        self.style_attributes = 0
        self.style_elements = 0
        self.links: dict[str, str] = {}
        self._in: list[str] = []
        self._href: str | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag == "h1":
            self.h1 += 1
        if tag == "script" and not attributes.get("src"):
            self.inline_scripts += 1
        if tag == "style":
            self.style_elements += 1
        if "style" in attributes:
            self.style_attributes += 1
        self.inline_handlers += [f"{tag}[{name}]" for name in attributes if name.startswith("on")]
        if tag == "a":
            self._href, self._text = attributes.get("href"), ""
        self._in.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._href is not None:
            self.links[self._href] = " ".join(self._text.split())
            self._href = None
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "title":
            self.title += data
        if self._href is not None:
            self._text += data


def scan(site: Path, name: str) -> _PageScan:
    parser = _PageScan()
    parser.feed((site / name).read_text(encoding="utf-8"))
    return parser


# --- The build -------------------------------------------------------------------------------


def test_build_writes_every_page(site: Path) -> None:
    assert sorted(path.name for path in site.glob("*.html")) == sorted(PAGES)


def test_build_fails_with_a_clear_message_without_node_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    module = load_build_module()
    monkeypatch.setattr(module, "DSFR_DIST", tmp_path / "absent")
    assert module.main(["--out", str(tmp_path / "out")]) == 1
    assert "npm ci --ignore-scripts" in capsys.readouterr().err


def test_header_and_footer_are_written_once_in_the_layout() -> None:
    for fragment in (ROOT / "static-site" / "pages").glob("*.html"):
        text = fragment.read_text(encoding="utf-8")
        assert "fr-header" not in text, fragment.name
        assert "fr-footer" not in text, fragment.name


def test_only_the_dsfr_parts_in_use_are_shipped(site: Path) -> None:
    shipped = {path.relative_to(site / "dsfr").as_posix() for path in (site / "dsfr").rglob("*") if path.is_file()}
    assert "dsfr.min.css" not in shipped
    assert not any(name.endswith((".js", ".woff", ".map")) for name in shipped)
    assert {name for name in shipped if name.startswith("fonts/")} == {"fonts/Marianne-Regular.woff2"}


# --- Each page, statically ---------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_page_is_french_titled_and_has_no_inline_code(site: Path, name: str) -> None:
    page = scan(site, name)
    assert page.lang == "fr"
    assert page.title.strip().endswith("- Portail Carte Mobilité Inclusion Organisme")
    assert page.h1 == 1
    assert page.inline_scripts == 0
    assert page.inline_handlers == []
    assert page.style_attributes == 0
    assert page.style_elements == 0


@pytest.mark.parametrize("name", PAGES)
def test_page_has_the_shared_header_skip_link_and_footer(site: Path, name: str) -> None:
    page = scan(site, name)
    text = (site / name).read_text(encoding="utf-8")
    assert "Bienvenue sur le Portail Carte Mobilité Inclusion Organisme" in text
    assert page.links["#contenu"] == "Aller au contenu"
    for href, label in FOOTER_LINKS.items():
        assert page.links[href].startswith(label), href


def test_pages_quote_the_manual_verbatim(site: Path) -> None:
    login = (site / "index.html").read_text(encoding="utf-8")
    for text in (
        "CONNECTEZ-VOUS",
        "Les champs marqués d'un astérisque (*) sont obligatoires.",
        "Identifiant *",
        "Mot de passe *",
        "SE CONNECTER",
        "Identifiant oublié",
        "Mot de passe oublié",
        "Exemple : 000011701060005 (où 00001 est le code émetteur de l'organisme)",
    ):
        assert text in login, text
    forgot = (site / "identifiant-oublie.html").read_text(encoding="utf-8")
    for text in ("IDENTIFIANT OUBLIÉ", "Email *", "VALIDER", "ANNULER"):
        assert text in forgot, text
    assert "CRÉATION DE COMPTE" in (site / "creation-compte.html").read_text(encoding="utf-8")
    assert "MOT DE PASSE OUBLIÉ" in (site / "mot-de-passe-oublie.html").read_text(encoding="utf-8")
    catalog = (site / "js" / "messages.js").read_text(encoding="utf-8")
    for text in (
        "La saisie de l'identifiant est obligatoire.",
        "La saisie du mot de passe est obligatoire.",
        "La saisie de l'email est obligatoire et doit être une adresse email valide.",
    ):
        assert text in catalog, text


def test_site_map_lists_every_page(site: Path) -> None:
    assert set(PAGES) <= set(scan(site, "plan-du-site.html").links)


# --- In Chromium -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES)
def test_page_has_no_axe_violation_and_no_missing_file(page: Page, base_url: str, name: str) -> None:
    failed: list[str] = []
    page.on(
        "response",
        lambda response: (
            failed.append(f"{response.status} {response.url}")
            if response.status >= 400 and "/api/" not in response.url
            else None
        ),
    )
    open_page(page, base_url, name)
    assert failed == []
    assert axe_violations(page) == []


@pytest.mark.parametrize("name", PAGES)
def test_page_works_under_the_portal_content_security_policy(browser: Browser, base_url: str, name: str) -> None:
    assert "script-src 'self'" in template.load().security_headers()["Content-Security-Policy"]
    context = browser.new_context(locale="fr-FR")  # no bypass_csp: the real policy applies
    try:
        opened = context.new_page()
        errors: list[str] = []

        def record(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(message.text)

        opened.on("console", record)
        opened.on("pageerror", lambda error: errors.append(str(error)))
        open_page(opened, base_url, name)
        assert errors == []
    finally:
        context.close()


ERROR_STATES: dict[str, Callable[[Page], None]] = {
    "index.html": lambda page: page.get_by_role("button", name="SE CONNECTER").click(),
    "creation-compte.html": lambda page: page.get_by_role("button", name="VALIDER").click(),
    "identifiant-oublie.html": lambda page: page.get_by_role("button", name="VALIDER").click(),
    "mot-de-passe-oublie.html": lambda page: page.get_by_role("button", name="VALIDER").click(),
    "modification-mot-de-passe.html": lambda page: None,  # no token: the invalid-link alert
}


@pytest.mark.parametrize("name", sorted(ERROR_STATES))
def test_page_showing_its_errors_has_no_axe_violation(page: Page, base_url: str, name: str) -> None:
    open_page(page, base_url, name)
    ERROR_STATES[name](page)
    page.wait_for_function("document.title.startsWith('Erreur - ')")
    assert axe_violations(page) == []


def test_login_page_weighs_at_most_150_kb_gzip(page: Page, base_url: str, site: Path) -> None:
    paths: set[str] = set()
    page.on("requestfinished", lambda request: paths.add(urlsplit(request.url).path))
    open_page(page, base_url, "index.html")
    files = [site / path.lstrip("/") for path in paths if not path.startswith("/api/")]
    sizes = {file.relative_to(site).as_posix(): len(gzip.compress(file.read_bytes(), 6)) for file in files}
    assert "dsfr/fonts/Marianne-Regular.woff2" in sizes
    assert sum(sizes.values()) <= LOGIN_PAGE_BUDGET, sizes


def test_empty_login_shows_both_messages_without_calling_the_api(page: Page, base_url: str) -> None:
    calls = fake_api(page, {})
    page.goto(base_url + "index.html")
    page.get_by_role("button", name="SE CONNECTER").click()
    page.wait_for_selector("#identifier-error")
    assert calls == []
    assert page.locator("#identifier-error").inner_text() == "La saisie de l'identifiant est obligatoire."
    assert page.locator("#password-error").inner_text() == "La saisie du mot de passe est obligatoire."
    assert page.locator("#identifier-group").get_attribute("class") == "fr-input-group fr-input-group--error"
    assert "identifier-messages" in (page.locator("#identifier").get_attribute("aria-describedby") or "")
    assert page.evaluate("document.activeElement.id") == "identifier"
    assert page.title().startswith("Erreur - ")


def test_login_posts_json_and_follows_next(page: Page, base_url: str) -> None:
    fake_api(page, {"/api/login": (200, {"next": "first_connection"}), "/api/first-connection": (200, ACCOUNT)})
    page.goto(base_url + "index.html")
    page.get_by_label("Identifiant *").fill(" 000011701060005 ")
    page.locator("#password").fill("h0QMkk22045ZKBI")
    with page.expect_request("**/api/login") as request_info:
        page.get_by_role("button", name="SE CONNECTER").click()
    request = request_info.value
    assert request.headers["content-type"] == "application/json"
    assert request.post_data_json == {"identifier": "000011701060005", "password": "h0QMkk22045ZKBI"}
    page.wait_for_url("**/creation-compte.html")


def test_login_refused_shows_the_api_message_in_an_alert(page: Page, base_url: str) -> None:
    fake_api(page, {"/api/login": (401, {"message": "Identifiant ou mot de passe incorrect."})})
    page.goto(base_url + "index.html")
    page.get_by_label("Identifiant *").fill("000011701060005")
    page.locator("#password").fill("mauvais")
    page.get_by_role("button", name="SE CONNECTER").click()
    alert = page.locator("#login-alert")
    alert.wait_for()
    assert alert.get_attribute("role") == "alert"
    assert alert.inner_text().strip() == "Identifiant ou mot de passe incorrect."


def test_new_password_rules_are_ticked_as_the_person_types(page: Page, base_url: str) -> None:
    open_page(page, base_url, "creation-compte.html")
    page.locator("#new_password").press_sequentially("abcdefgH")
    states = page.eval_on_selector_all(
        "#new_password-rules [data-rule]", "items => items.map(item => [item.dataset.rule, item.className])"
    )
    assert dict(states) == {
        "length": "fr-message fr-message--valid",
        "upper": "fr-message fr-message--valid",
        "lower": "fr-message fr-message--valid",
        "special": "fr-message fr-message--info",
    }
    page.locator("label[for='new_password-show']").click()  # DSFR draws the box on the label
    assert page.get_by_role("checkbox", name="Afficher le nouveau mot de passe").is_checked()
    assert page.locator("#new_password").get_attribute("type") == "text"


def test_reset_token_leaves_the_address_bar_and_goes_in_the_body(page: Page, base_url: str) -> None:
    fake_api(page, {"/api/reset-password": (200, {"next": "login"})})
    page.goto(base_url + "modification-mot-de-passe.html#token=abc123")
    page.wait_for_load_state("networkidle")
    assert "token" not in page.url
    page.locator("#new_password").fill("Nouveau-mot2passe")
    page.locator("#password_confirmation").fill("Nouveau-mot2passe")
    with page.expect_request("**/api/reset-password") as request_info:
        page.get_by_role("button", name="VALIDER").click()
    assert request_info.value.post_data_json == {
        "token": "abc123",
        "new_password": "Nouveau-mot2passe",
        "password_confirmation": "Nouveau-mot2passe",
    }
    page.get_by_text("Votre mot de passe a été modifié.").wait_for()
    assert page.get_by_role("link", name="Se connecter").get_attribute("href") == "index.html"
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0


def test_first_connection_checks_confirmations_without_a_round_trip(page: Page, base_url: str) -> None:
    calls = fake_api(page, {"/api/first-connection": (200, ACCOUNT)})
    page.goto(base_url + "creation-compte.html")
    page.locator("#account-form").wait_for()
    page.locator("#new_password").fill("Nouveau-mot2passe")
    page.locator("#password_confirmation").fill("Autre-mot2passe")
    page.locator("#email_confirmation").fill("autre@exemple.fr")
    page.get_by_role("button", name="VALIDER").click()
    page.wait_for_selector("#email_confirmation-error")
    assert calls == ["GET /api/first-connection"]
    assert page.locator("#password_confirmation-error").inner_text() == (
        "La confirmation doit être identique au nouveau mot de passe."
    )
    # Masked, and never the real temporary password (the page does not know it).
    assert page.locator("#temporary_password").get_attribute("type") == "password"
    assert page.locator("#temporary_password").get_attribute("readonly") is not None


def test_forgot_identifier_shows_the_answer_and_hides_the_form(page: Page, base_url: str) -> None:
    sent = "Si un compte correspond à cette adresse email, un courriel contenant votre identifiant vous a été envoyé."
    fake_api(page, {"/api/forgot-identifier": (200, {"message": sent})})
    page.goto(base_url + "identifiant-oublie.html")
    page.get_by_label("Email *").fill("pas-une-adresse")
    page.get_by_role("button", name="VALIDER").click()
    assert page.locator("#email-error").inner_text() == (
        "La saisie de l'email est obligatoire et doit être une adresse email valide."
    )
    page.get_by_label("Email *").fill("camille.martin@mdph-exemple.fr")
    with page.expect_request("**/api/forgot-identifier") as request_info:
        page.get_by_role("button", name="VALIDER").click()
    assert request_info.value.post_data_json == {"email": "camille.martin@mdph-exemple.fr"}
    page.get_by_role("status").filter(has_text=sent).wait_for()
    assert page.locator("#forgot-form").is_hidden()
    assert not page.title().startswith("Erreur - ")


def test_home_greets_the_person_and_logs_out(page: Page, base_url: str) -> None:
    calls = fake_api(page, {"/api/session": (200, SESSION), "/api/logout": (204, None)})
    page.goto(base_url + "accueil.html")
    page.get_by_role("heading", level=1, name="Bonjour Camille Martin").wait_for()
    assert "MDPH de l'Exemple (code émetteur 00001)" in page.locator("#home-session").inner_text()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url("**/index.html")
    assert calls == ["GET /api/session", "POST /api/logout"]
    assert page.locator("#login-notice").inner_text().strip() == "Vous êtes déconnecté(e) du portail."
