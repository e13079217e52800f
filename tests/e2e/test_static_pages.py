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
    "agents.html",
    "journal.html",
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
SESSION = {
    **ACCOUNT,
    "role": "referent",
    "status": "active",
    "organisation": {"code": "00001", "name": "MDPH de l'Exemple"},
}
# The référent area (SPEC §9): the session's référent, a profile waiting for its first connection, a disabled one.
AGENTS = [
    {
        **ACCOUNT,
        "role": "referent",
        "status": "active",
        "created_at": "2026-01-15T08:30:00Z",
        "last_login_at": "2026-03-02T16:05:00Z",
    },
    {
        "identifier": "00001PROFIL0002",
        "first_name": "Hélène",
        "last_name": "Élisée",
        "email": "helene.elisee@mdph-exemple.fr",
        "role": "profile",
        "status": "pending",
        "created_at": "2026-03-01T23:30:00Z",
        "last_login_at": None,
    },
    {
        "identifier": "00001PROFIL0003",
        "first_name": "Bruno",
        "last_name": "Zola",
        "email": "bruno.zola@mdph-exemple.fr",
        "role": "profile",
        "status": "disabled",
        "created_at": "2026-02-10T10:00:00Z",
        "last_login_at": "2026-02-11T09:15:00Z",
    },
]
JOURNAL = [
    {
        "at": "2026-03-02T16:05:00Z",
        "actor": "000011701060005",
        "action": "disabled",
        "target": "00001PROFIL0003",
        "detail": "",
    },
    {
        "at": "2026-03-01T23:30:00Z",
        "actor": "000011701060005",
        "action": "account_created",
        "target": "00001PROFIL0002",
        "detail": "",
    },
    {
        "at": "2026-01-15T08:30:00Z",
        "actor": "opérateur",
        "action": "account_created",
        "target": "000011701060005",
        "detail": "Référent enregistré",
    },
]


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
    fake_api(
        page,
        {
            "/api/session": (200, SESSION),
            "/api/first-connection": (200, ACCOUNT),
            "/api/agents": (200, {"agents": AGENTS, "next_cursor": None}),
            "/api/journal": (200, {"events": JOURNAL, "next_cursor": None}),
        },
    )
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
    "agents.html": lambda page: page.get_by_role("button", name="Créer un profil").click(),
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
    assert not [path for path in paths if "guessable" in path]  # loaded only where a new password is chosen


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
        "guessable": "fr-message fr-message--info",  # a run of the alphabet: unmet, not yet an error
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


# --- The référent area, against a fake API -----------------------------------------------------


def referent_api(page: Page, answers: dict[str, Callable[[Route], tuple[int, object]]]) -> list[str]:
    """Like fake_api, for the référent area: each answer is computed from the request (query, body)."""
    calls: list[str] = []
    defaults: dict[str, Callable[[Route], tuple[int, object]]] = {
        "/api/session": lambda route: (200, SESSION),
        "/api/agents": lambda route: (200, {"agents": AGENTS, "next_cursor": None}),
        "/api/journal": lambda route: (200, {"events": JOURNAL, "next_cursor": None}),
    }

    def handle(route: Route) -> None:
        url = urlsplit(route.request.url)
        calls.append(f"{route.request.method} {url.path}{'?' + url.query if url.query else ''}")
        answer = {**defaults, **answers}.get(url.path)
        status, body = answer(route) if answer else (404, {"message": "Cette adresse n'existe pas."})
        route.fulfill(status=status, content_type="application/json", body=json.dumps(body))

    page.route("**/api/**", handle)
    return calls


def table_rows(page: Page, table: str) -> list[list[str]]:
    return page.eval_on_selector_all(
        f"#{table} tbody tr:not([hidden])",
        "rows => rows.map(row => [...row.cells].map(cell => cell.innerText.split(/\\s+/).join(' ').trim()))",
    )


