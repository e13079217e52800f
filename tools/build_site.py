"""Build the publishable static site into build/site/.

Every page is a fragment of static-site/pages/ with a small front-matter; the shared layout
(header, footer) is written once in static-site/layout.html. Only the DSFR files the pages
reference (stylesheets, then the fonts and icons those stylesheets reference) are copied from
node_modules/@gouvfr/dsfr/dist/ into build/site/dsfr/.

Front-matter keys (between two `---` lines):
    title   page title, before « - Portail Carte Mobilité Inclusion Organisme »
    script  ES module of the page, relative to the site root (optional)
    dsfr    DSFR components whose stylesheet the page needs, beside the layout's (optional)
    order   rank in the site map (optional)

Usage: python tools/build_site.py [--out DIR]
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "static-site"
DSFR_PACKAGE = ROOT / "node_modules" / "@gouvfr" / "dsfr"
DSFR_DIST = DSFR_PACKAGE / "dist"
DEFAULT_OUT = ROOT / "build" / "site"

SITE_NAME = "Portail Carte Mobilité Inclusion Organisme"
DSFR_PREFIX = "dsfr/"

# The login page must weigh at most 150 KB gzip and one Marianne face is 58 KB, so only the
# regular face ships; the browser synthesises bold from it.
FONT_FILES = frozenset({"Marianne-Regular.woff2"})

# DSFR classes that are JS hooks or markup conventions without a rule of their own.
UNSTYLED_DSFR_CLASSES = frozenset({"fr-footer__bottom-copy", "fr-footer__content-item"})

FRONT_MATTER = re.compile(r"\A---\n(?P<meta>.*?)\n---\n", re.DOTALL)
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
INCLUDE = re.compile(r"\{\{>\s*([\w-]+)\s*\}\}")
REFERENCE = re.compile(r"""\b(?:href|src)="([^"]*)\"""")
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")
FONT_FACE = re.compile(r"@font-face\{[^}]*\}")
WOFF2_URL = re.compile(r"url\(([^)]*?/fonts/([\w-]+\.woff2))\)")
JS_IMPORT = re.compile(r"""^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']""", re.MULTILINE)
CLASS_ATTR = re.compile(r'\bclass="([^"]*)"')
DSFR_CLASS = re.compile(r"(?<![\w-])fr-[a-z0-9]+(?:[_-]{1,2}[a-z0-9]+)*")
KNOWN_KEYS = frozenset({"title", "script", "dsfr", "order"})


class BuildError(Exception):
    """A problem the person running the build must fix; the message says how."""


@dataclass(frozen=True)
class Fragment:
    name: str
    meta: dict[str, str]
    body: str


@dataclass(frozen=True)
class Page:
    name: str
    title: str
    script: str | None
    components: tuple[str, ...]
    order: int
    body: str


def parse_fragment(path: Path) -> Fragment:
    text = path.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        raise BuildError(f"{path}: front-matter (---) manquant")
    meta: dict[str, str] = {}
    for raw in match["meta"].splitlines():
        if not raw.strip():
            continue
        key, sep, value = raw.partition(":")
        if not sep:
            raise BuildError(f"{path}: ligne de front-matter invalide : {raw!r}")
        meta[key.strip()] = value.strip()
    return Fragment(path.name, meta, text[match.end() :])


def load_page(path: Path) -> Page:
    fragment = parse_fragment(path)
    unknown = set(fragment.meta) - KNOWN_KEYS
    if unknown:
        raise BuildError(f"{path}: clés de front-matter inconnues : {sorted(unknown)}")
    if not fragment.meta.get("title"):
        raise BuildError(f"{path}: « title » manquant dans le front-matter")
    try:
        order = int(fragment.meta.get("order", "100"))
    except ValueError:
        raise BuildError(f"{path}: « order » doit être un entier") from None
    return Page(
        name=fragment.name,
        title=fragment.meta["title"],
        script=fragment.meta.get("script") or None,
        components=tuple(fragment.meta.get("dsfr", "").split()),
        order=order,
        body=fragment.body,
    )


