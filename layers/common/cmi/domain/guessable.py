"""Guessable passwords: the core a password reduces to once the usual mutations are undone.

People meet composition rules by dressing up one word: a capital, accents, digits, a year or a
symbol around it, letters swapped for look-alike digits (« $oleil2024! », « P@ssw0rd1 »). Cracking
tools try exactly those mutations of every word of their lists, so such a password is as weak as
its word. `cores` undoes the mutations and gives a few candidate cores (where the word starts and
ends is ambiguous when the digits around it can be letters too); the password is guessable when one
of them is a listed word (cmi/data/guessable-words.txt, built by tools/update_guessable_words.py
with `list_cores`), a keyboard or alphabet run, or one character repeated.

static-site/js/guessable.js is a port of this module for the browser: same tables, same steps, in
the same order. tests/unit/test_passwords.py runs both on the same passwords.
"""

from __future__ import annotations

import itertools
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Final

WORDS_FILE: Final = Path(__file__).parent.parent / "data" / "guessable-words.txt"

# Shorter cores are not checked: with 8 characters at least, a 2-letter core leaves 6 or more
# digits and symbols around it, more than the usual mutation rules add (a year and a symbol).
MIN_CORE: Final = 3
# Look-alike characters read as letters. "1" is either "i" or "l", see ONE.
LEET: Final = {"@": "a", "4": "a", "3": "e", "€": "e", "0": "o", "!": "i", "|": "l", "$": "s", "5": "s", "7": "t"}
ONE: Final = "1"
ONE_READINGS: Final = ("i", "l")
# Up to this many "1" are read every way (2**4 cores); beyond, all "i" then all "l".
ONE_COMBINATIONS: Final = 4
# At most this many look-alikes next to the first (last) letter may be the start (end) of the word.
MAX_EDGE: Final = 4
# Keyboard rows (AZERTY, QWERTY, QWERTZ, one row after the other), their columns, the alphabet:
# a core that is a run of one of them, either way, is refused.
SEQUENCES: Final = (
    "abcdefghijklmnopqrstuvwxyz",
    "azertyuiopqsdfghjklmwxcvbn",
    "qwertyuiopasdfghjklzxcvbnm",
    "qwertzuiopasdfghjklyxcvbnm",
    "aqwzsxedcrfvtgbyhnujikolpm",
    "qazwsxedcrfvtgbyhnujmikolp",
)
_RUNS: Final = tuple(sequence for forward in SEQUENCES for sequence in (forward, forward[::-1]))
# Ligatures that no decomposition splits, as people type them without the ligature.
_LIGATURES: Final = (("œ", "oe"), ("æ", "ae"))


def fold(text: str) -> str:
    """Lowercase, compatibility-decomposed, without accents or ligatures."""
    lowered = unicodedata.normalize("NFKD", text).lower()
    folded = "".join(c for c in lowered if unicodedata.category(c) != "Mn")
    for ligature, letters in _LIGATURES:
        folded = folded.replace(ligature, letters)
    return folded


def _is_letter(char: str) -> bool:
    return char.isalpha()


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


def _readings(text: str) -> list[str]:
    """`text` with its look-alikes read as letters and its separators dropped, every way "1" may be read."""
    chars: list[str] = []
    for char in text:
        if _is_letter(char) or char == ONE:
            chars.append(char)
        elif char in LEET:
            chars.append(LEET[char])
        elif _is_digit(char):
            chars.append(char)  # a digit that is no letter splits the word: kept
        # anything else (space, dash, dot, other symbols) separates parts of one word: dropped
    plain = "".join(chars)
    count = plain.count(ONE)
    if count == 0:
        return [plain]
    if count > ONE_COMBINATIONS:
        return [plain.replace(ONE, reading) for reading in ONE_READINGS]
    parts = plain.split(ONE)
    readings: list[str] = []
    for choice in itertools.product(ONE_READINGS, repeat=count):
        readings.append(parts[0] + "".join(letter + part for letter, part in zip(choice, parts[1:], strict=True)))
    return readings


def _is_lookalike(char: str) -> bool:
    return char in LEET or char == ONE


def _edges(folded: str) -> tuple[list[int], list[int]] | None:
    """Where the core may start and end: at the first (last) letter or up to MAX_EDGE look-alikes before (after)."""
    letters = [i for i, char in enumerate(folded) if _is_letter(char)]
    if not letters:
        return None
    first, last = letters[0], letters[-1]
    starts = [first]
    while len(starts) <= MAX_EDGE and starts[-1] > 0 and _is_lookalike(folded[starts[-1] - 1]):
        starts.append(starts[-1] - 1)
    ends = [last + 1]
    while len(ends) <= MAX_EDGE and ends[-1] < len(folded) and _is_lookalike(folded[ends[-1]]):
        ends.append(ends[-1] + 1)
    return starts, ends


def cores(password: str) -> list[str]:
    """The candidate cores of a password, without duplicates, the tightest first.

    The digits and symbols before the first letter and after the last are mutations and go; those
    next to the letters may also be letters in disguise (« $oleil »), so each possible start and end
    gives a candidate. Inside, look-alikes are read as letters and separators dropped.
    """
    folded = fold(password)
    edges = _edges(folded)
    if edges is None:
        return []
    found: dict[str, None] = {}
    for start, end in itertools.product(*edges):
        for reading in _readings(folded[start:end]):
            if len(reading) >= MIN_CORE:
                found[reading] = None
    return list(found)


def list_cores(entry: str) -> list[str]:
    """The forms a list entry is stored under: its tightest core(s), as `cores` reads a password."""
    folded = fold(entry)
    edges = _edges(folded)
    if edges is None:
        return []
    (start, *_), (end, *_) = edges
    return [reading for reading in _readings(folded[start:end]) if len(reading) >= MIN_CORE]


def is_pattern(core: str) -> bool:
    """One character repeated, or a run of the alphabet or of a keyboard row or column, either way."""
    if len(core) < MIN_CORE:
        return False
    return len(set(core)) == 1 or any(core in run for run in _RUNS)


@lru_cache(maxsize=1)
def words() -> frozenset[str]:
    """The listed cores (common passwords, French words, first names, cities, the portal's own words)."""
    lines = WORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def guessable(password: str, listed: frozenset[str] | None = None) -> bool:
    """Whether one of the password's cores is a listed word or a pattern."""
    listed = words() if listed is None else listed
    return any(core in listed or is_pattern(core) for core in cores(password))