def test_home_offers_the_agents_page_to_referents_only(page: Page, base_url: str) -> None:
    fake_api(page, {"/api/session": (200, SESSION)})
    page.goto(base_url + "accueil.html")
    link = page.get_by_role("link", name="Gérer les agents de l'organisme")
    link.wait_for()
    assert link.get_attribute("href") == "agents.html"
    profile = page.context.new_page()
    fake_api(profile, {"/api/session": (200, {**SESSION, "role": "profile"})})
    profile.goto(base_url + "accueil.html")
    profile.get_by_role("heading", level=1, name="Bonjour Camille Martin").wait_for()
    assert profile.get_by_role("link", name="Gérer les agents de l'organisme").count() == 0
    assert profile.locator("#home-referent").is_hidden()


def test_agents_page_shows_every_page_of_agents_sorted_by_last_name(page: Page, base_url: str) -> None:
    def agents(route: Route) -> tuple[int, object]:
        query = urlsplit(route.request.url).query
        if query == "cursor=suite%2B1":
            return 200, {"agents": AGENTS[:1], "next_cursor": None}
        return 200, {"agents": AGENTS[1:], "next_cursor": "suite+1"}

    calls = referent_api(page, {"/api/agents": agents})
    page.goto(base_url + "agents.html")
    page.locator("#agents-area").wait_for()
    assert calls == ["GET /api/session", "GET /api/agents", "GET /api/agents?cursor=suite%2B1"]
    rows = table_rows(page, "agents-table")
    # Élisée < Martin < Zola, accents ignored; dates in Paris time; « — » for never.
    assert [row[:8] for row in rows] == [
        [
            "Élisée",
            "Hélène",
            "00001PROFIL0002",
            "helene.elisee@mdph-exemple.fr",
            "Profil",
            "EN ATTENTE DE PREMIÈRE CONNEXION",
            "02/03/2026 à 00:30",
            "— jamais",
        ],
        [
            "Martin",
            "Camille",
            "000011701060005",
            "camille.martin@mdph-exemple.fr",
            "Référent",
            "ACTIF",
            "15/01/2026 à 09:30",
            "02/03/2026 à 17:05",
        ],
        [
            "Zola",
            "Bruno",
            "00001PROFIL0003",
            "bruno.zola@mdph-exemple.fr",
            "Profil",
            "DÉSACTIVÉ",
            "10/02/2026 à 11:00",
            "11/02/2026 à 10:15",
        ],
    ]
    assert (
        page.locator("#agents-rows tr").nth(0).locator("time").first.get_attribute("datetime") == "2026-03-01T23:30:00Z"
    )
    assert page.locator("#agents-count").inner_text() == "3 agents dans l'organisme."
    # Actions: the pending profile, the référent's own row, the disabled profile.
    pending, own, disabled = (page.locator("#agents-rows tr").nth(i) for i in range(3))
    names = "buttons => buttons.map(button => button.textContent)"  # the visible label, then the agent
    assert pending.get_by_role("button").evaluate_all(names) == [
        "Envoyer un nouveau mot de passe temporaire à Hélène Élisée",
        "Désactiver le compte de Hélène Élisée",
    ]
    assert pending.locator("button .fr-sr-only").all_text_contents() == [
        " à Hélène Élisée",
        " le compte de Hélène Élisée",
    ]
    assert own.get_by_role("button").count() == 0
    assert "Votre compte" in own.inner_text()
    assert disabled.get_by_role("button").evaluate_all(names) == ["Réactiver le compte de Bruno Zola"]
    assert page.get_by_role("link", name="Consulter le journal de l'organisme").get_attribute("href") == "journal.html"


def test_search_filters_the_rows_and_says_how_many(page: Page, base_url: str) -> None:
    referent_api(page, {})
    page.goto(base_url + "agents.html")
    search = page.get_by_label("Rechercher un agent")
    search.fill("helene")  # accents ignored
    assert [row[2] for row in table_rows(page, "agents-table")] == ["00001PROFIL0002"]
    page.wait_for_function("document.getElementById('agents-count').textContent === '1 agent affiché sur 3.'")
    assert page.locator("#agents-count").get_attribute("role") == "status"
    search.fill("PROFIL0003")
    assert [row[0] for row in table_rows(page, "agents-table")] == ["Zola"]
    search.fill("mdph-exemple.fr")
    assert len(table_rows(page, "agents-table")) == 3
    search.fill("personne")
    assert table_rows(page, "agents-table") == []
    page.wait_for_function(
        "document.getElementById('agents-count').textContent === 'Aucun agent ne correspond à votre recherche.'"
    )