def fill(template: str, values: dict[str, str], where: str) -> str:
    missing = set(PLACEHOLDER.findall(template)) - set(values)
    if missing:
        raise BuildError(f"{where}: pas de valeur pour {sorted(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match[1]], template)


def dsfr_component_order() -> dict[str, int]:
    """Rank of every component in DSFR's own bundle, so later rules win as DSFR intends."""
    bundle = (DSFR_DIST / "dsfr.min.css").read_text(encoding="utf-8")
    ranks: dict[str, int] = {}
    for css in (DSFR_DIST / "component").glob("*/*.min.css"):
        if css.name != f"{css.parent.name}.min.css":
            continue
        text = css.read_text(encoding="utf-8")
        first_rule = text[text.index("*/") + 2 :][:80]
        ranks[css.parent.name] = bundle.find(first_rule)
    return ranks


def stylesheets(components: list[str], ranks: dict[str, int], where: str) -> list[str]:
    unknown = [name for name in components if ranks.get(name, -1) < 0]
    if unknown:
        raise BuildError(f"{where}: composants DSFR inconnus : {unknown}")
    ordered = sorted(set(components), key=lambda name: ranks[name])
    return ["core/core.min.css", *(f"component/{name}/{name}.min.css" for name in ordered)]


def module_graph(entry: str) -> list[str]:
    """The page module and every module it imports, site-relative, imports first."""
    seen: list[str] = []

    def visit(module: str) -> None:
        if module in seen:
            return
        path = SOURCE / module
        if not path.is_file():
            raise BuildError(f"module JS introuvable : static-site/{module}")
        for target in JS_IMPORT.findall(path.read_text(encoding="utf-8")):
            if not target.startswith("."):
                raise BuildError(f"static-site/{module}: import non relatif {target!r}")
            resolved = PurePosixPath(module).parent / target
            visit(normalise(str(resolved)))
        seen.append(module)

    visit(entry)
    return seen


def normalise(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == "..":
            if not parts:
                raise BuildError(f"chemin hors du site : {path}")
            parts.pop()
        elif part not in {"", "."}:
            parts.append(part)
    return "/".join(parts)


def render_page(page: Page, layout: Fragment, pages: list[Page], ranks: dict[str, int]) -> str:
    components = [*layout.meta.get("dsfr", "").split(), *page.components]
    links = [f'<link rel="stylesheet" href="{DSFR_PREFIX}{css}">' for css in stylesheets(components, ranks, page.name)]
    scripts: list[str] = []
    if page.script:
        modules = module_graph(page.script)
        # Preload the imports so the browser fetches them in parallel, not one level at a time.
        scripts = [f'<link rel="modulepreload" href="{module}">' for module in modules[:-1]]
        scripts.append(f'<script type="module" src="{page.script}"></script>')
    noscript = (SOURCE / "partials" / "noscript.html").read_text(encoding="utf-8") if page.script else ""
    body = fill(include_partials(page.body, page.name), {"sitemap": site_map(pages)}, page.name)
    document = fill(
        layout.body,
        {
            "title": html.escape(f"{page.title} - {SITE_NAME}", quote=False),
            "styles": "\n".join(links),
            "scripts": "\n".join(scripts),
            "noscript": noscript.strip(),
            "content": body.strip(),
        },
        "layout.html",
    )
    # Links to the page itself tell assistive technologies where the person is.
    return re.sub(rf'(<a\b[^>]*\bhref="{re.escape(page.name)}")', r'\1 aria-current="page"', document)


def include_partials(text: str, where: str) -> str:
    """Replace `{{> name}}` with static-site/partials/name.html (markup shared by several pages)."""

    def partial(match: re.Match[str]) -> str:
        path = SOURCE / "partials" / f"{match[1]}.html"
        if not path.is_file():
            raise BuildError(f"{where}: partial introuvable : static-site/partials/{match[1]}.html")
        return path.read_text(encoding="utf-8").strip()

    return INCLUDE.sub(partial, text)


def site_map(pages: list[Page]) -> str:
    items = "\n".join(
        f'  <li><a href="{page.name}">{html.escape(page.title, quote=False)}</a></li>'
        for page in sorted(pages, key=lambda page: (page.order, page.name))
    )
    return f"<ul>\n{items}\n</ul>"


def copy_dsfr_file(relative: str, out: Path, copied: set[str]) -> None:
    """Copy one DSFR file and, for a stylesheet, the files its url()s reference."""
    relative = normalise(relative)
    if relative in copied:
        return
    source = DSFR_DIST / relative
    if not source.is_file():
        raise BuildError(f"fichier DSFR introuvable : {source}")
    copied.add(relative)
    target = out / "dsfr" / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if source.suffix != ".css":
        shutil.copyfile(source, target)
        return
    css = keep_shipped_fonts(source.read_text(encoding="utf-8"), relative)
    target.write_text(css, encoding="utf-8")
    for _, url in CSS_URL.findall(css):
        if url.startswith(("data:", "#")):
            continue
        copy_dsfr_file(str(PurePosixPath(relative).parent / url), out, copied)


def keep_shipped_fonts(css: str, where: str) -> str:
    """Drop the @font-face rules of unshipped faces and the .woff fallback of the others."""
    kept: set[str] = set()

    def rewrite(match: re.Match[str]) -> str:
        rule = match[0]
        woff2 = WOFF2_URL.search(rule)
        if not woff2 or woff2[2] not in FONT_FILES:
            return ""
        kept.add(woff2[2])
        start, end = rule.index("src:"), rule.index("}")
        src_end = rule.find(";", start)
        src_end = end if src_end < 0 else src_end
        return f'{rule[:start]}src:url({woff2[1]}) format("woff2"){rule[src_end:]}'

    result = FONT_FACE.sub(rewrite, css)
    if FONT_FACE.search(css) and kept != FONT_FILES:
        raise BuildError(f"{where}: @font-face introuvable pour {sorted(FONT_FILES - kept)}")
    return result


def check_references(name: str, document: str, out: Path) -> list[str]:
    """Local references of a page; fail on a broken one. Returns the DSFR ones."""
    dsfr: list[str] = []
    for reference in REFERENCE.findall(document):
        if reference.startswith(("https://", "http://", "mailto:", "tel:", "#")):
            continue
        path = reference.split("#", 1)[0].split("?", 1)[0]
        if path.startswith(DSFR_PREFIX):
            dsfr.append(path.removeprefix(DSFR_PREFIX))
        elif not (out / path).is_file():
            raise BuildError(f"{name}: lien cassé vers {reference!r}")
    return dsfr


def check_dsfr_classes(name: str, document: str, modules: list[str], out: Path) -> None:
    """Every DSFR class a page or its scripts use must be styled by a stylesheet it loads."""
    used: set[str] = set()
    for attribute in CLASS_ATTR.findall(document):
        used.update(token for token in attribute.split() if token.startswith("fr-"))
    for module in modules:
        used.update(DSFR_CLASS.findall((SOURCE / module).read_text(encoding="utf-8")))
    css = "\n".join(
        (out / "dsfr" / sheet.removeprefix(DSFR_PREFIX)).read_text(encoding="utf-8")
        for sheet in re.findall(r'<link rel="stylesheet" href="(dsfr/[^"]+)"', document)
    )
    unstyled = sorted(
        cls for cls in used - UNSTYLED_DSFR_CLASSES if not re.search(rf"\.{re.escape(cls)}(?![\w-])", css)
    )
    if unstyled:
        raise BuildError(
            f"{name}: classes DSFR sans feuille de style chargée : {unstyled} (ajoutez le composant à « dsfr: »)"
        )


def build(out: Path) -> list[Path]:
    if not DSFR_DIST.is_dir():
        raise BuildError(
            f"{DSFR_PACKAGE.relative_to(ROOT)} est absent : lancez « npm ci --ignore-scripts » "
            "à la racine du dépôt (run npm ci --ignore-scripts)."
        )
    layout = parse_fragment(SOURCE / "layout.html")
    pages = [load_page(path) for path in sorted((SOURCE / "pages").glob("*.html"))]
    if not pages:
        raise BuildError("aucune page dans static-site/pages/")
    ranks = dsfr_component_order()

    # The output is wiped: never the sources, nor a folder that is not a previous build.
    previous_build = not out.exists() or not any(out.iterdir()) or (out / "index.html").is_file()
    if out.is_relative_to(SOURCE) or SOURCE.is_relative_to(out) or not previous_build:
        raise BuildError(f"dossier de sortie refusé (il serait effacé) : {out}")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for folder in ("js", "css"):
        shutil.copytree(SOURCE / folder, out / folder)

    documents = {page.name: render_page(page, layout, pages, ranks) for page in pages}
    written: list[Path] = []
    for name, document in documents.items():
        target = out / name
        target.write_text(document, encoding="utf-8")
        written.append(target)

    copied: set[str] = set()
    for page in pages:
        document = documents[page.name]
        for reference in check_references(page.name, document, out):
            copy_dsfr_file(reference, out, copied)
        modules = module_graph(page.script) if page.script else []
        check_dsfr_classes(page.name, document, modules, out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (wiped first)")
    args = parser.parse_args(argv)
    out: Path = args.out.resolve()
    try:
        written = build(out)
    except BuildError as error:
        print(f"build_site: {error}", file=sys.stderr)
        return 1
    print(f"build_site: {len(written)} pages écrites dans {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
