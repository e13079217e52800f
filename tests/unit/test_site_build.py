"""tools/build_site.py: the Jinja2 build of the static site, its checks and its output (no browser)."""

from __future__ import annotations

import posixpath
import re
import shutil
from pathlib import Path

import pytest

from cmi.domain.guessable import WORDS_FILE
from cmi.domain.passwords import MAX_LENGTH, MIN_LENGTH
from tools import build_site

SUFFIX = " - Portail Carte Mobilité Inclusion Organisme"
TITLE = re.compile(r"<title>(.*?)</title>", re.DOTALL)
DSFR_REFERENCE = re.compile(r'(?:href|src)="dsfr/([^"]+)"')
CSS_URL = re.compile(r"url\(([^)]+)\)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "site"
    build_site.build(out)
    return out


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of static-site/ the build reads instead, for a test to break."""
    copy = tmp_path / "static-site"
    shutil.copytree(build_site.SOURCE, copy)
    monkeypatch.setattr(build_site, "SOURCE", copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} in {path.name}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def fails(out: Path) -> str:
    with pytest.raises(build_site.BuildError) as error:
        build_site.build(out)
    return str(error.value)


def unescape(text: str) -> str:
    return text.replace("&#39;", "'").replace("&amp;", "&")


# --- The output --------------------------------------------------------------------------------


def test_every_page_template_becomes_a_page(site: Path) -> None:
    templates = {path.name for path in (build_site.SOURCE / "pages").glob("*.html")}
    assert {path.name for path in site.glob("*.html")} == templates
    assert "index.html" in templates


def test_every_page_has_its_title_then_the_site_name(site: Path) -> None:
    env = build_site.environment()
    for page in site.glob("*.html"):
        declared = build_site.load_page(env, f"pages/{page.name}").title
        titles = TITLE.findall(page.read_text(encoding="utf-8"))
        assert [unescape(title) for title in titles] == [declared + SUFFIX], page.name


def test_no_template_syntax_is_left_in_the_output(site: Path) -> None:
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"\{[{%#]|[}%#]\}", text), page.name


def test_the_site_map_follows_the_declared_order(site: Path) -> None:
    env = build_site.environment()
    pages = [build_site.load_page(env, f"pages/{path.name}") for path in (build_site.SOURCE / "pages").glob("*.html")]
    expected = [page.name for page in sorted(pages, key=lambda page: (page.order, page.name))]
    listed = re.findall(r'<li><a href="([\w-]+\.html)"', (site / "plan-du-site.html").read_text(encoding="utf-8"))
    assert listed == expected
    assert expected[0] == "index.html"


def test_a_page_marks_its_own_links_as_current(site: Path) -> None:
    text = (site / "cgu.html").read_text(encoding="utf-8")
    assert '<a class="fr-footer__bottom-link" href="cgu.html" aria-current="page">' in text
    assert 'href="faq.html" aria-current' not in text


def test_a_page_loads_its_script_after_preloading_its_imports(site: Path) -> None:
    text = (site / "index.html").read_text(encoding="utf-8")
    preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', text)
    assert preloads == build_site.module_graph("js/pages/connexion.js", site)[:-1]
    assert {"js/messages.js", "js/password-policy.js", "js/password.js"} <= set(preloads)
    assert '<script type="module" src="js/pages/connexion.js"></script>' in text
    assert "<noscript>" in text
    assert "modulepreload" not in (site / "cgu.html").read_text(encoding="utf-8")
    assert "<noscript>" not in (site / "cgu.html").read_text(encoding="utf-8")


def test_the_referent_area_pages_are_built_linked_and_listed(site: Path) -> None:
    agents = unescape((site / "agents.html").read_text(encoding="utf-8"))
    journal = unescape((site / "journal.html").read_text(encoding="utf-8"))
    assert "<title>Gérer les agents de l'organisme" + SUFFIX + "</title>" in agents
    assert "<title>Journal de l'organisme" + SUFFIX + "</title>" in journal
    for page, script in ((agents, "js/pages/agents.js"), (journal, "js/pages/journal.js")):
        assert f'<script type="module" src="{script}"></script>' in page
        preloads = re.findall(r'<link rel="modulepreload" href="([^"]+)">', page)
        assert preloads == build_site.module_graph(script, site)[:-1]
        assert "js/agents.js" in preloads
    assert "js/modal.js" in re.findall(r'<link rel="modulepreload" href="([^"]+)">', agents)
    for text in (
        "Les champs marqués d'un astérisque (*) sont obligatoires.",
        ">Nom *<",
        ">Prénom *<",
        ">Email *<",
        ">Créer un profil<",
        ">Rechercher un agent<",
        'href="journal.html"',
    ):
        assert text in agents, text
    # The confirmation is a DSFR modal on a native <dialog>: no DSFR script is needed.
    assert re.search(r'<dialog class="fr-modal" id="disable-modal" aria-labelledby="disable-modal-title"', agents)
    for column in ("Nom", "Prénom", "Identifiant", "Email", "Rôle", "Statut", "Créé le", "Dernière connexion"):
        assert f'<th scope="col">{column}</th>' in agents, column
    for column in ("Date", "Auteur", "Action", "Agent", "Détail"):
        assert f'<th scope="col">{column}</th>' in journal, column
    assert ">Afficher plus<" in journal
    # Offered from the home page (to référents: accueil.js reveals it) and listed in the site map.
    home = unescape((site / "accueil.html").read_text(encoding="utf-8"))
    assert '<a class="fr-link" href="agents.html">Gérer les agents de l\'organisme</a>' in home
    assert re.search(r'<div id="home-referent" hidden>', home)
    site_map = (site / "plan-du-site.html").read_text(encoding="utf-8")
    assert '<li><a href="agents.html">' in site_map
    assert '<li><a href="journal.html">' in site_map


def test_only_the_dsfr_files_the_pages_reference_are_copied(site: Path) -> None:
    shipped = {path.relative_to(site / "dsfr").as_posix() for path in (site / "dsfr").rglob("*") if path.is_file()}
    referenced: set[str] = set()
    for page in site.glob("*.html"):
        referenced |= set(DSFR_REFERENCE.findall(page.read_text(encoding="utf-8")))
    pending = [name for name in referenced if name.endswith(".css")]
    while pending:  # then what those stylesheets reference, and so on
        css = pending.pop()
        for quoted in CSS_URL.findall((site / "dsfr" / css).read_text(encoding="utf-8")):
            url = quoted.strip("'\"")
            if url.startswith(("data:", "#")):
                continue
            target = posixpath.normpath(posixpath.join(posixpath.dirname(css), url))
            if target.endswith(".css") and target not in referenced:
                pending.append(target)
            referenced.add(target)
    assert shipped == referenced
    assert "dsfr.min.css" not in shipped
    assert "favicon/favicon.svg" in shipped
    assert {name for name in shipped if name.startswith("fonts/")} == {"fonts/Marianne-Regular.woff2"}


def test_the_password_limits_in_the_output_are_the_api_policy(site: Path) -> None:
    module = (site / build_site.POLICY_MODULE).read_text(encoding="utf-8")
    assert f"export const PASSWORD_MIN_LENGTH = {MIN_LENGTH};" in module
    assert f"export const PASSWORD_MAX_LENGTH = {MAX_LENGTH};" in module
    rules = (site / "creation-compte.html").read_text(encoding="utf-8")
    assert (
        f'data-rule="length" data-fr-valid="validé" data-fr-error="en erreur">{MIN_LENGTH} caractères minimum<' in rules
    )
    faq = (site / "faq.html").read_text(encoding="utf-8")
    assert f"au moins {MIN_LENGTH} caractères" in faq
    assert f"limité à {MAX_LENGTH} caractères" in faq
    assert f"au moins {MIN_LENGTH} caractères" in (site / "cgu.html").read_text(encoding="utf-8")


def test_the_guessable_words_are_the_apis_and_load_only_on_use(site: Path) -> None:
    assert (site / build_site.WORDS_ASSET).read_bytes() == WORDS_FILE.read_bytes()
    module = (site / build_site.POLICY_MODULE).read_text(encoding="utf-8")
    assert f'export const GUESSABLE_WORDS_PATH = "{build_site.WORDS_ASSET}";' in module
    for name in ("creation-compte", "modification-mot-de-passe"):  # the two pages with a new password
        lazy: list[str] = []
        build_site.module_graph(f"js/pages/{name}.js", site, lazy)
        assert lazy == ["js/guessable.js"], name
        assert 'data-rule="guessable"' in (site / f"{name}.html").read_text(encoding="utf-8")
    # Neither preloaded nor referenced by any page: fetched by the script on the first use of the field.
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8").replace('data-rule="guessable"', "")
        assert "guessable" not in text, page.name


def test_the_sources_never_state_the_password_limits_themselves() -> None:
    limits = rf"(?:{MIN_LENGTH}|{MAX_LENGTH})"
    for path in build_site.SOURCE.rglob("*.html"):
        assert not re.search(rf"(?<!\d){limits}\s+caract", path.read_text(encoding="utf-8")), path
    for path in build_site.SOURCE.rglob("*.js"):  # no such number at all in the scripts
        assert not re.search(rf"(?<![\w.$]){limits}(?![\w.])", path.read_text(encoding="utf-8")), path


# --- Failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "old", "new", "where"),
    [
        ("pages/faq.html", "<h1>", "<h1>{{ faq_title }}", "static-site/pages/faq.html, ligne"),
        ("macros/forms.html", '"fr-password">', '"fr-password {{ variant }}">', "static-site/macros/forms.html, ligne"),
        ("layout.html", "<body>", "<body class={{ theme }}>", "static-site/layout.html, ligne"),
    ],
)
def test_an_undefined_variable_fails_the_build(
    source: Path, tmp_path: Path, template: str, old: str, new: str, where: str
) -> None:
    edit(source / template, old, new)
    message = fails(tmp_path / "out")
    assert where in message
    assert "is undefined" in message
    assert re.search(r"'(faq_title|variant|theme)'", message)


def test_a_template_syntax_error_fails_with_its_line(source: Path, tmp_path: Path) -> None:
    edit(source / "pages" / "cgu.html", "<h1>", "<h1>{% if %}")
    assert "static-site/pages/cgu.html, ligne 6" in fails(tmp_path / "out")


def test_a_missing_include_fails_the_build(source: Path, tmp_path: Path) -> None:
    edit(source / "layout.html", "partials/noscript.html", "partials/absent.html")
    assert "partials/absent.html" in fails(tmp_path / "out")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('{% set title = "Plan du site" %}', "{% set title = page_name %}", "« title » doit être une valeur littérale"),
        ('{% set title = "Plan du site" %}', "", "titre manquant"),
        ("{% set order = 10 %}", '{% set order = "dix" %}', "« order » doit être un entier"),
        ('{% extends "layout.html" %}', "", "la page doit étendre la mise en page"),
    ],
)
def test_page_metadata_must_be_literal_and_complete(
    source: Path, tmp_path: Path, old: str, new: str, expected: str
) -> None:
    edit(source / "pages" / "plan-du-site.html", old, new)
    assert expected in fails(tmp_path / "out")


def test_a_broken_link_fails_the_build(source: Path, tmp_path: Path) -> None:
    edit(source / "pages" / "faq.html", "<h1>", '<h1><a href="absente.html">lien</a>')
    assert "faq.html : lien cassé vers 'absente.html'" in fails(tmp_path / "out")


def test_a_missing_script_module_fails_the_build(source: Path, tmp_path: Path) -> None:
    edit(source / "js" / "pages" / "accueil.js", 'from "../dom.js";', 'from "../absent.js";')
    assert "module JS introuvable : js/absent.js (importé par js/pages/accueil.js)" in fails(tmp_path / "out")


def test_a_missing_module_loaded_on_use_fails_the_build(source: Path, tmp_path: Path) -> None:
    edit(source / "js" / "password.js", 'import("./guessable.js")', 'import("./absent.js")')
    assert "module JS introuvable : js/absent.js (importé par js/password.js)" in fails(tmp_path / "out")


def test_an_unknown_dsfr_component_fails_the_build(source: Path, tmp_path: Path) -> None:
    edit(source / "pages" / "faq.html", "{% set order = 11 %}", '{% set order = 11 %}\n{% set dsfr = ["carrousel"] %}')
    assert "composants DSFR inconnus : ['carrousel']" in fails(tmp_path / "out")


@pytest.mark.parametrize(
    ("page", "old", "new", "unstyled"),
    [
        # A class the page uses without the component's stylesheet (faq.html loads no table).
        ("pages/faq.html", "<h1>", '<h1 class="fr-table">', "fr-table"),
        # A class no DSFR stylesheet has at all.
        ("pages/cgu.html", "<h1>", '<h1 class="fr-titre-inconnu">', "fr-titre-inconnu"),
    ],
)
def test_a_dsfr_class_without_its_stylesheet_fails_the_build(
    source: Path, tmp_path: Path, page: str, old: str, new: str, unstyled: str
) -> None:
    edit(source / page, old, new)
    message = fails(tmp_path / "out")
    assert "classes DSFR sans feuille de style chargée" in message
    assert repr(unstyled) in message


def test_a_dsfr_class_used_by_a_script_needs_its_stylesheet_too(source: Path, tmp_path: Path) -> None:
    # accueil.html loads no form stylesheet, so its script must not reach the form helpers.
    edit(source / "js" / "pages" / "accueil.js", "import { goToLogin", 'import "../form.js";\nimport { goToLogin')
    message = fails(tmp_path / "out")
    assert "accueil.html : classes DSFR sans feuille de style chargée" in message
    assert "'fr-input-group--error'" in message


def test_the_generated_policy_module_must_not_be_in_the_sources(source: Path, tmp_path: Path) -> None:
    (source / build_site.POLICY_MODULE).write_text("export const PASSWORD_MIN_LENGTH = 1;\n", encoding="utf-8")
    assert "est généré par la build" in fails(tmp_path / "out")


def test_a_failed_build_leaves_the_previous_site_whole(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_site.build(out)
    before = sorted(path.relative_to(out) for path in out.rglob("*"))
    edit(source / "pages" / "faq.html", "<h1>", "<h1>{{ absent }}")
    fails(out)
    assert sorted(path.relative_to(out) for path in out.rglob("*")) == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["out", "static-site"]
    edit(source / "pages" / "faq.html", "<h1>{{ absent }}", "<h1>")
    build_site.build(out)  # and the next build replaces it


@pytest.mark.parametrize("folder", ["static-site/site", ".", "notes"])
def test_the_output_folder_is_never_the_sources_nor_a_foreign_folder(source: Path, tmp_path: Path, folder: str) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "todo.txt").write_text("à garder", encoding="utf-8")
    assert "dossier de sortie refusé" in fails(tmp_path / folder)
    assert (tmp_path / "notes" / "todo.txt").is_file()