def test_creating_a_profile_checks_the_fields_then_posts_and_reloads_the_list(page: Page, base_url: str) -> None:
    created = {
        "identifier": "00001PROFIL0004",
        "first_name": "Léa",
        "last_name": "N'Diaye",
        "email": "lea.ndiaye@mdph-exemple.fr",
        "role": "profile",
        "status": "pending",
        "created_at": "2026-03-03T09:00:00Z",
        "last_login_at": None,
    }
    posted: list[object] = []

    def agents(route: Route) -> tuple[int, object]:
        if route.request.method == "POST":
            posted.append(route.request.post_data_json)
            return 201, {"identifier": created["identifier"], "status": "pending"}
        return 200, {"agents": AGENTS + ([created] if posted else []), "next_cursor": None}

    calls = referent_api(page, {"/api/agents": agents})
    page.goto(base_url + "agents.html")
    page.get_by_role("button", name="Créer un profil").click()
    assert page.locator("#last_name-error").inner_text() == "La saisie du nom est obligatoire."
    assert page.locator("#first_name-error").inner_text() == "La saisie du prénom est obligatoire."
    assert page.locator("#email-error").inner_text() == (
        "La saisie de l'email est obligatoire et doit être une adresse email valide."
    )
    assert page.evaluate("document.activeElement.id") == "last_name"
    page.get_by_label("Nom *", exact=True).fill("Dupont2")
    page.get_by_label("Prénom *").fill("x" * 51)
    page.get_by_label("Email *").fill("CAMILLE.MARTIN@mdph-exemple.fr")
    page.get_by_role("button", name="Créer un profil").click()
    assert page.locator("#last_name-error").inner_text() == (
        "Le nom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes (50 caractères au plus)."
    )
    assert page.locator("#first_name-error").inner_text().startswith("Le prénom ne peut contenir que des lettres")
    assert page.locator("#email-error").inner_text() == "Un agent de l'organisme utilise déjà cette adresse email."
    assert calls == ["GET /api/session", "GET /api/agents"]

    page.get_by_label("Nom *", exact=True).fill(" N'Diaye ")
    page.get_by_label("Prénom *").fill("Léa")
    page.get_by_label("Email *").fill("lea.ndiaye@mdph-exemple.fr")
    page.get_by_role("button", name="Créer un profil").click()
    success = page.locator("#create-success")
    success.wait_for()
    assert posted == [{"last_name": "N'Diaye", "first_name": "Léa", "email": "lea.ndiaye@mdph-exemple.fr"}]
    assert "00001PROFIL0004" in success.inner_text()
    assert "lea.ndiaye@mdph-exemple.fr" in success.inner_text()
    assert success.get_attribute("role") == "status"
    assert page.evaluate("document.activeElement.id") == "create-success"
    page.wait_for_function("document.querySelectorAll('#agents-rows tr').length === 4")
    assert page.get_by_label("Nom *", exact=True).input_value() == ""
    assert not page.title().startswith("Erreur - ")
    assert axe_violations(page) == []


def test_the_api_field_errors_show_under_the_fields(page: Page, base_url: str) -> None:
    errors = {
        "email": "Un agent de l'organisme utilise déjà cette adresse email.",
        "last_name": (
            "Le nom ne peut contenir que des lettres, des espaces, des tirets et des apostrophes "
            "(50 caractères au plus)."
        ),
    }

    def agents(route: Route) -> tuple[int, object]:
        if route.request.method == "POST":
            return 400, {"errors": errors}
        return 200, {"agents": AGENTS, "next_cursor": None}

    referent_api(page, {"/api/agents": agents})
    page.goto(base_url + "agents.html")
    page.get_by_label("Nom *", exact=True).fill("Ode")
    page.get_by_label("Prénom *").fill("Anne")
    page.get_by_label("Email *").fill("anne.ode@mdph-exemple.fr")
    page.get_by_role("button", name="Créer un profil").click()
    page.locator("#email-error").wait_for()
    assert page.locator("#email-error").inner_text() == errors["email"]
    assert page.locator("#last_name-error").inner_text() == errors["last_name"]
    assert page.locator("#create-alert").is_hidden()
    assert page.title().startswith("Erreur - ")
    assert axe_violations(page) == []


