"""Regenerate the list of guessable words shared by the API and the site.

One file, layers/common/cmi/data/guessable-words.txt: the API reads it (cmi.domain.guessable) and
tools/build_site.py publishes it for the pages' checklist (static-site/js/guessable.js). Every entry
of every source is reduced with cmi.domain.guessable.list_cores, the function that reduces a
password, so a source entry typed as a password (dressed up or not) finds itself.

Sources, all npm devDependencies of package.json installed by `npm ci` (exact versions in the
header of the file):
- @zxcvbn-ts/language-common, passwords.json: common passwords by frequency (MIT);
- @zxcvbn-ts/language-fr: commonWords.json (French words from OpenSubtitles 2024 via OPUS, ODC-BY:
  attribution kept in the header), the first names (in the package's lastnames.json: its
  firstnames.json holds family names, left out: the common ones are already in the other lists and
  the 8,000 others would add 22 KB gzip) and wordSequences.json (days, months…) (MIT);
- @etalab/decoupage-administratif: communes of at least CITY_POPULATION inhabitants, departments
  and regions (INSEE's Code officiel géographique and legal populations, Licence Ouverte; MIT);
- PORTAL_WORDS below: the portal's own vocabulary.
Entries shorter than MIN_CORE once reduced, and those the pattern rule refuses anyway (keyboard
runs, one repeated character), are left out.

Usage: python tools/update_guessable_words.py [--check] [--population N]
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYER = ROOT / "layers" / "common"
NODE_MODULES = ROOT / "node_modules"
if str(LAYER) not in sys.path:
    sys.path.insert(0, str(LAYER))

from cmi.domain.guessable import MIN_CORE, WORDS_FILE, is_pattern, list_cores  # noqa: E402

# Communes of at least this many inhabitants: the towns people are from or live in; below, the
# names are many (a few thousand more per halving) and rarely chosen.
CITY_POPULATION = 10_000

# Words of the portal and of its domain: what a person asked for a password on this site thinks of first.
PORTAL_WORDS = (
    "cmi",
    "cmio",
    "mdph",
    "mdpa",
    "cnsa",
    "ants",
    "portail",
    "organisme",
    "carte",
    "mobilite",
    "inclusion",
    "cartemobiliteinclusion",
    "stationnement",
    "invalidite",
    "priorite",
    "handicap",
    "handicape",
    "handicapee",
    "referent",
    "agent",
    "beneficiaire",
    "demandeur",
    "departement",
    "imprimerie",
    "imprimerienationale",
    "motdepasse",
    "identifiant",
    "connexion",
    "bienvenue",
)


@dataclass(frozen=True)
class Source:
    label: str  # for the header: package@version (licence) and what was taken
    entries: list[str]


def package_meta(name: str) -> dict[str, str]:
    meta: dict[str, str] = json.loads((NODE_MODULES / name / "package.json").read_text(encoding="utf-8"))
    return meta


def read_json(name: str, relative: str) -> object:
    return json.loads((NODE_MODULES / name / relative).read_text(encoding="utf-8"))


def strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SystemExit(f"{where}: a JSON list of strings was expected")
    return list(value)


def tag(name: str) -> str:
    meta = package_meta(name)
    return f"npm {meta['name']}@{meta['version']} ({meta['license']})"


def records(name: str, relative: str) -> list[dict[str, object]]:
    value = read_json(name, relative)
    if not isinstance(value, list) or not all(isinstance(item, dict) and "nom" in item for item in value):
        raise SystemExit(f"{name}/{relative}: a JSON list of objects with a « nom » was expected")
    return value


def sources(population: int) -> list[Source]:
    common, french, cities = "@zxcvbn-ts/language-common", "@zxcvbn-ts/language-fr", "@etalab/decoupage-administratif"
    sequences = read_json(french, "src/wordSequences.json")
    if not isinstance(sequences, dict):
        raise SystemExit(f"{french}/src/wordSequences.json: a JSON object was expected")
    communes = [
        str(commune["nom"])
        for commune in records(cities, "data/communes.json")
        if commune.get("type") == "commune-actuelle" and int(str(commune.get("population") or 0)) >= population
    ]
    places = [str(item["nom"]) for file in ("departements", "regions") for item in records(cities, f"data/{file}.json")]
    return [
        Source(
            f"common passwords: {tag(common)} passwords.json",
            strings(read_json(common, "src/passwords.json"), common),
        ),
        Source(
            f"French words: {tag(french)} commonWords.json, derived from OpenSubtitles 2024 via OPUS "
            "(https://opus.nlpl.eu/, Helsinki-NLP), ODC-BY",
            strings(read_json(french, "src/commonWords.json"), french),
        ),
        Source(
            f"French first names: {tag(french)} lastnames.json (the first names, despite its name)",
            strings(read_json(french, "src/lastnames.json"), french),
        ),
        Source(
            f"French days, months, numbers…: {tag(french)} wordSequences.json",
            [word for values in sequences.values() for word in strings(values, french)],
        ),
        Source(
            f"French communes of {population:,} inhabitants or more, departments and regions: {tag(cities)}, "
            "data INSEE (Code officiel géographique, populations légales), Licence Ouverte",
            communes + places,
        ),
        Source("the portal's own words: tools/update_guessable_words.py PORTAL_WORDS", list(PORTAL_WORDS)),
    ]


def reduce(entries: Iterable[str]) -> set[str]:
    """The stored forms of the entries: their cores, without the short ones and the patterns."""
    return {core for entry in entries for core in list_cores(entry) if not is_pattern(core)}


def render(population: int) -> tuple[str, list[str]]:
    """The file's text and one summary line per source."""
    all_cores: set[str] = set()
    summary: list[str] = []
    for source in sources(population):
        cores = reduce(source.entries)
        summary.append(f"# {len(source.entries):,} entries -> {len(cores):,} cores: {source.label}")
        all_cores |= cores
    body = sorted(all_cores)
    header = [
        "# Guessable words: a password whose core (cmi/domain/guessable.py) is one of these is refused.",
        "# Generated by tools/update_guessable_words.py: do not edit. One core per line, sorted.",
        f"# {len(body):,} cores (at least {MIN_CORE} characters, keyboard runs and repeats left out) from:",
        *summary,
    ]
    return "\n".join([*header, *body]) + "\n", summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the committed file is not up to date")
    parser.add_argument("--population", type=int, default=CITY_POPULATION, help="smallest commune kept")
    args = parser.parse_args(argv)
    text, summary = render(args.population)
    data = text.encode("utf-8")
    sizes = f"{len(data):,} bytes, {len(gzip.compress(data, 6)):,} gzip"
    if args.check:
        if WORDS_FILE.read_bytes() != data:
            print(f"{WORDS_FILE.relative_to(ROOT)} is not up to date: run tools/update_guessable_words.py")
            return 1
        print(f"{WORDS_FILE.relative_to(ROOT)} is up to date ({sizes})")
        return 0
    WORDS_FILE.write_bytes(data)
    print("\n".join(line.removeprefix("# ") for line in summary))
    print(f"wrote {WORDS_FILE.relative_to(ROOT)} ({sizes})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