def test_disabling_asks_in_a_modal_then_posts_and_says_it(page: Page, base_url: str) -> None:
    disabled: list[str] = []

    def disable(route: Route) -> tuple[int, object]:
        disabled.append(urlsplit(route.request.url).path)
        return 200, {"status": "disabled"}

    def agents(route: Route) -> tuple[int, object]:
        changed = [
            {**agent, "status": "disabled"} if agent["identifier"] == "00001PROFIL0002" and disabled else agent
            for agent in AGENTS
        ]
        return 200, {"agents": changed, "next_cursor": None}

    referent_api(page, {"/api/agents": agents, "/api/agents/00001PROFIL0002/disable": disable})
    page.goto(base_url + "agents.html")
    opener = page.get_by_role("button", name="Désactiver le compte de Hélène Élisée")
    opener.click()
    dialog = page.get_by_role("dialog", name="Désactiver un compte")
    dialog.wait_for()
    assert "Hélène Élisée (identifiant 00001PROFIL0002)" in dialog.inner_text()
    assert page.evaluate("document.activeElement.id") == "disable-cancel"
    page.wait_for_function("getComputedStyle(document.getElementById('disable-modal')).opacity === '1'")  # faded in
    assert axe_violations(page) == []
    # Escape closes it and gives the focus back; nothing is posted.
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.action") == "disable"
    assert disabled == []
    # The close button too.
    opener.click()
    dialog.get_by_role("button", name="Fermer").click()
    dialog.wait_for(state="hidden")
    assert disabled == []

    opener.click()
    dialog.get_by_role("button", name="Désactiver").click()
    dialog.wait_for(state="hidden")
    success = page.locator("#action-success")
    success.wait_for()
    assert disabled == ["/api/agents/00001PROFIL0002/disable"]
    assert success.inner_text().startswith("Le compte de Hélène Élisée est désactivé")
    page.wait_for_function("document.activeElement.id === 'action-success'")
    row = page.locator("#agents-rows tr").nth(0)
    row.get_by_role("button", name="Réactiver").wait_for()
    assert "DÉSACTIVÉ" in row.inner_text()


@pytest.mark.parametrize(
    ("button", "route", "status", "answer", "shown"),
    [
        (
            "Désactiver le compte de Hélène Élisée",
            "/api/agents/00001PROFIL0002/disable",
            409,
            {"message": "L'organisme doit garder au moins un référent actif."},
            "L'organisme doit garder au moins un référent actif.",
        ),
        (
            "Envoyer un nouveau mot de passe temporaire à Hélène Élisée",
            "/api/agents/00001PROFIL0002/temporary-password",
            409,
            {"message": "Ce compte est déjà activé : l'agent peut utiliser « Mot de passe oublié »."},
            "Ce compte est déjà activé : l'agent peut utiliser « Mot de passe oublié ».",
        ),
        (
            "Réactiver le compte de Bruno Zola",
            "/api/agents/00001PROFIL0003/enable",
            404,
            {"message": "Agent introuvable."},
            "Agent introuvable.",
        ),
        # An answer of the API without its text: the page says the API's own for that status.
        ("Réactiver le compte de Bruno Zola", "/api/agents/00001PROFIL0003/enable", 404, {}, "Agent introuvable."),
        (
            "Envoyer un nouveau mot de passe temporaire à Hélène Élisée",
            "/api/agents/00001PROFIL0002/temporary-password",
            409,
            {},
            "Ce compte est déjà activé : l'agent peut utiliser « Mot de passe oublié ».",
        ),
        # Not the API's answer at all (no JSON object): no guess, the generic text.
        (
            "Désactiver le compte de Hélène Élisée",
            "/api/agents/00001PROFIL0002/disable",
            409,
            None,
            "Une erreur technique est survenue. Veuillez réessayer plus tard.",
        ),
        # Any other conflict the API names is shown as it says it.
        (
            "Désactiver le compte de Hélène Élisée",
            "/api/agents/00001PROFIL0002/disable",
            409,
            {"message": "Ce compte vient d'être modifié par ailleurs : rechargez la liste et réessayez."},
            "Ce compte vient d'être modifié par ailleurs : rechargez la liste et réessayez.",
        ),
    ],
)
def test_a_refused_action_shows_the_api_message_in_an_alert(
    page: Page, base_url: str, button: str, route: str, status: int, answer: object, shown: str
) -> None:
    calls = referent_api(page, {route: lambda _: (status, answer)})
    page.goto(base_url + "agents.html")
    page.get_by_role("button", name=button).click()
    if button.startswith("Désactiver"):
        page.get_by_role("dialog").get_by_role("button", name="Désactiver").click()
    alert = page.locator("#action-alert")
    alert.wait_for()
    assert alert.get_attribute("role") == "alert"
    assert alert.inner_text().strip() == shown
    page.wait_for_function("document.activeElement.id === 'action-alert'")
    assert calls[-2:] == [f"POST {route}", "GET /api/agents"]  # the list is shown as it now is
    assert axe_violations(page) == []


def test_temporary_password_is_sent_and_said(page: Page, base_url: str) -> None:
    referent_api(page, {"/api/agents/00001PROFIL0002/temporary-password": lambda _: (200, {"status": "pending"})})
    page.goto(base_url + "agents.html")
    page.get_by_role("button", name="Envoyer un nouveau mot de passe temporaire").click()
    page.locator("#action-success").wait_for()
    assert "helene.elisee@mdph-exemple.fr" in page.locator("#action-success").inner_text()


@pytest.mark.parametrize("name", ["agents.html", "journal.html"])
def test_a_profile_sees_the_referent_only_message_and_no_table(page: Page, base_url: str, name: str) -> None:
    calls = referent_api(page, {"/api/session": lambda _: (200, {**SESSION, "role": "profile"})})
    page.goto(base_url + name)
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().strip() == "Cette action est réservée aux référents de l'organisme."
    assert page.locator("table").is_hidden()
    assert calls == ["GET /api/session"]
    assert axe_violations(page) == []


@pytest.mark.parametrize("name", ["agents.html", "journal.html"])
def test_the_api_refusal_is_shown_as_is(page: Page, base_url: str, name: str) -> None:
    refused = {"message": "Cette action est réservée aux référents de l'organisme."}
    referent_api(page, {"/api/agents": lambda _: (403, refused), "/api/journal": lambda _: (403, refused)})
    page.goto(base_url + name)
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").inner_text().strip() == refused["message"]
    assert page.locator("table").is_hidden()


@pytest.mark.parametrize("name", ["agents.html", "journal.html"])
def test_without_a_session_the_area_sends_to_the_login_page(page: Page, base_url: str, name: str) -> None:
    referent_api(page, {"/api/session": lambda _: (401, {"message": "Votre session a expiré."})})
    page.goto(base_url + name)
    page.wait_for_url("**/index.html")


def test_an_action_after_the_session_ended_sends_to_the_login_page(page: Page, base_url: str) -> None:
    referent_api(page, {"/api/agents/00001PROFIL0003/enable": lambda _: (401, {"message": "Votre session a expiré."})})
    page.goto(base_url + "agents.html")
    page.get_by_role("button", name="Réactiver").click()
    page.wait_for_url("**/index.html")
    assert page.locator("#login-notice").inner_text().strip() == "Votre session a expiré. Veuillez vous reconnecter."


def test_journal_shows_the_actions_in_french_and_loads_more_on_demand(page: Page, base_url: str) -> None:
    older = {
        "at": "2025-12-31T23:59:00Z",
        "actor": "opérateur",
        "action": "identifier_blocked",
        "target": "00001PROFIL0009",
        "detail": "",
    }

    def journal(route: Route) -> tuple[int, object]:
        if urlsplit(route.request.url).query == "cursor=p2":
            return 200, {"events": [older], "next_cursor": None}
        return 200, {"events": JOURNAL, "next_cursor": "p2"}

    calls = referent_api(page, {"/api/journal": journal})
    page.goto(base_url + "journal.html")
    page.locator("#journal-area").wait_for()
    assert table_rows(page, "journal-table") == [
        [
            "02/03/2026 à 17:05",
            "Camille Martin (000011701060005)",
            "Compte désactivé",
            "Bruno Zola (00001PROFIL0003)",
            "",
        ],
        [
            "02/03/2026 à 00:30",
            "Camille Martin (000011701060005)",
            "Compte créé",
            "Hélène Élisée (00001PROFIL0002)",
            "",
        ],
        ["15/01/2026 à 09:30", "opérateur", "Compte créé", "Camille Martin (000011701060005)", "Référent enregistré"],
    ]
    assert page.locator("#journal-count").inner_text() == "3 événements affichés."
    assert axe_violations(page) == []
    page.get_by_role("button", name="Afficher plus").click()
    page.wait_for_function("document.querySelectorAll('#journal-rows tr').length === 4")
    assert table_rows(page, "journal-table")[-1] == [
        "01/01/2026 à 00:59",
        "opérateur",
        "Identifiant bloqué",
        "00001PROFIL0009",
        "",
    ]
    assert page.get_by_role("button", name="Afficher plus").is_hidden()
    assert page.evaluate("document.activeElement.closest('tr') === document.querySelectorAll('#journal-rows tr')[3]")
    assert "GET /api/journal?cursor=p2" in calls


@pytest.mark.parametrize("name", ["agents.html", "journal.html"])
def test_the_area_fits_a_375_px_screen_and_the_table_scrolls_in_its_frame(
    browser: Browser, base_url: str, name: str
) -> None:
    context = browser.new_context(locale="fr-FR", viewport={"width": 375, "height": 800})
    try:
        opened = context.new_page()
        referent_api(opened, {})
        opened.goto(base_url + name)
        opened.locator("table").wait_for()
        sizes = opened.evaluate(
            """() => ({page: document.documentElement.scrollWidth, view: document.documentElement.clientWidth,
                       frame: document.querySelector('.fr-table__container').clientWidth,
                       table: document.querySelector('.fr-table__container').scrollWidth})"""
        )
        assert sizes["page"] <= sizes["view"], sizes
        assert sizes["table"] > sizes["frame"], sizes  # the table scrolls inside its DSFR frame
    finally:
        context.close()


def test_login_of_a_disabled_account_shows_the_api_message(page: Page, base_url: str) -> None:
    disabled = "Votre compte a été désactivé. Contactez un référent de votre organisme."
    fake_api(page, {"/api/login": (403, {"message": disabled})})
    page.goto(base_url + "index.html")
    page.get_by_label("Identifiant *").fill("00001PROFIL0003")
    page.locator("#password").fill("Le-bon-mot2passe")
    page.get_by_role("button", name="SE CONNECTER").click()
    alert = page.locator("#login-alert")
    alert.wait_for()
    assert alert.inner_text().strip() == disabled
    assert page.locator("#password").input_value() == ""


@pytest.mark.parametrize(
    ("body", "shown"),
    [
        ({}, "Votre compte a été désactivé. Contactez un référent de votre organisme."),  # the API, without its text
        (None, "Une erreur technique est survenue. Veuillez réessayer plus tard."),  # a firewall's 403 is not one
    ],
)
def test_login_refused_without_a_text(page: Page, base_url: str, body: object, shown: str) -> None:
    fake_api(page, {"/api/login": (403, body)})
    page.goto(base_url + "index.html")
    page.get_by_label("Identifiant *").fill("00001PROFIL0003")
    page.locator("#password").fill("Le-bon-mot2passe")
    page.get_by_role("button", name="SE CONNECTER").click()
    page.locator("#login-alert").wait_for()
    assert page.locator("#login-alert").inner_text().strip() == shown
