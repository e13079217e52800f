import json
import random
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from argon2 import PasswordHasher as RawHasher
from argon2 import Type
from hypothesis import given, settings
from hypothesis import strategies as st

from cmi import messages
from cmi.domain import guessable
from cmi.domain.passwords import (
    MAX_LENGTH,
    Hasher,
    PersonalData,
    generate_temporary,
    policy_violations,
)
from tools import update_guessable_words

ROOT = Path(__file__).resolve().parents[2]
GUESSABLE_JS = ROOT / "static-site" / "js" / "guessable.js"

PERSON = PersonalData(identifier="000011701060005", first_name="Camille", last_name="Lefèvre")
GOOD = "Vélo-Rouge!42"


def test_a_password_meeting_every_rule_has_no_violation():
    assert policy_violations(GOOD, PERSON) == []


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab!defg", messages.PASSWORD_TOO_SHORT.format(min=8)),
        ("abcdefg!1", messages.PASSWORD_NO_UPPER),
        ("ABCDEFG!1", messages.PASSWORD_NO_LOWER),
        ("Abcdefgh1", messages.PASSWORD_NO_SPECIAL),
        ("Ab!" + "x" * (MAX_LENGTH - 2), messages.PASSWORD_TOO_LONG.format(max=MAX_LENGTH)),
    ],
)
def test_each_manual_rule_is_named(password, message):
    assert message in policy_violations(password, PERSON)


def test_all_unmet_rules_are_named_together():
    assert policy_violations("abc", PERSON) == [
        messages.PASSWORD_TOO_SHORT.format(min=8),
        messages.PASSWORD_NO_UPPER,
        messages.PASSWORD_NO_SPECIAL,
        messages.PASSWORD_GUESSABLE,  # a run of the alphabet
    ]


def test_exactly_eight_and_exactly_128_characters_are_accepted():
    assert policy_violations("Ab!defgh", PERSON) == []
    long = "Ab!" + "x" * (MAX_LENGTH - 3)
    assert len(long) == MAX_LENGTH
    assert policy_violations(long, PERSON) == []


def test_common_password_list_is_large_and_checked_case_insensitively():
    assert len(guessable.words()) >= 50_000
    assert {"password", "soleil", "marseille", "camille", "mdph"} <= guessable.words()
    assert messages.PASSWORD_GUESSABLE in policy_violations("P@ssw0rd", None)
    assert messages.PASSWORD_GUESSABLE in policy_violations("pASSWORD!", None)


def test_password_containing_the_identifier_is_refused_whatever_the_case():
    assert messages.PASSWORD_CONTAINS_IDENTIFIER in policy_violations("X!000011701060005y", PERSON)


@pytest.mark.parametrize("password", ["Camille!2024x", "LEFEVRE!2024x", "xLefèvre#99"])
def test_password_containing_a_name_is_refused_ignoring_case_and_accents(password):
    assert messages.PASSWORD_CONTAINS_NAME in policy_violations(password, PERSON)


def test_short_names_do_not_forbid_passwords():
    person = PersonalData(identifier="000011701060005", first_name="Li", last_name="Wu")
    assert policy_violations("Limonade!Wux", person) == []


def test_special_characters_include_space_and_unicode_punctuation():
    assert policy_violations("Vélo rouge", None) == []
    assert policy_violations("Vélorouge«", None) == []


def test_password_is_never_truncated_by_hashing():
    hasher = Hasher(19456, 2, 1)
    long = "Ab!" + "y" * 120
    stored = hasher.hash(long)
    assert hasher.verify(stored, long)
    assert not hasher.verify(stored, long[:-1])


def test_hash_is_argon2id_with_configured_parameters():
    stored = Hasher(19456, 2, 1).hash(GOOD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_verify_rejects_wrong_password_and_garbage_hash():
    hasher = Hasher(19456, 2, 1)
    assert not hasher.verify(hasher.hash(GOOD), GOOD + "x")
    assert not hasher.verify("not-a-hash", GOOD)


def test_hash_with_older_parameters_needs_rehash():
    old = RawHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID).hash(GOOD)
    hasher = Hasher(19456, 2, 1)
    assert hasher.verify(old, GOOD)
    assert hasher.needs_rehash(old)
    assert not hasher.needs_rehash(hasher.hash(GOOD))


def test_temporary_passwords_are_15_characters_and_satisfy_the_policy():
    rng = random.Random(7)
    seen = {generate_temporary(rng.choice) for _ in range(200)}
    assert len(seen) == 200
    for temporary in seen:
        assert len(temporary) == 15
        assert policy_violations(temporary, None) == []


# --- Guessable passwords (cmi.domain.guessable) ---------------------------------------------------

# Issue 13: each met the manual's rules and was accepted before.
GUESSABLE_EXAMPLES = ["Password1!", "Azerty123!", "Soleil2024!", "Marseille13!", "Mdph2024!", "Cmi2024!!", "Aaaaaaa!"]
STRONG = ["Tc7#qLm!x9Pv", "Trois-Chats-Roux-2031!", GOOD, "Mobilité-Inclusion!2026", "h0QMkk22045ZKB!i"]


@pytest.mark.parametrize("password", GUESSABLE_EXAMPLES)
def test_a_dressed_up_word_keyboard_run_or_repeat_is_refused_with_the_reason(password):
    assert policy_violations(password, PERSON) == [messages.PASSWORD_GUESSABLE]
    assert "trop courant ou trop facile à deviner" in messages.PASSWORD_GUESSABLE


@pytest.mark.parametrize("password", STRONG)
def test_strong_passwords_and_passphrases_of_common_words_are_accepted(password):
    # A passphrase is accepted: its core is several words, not one listed word.
    assert policy_violations(password, PERSON) == []


@pytest.mark.parametrize(
    ("password", "core"),
    [
        ("Password1!", "password"),  # the trailing 1 is a digit first, not necessarily an l
        ("$oleil2024!", "soleil"),  # a leading $ is read as s
        ("P@ssw0rd", "password"),
        ("M4rs3ill3!!", "marseille"),
        ("Mobilité2024", "mobilite"),
        ("2024-Cœur!", "coeur"),
        ("1Loveyou!", "iloveyou"),
        ("Illic1te!", "illicite"),  # "1" read both ways
        ("M1ll3-F3u1ll3s", "millefeuilles"),
    ],
)
def test_the_mutations_are_undone_in_one_of_the_candidate_cores(password, core):
    assert core in guessable.cores(password)


def test_the_tightest_core_comes_first_and_short_cores_are_not_candidates():
    assert guessable.cores("Password1!")[0] == "password"
    assert guessable.cores("Ab%2#%&9") == []  # "ab" is shorter than MIN_CORE, and % is no letter
    assert guessable.cores("Ab!12345") == ["abi", "abii", "abil"]  # ! and 1 next to it may be letters
    assert guessable.cores("12345678") == []


@pytest.mark.parametrize(
    "core", ["azerty", "qsdfgh", "ytreza", "qwerty", "abcdef", "fedcba", "wxcvbn", "aqwzsx", "zzz"]
)
def test_keyboard_runs_alphabet_runs_and_repeats_are_patterns(core):
    assert guessable.is_pattern(core)


@pytest.mark.parametrize("core", ["ab", "aze-", "azerty1", "soleil", "abd"])
def test_other_cores_are_not_patterns(core):
    assert not guessable.is_pattern(core)


def test_every_stored_word_is_its_own_core_and_none_is_short_or_a_pattern():
    for word in guessable.words():
        assert guessable.list_cores(word) == [word], word
        assert not guessable.is_pattern(word), word


def test_the_word_list_is_up_to_date_with_its_sources_and_the_reduction():
    assert update_guessable_words.main(["--check"]) == 0


def test_generated_temporary_passwords_are_never_guessable():
    rng = random.Random(13)
    for _ in range(2_000):
        assert not guessable.guessable(generate_temporary(rng.choice))


# Look-alikes people put for a letter (the inverse of guessable.LEET, with "1" for i and l).
DISGUISES = {"a": "@4", "e": "3€", "o": "0", "i": "1!", "l": "1|", "s": "$5", "t": "7"}
ACCENTS = {"a": "àâä", "e": "éèêë", "i": "îï", "o": "ôö", "u": "ùûü", "c": "ç"}
AFFIXES = ["", "1", "12", "123", "!", "!!", "?", "@", "#1", "1!", "2024", "1987", "2024!", "13!", "$", "_", "*7", "01"]


def mutate(word: str, pick: Callable[[Sequence[str]], str]) -> str:
    """`word` dressed up as people do: case, accents, look-alikes (at most guessable.MAX_EDGE), digits around.

    One letter at least stays a letter, and separators go only between two letters.
    """
    letters = [i for i, c in enumerate(word) if c.isalpha()]
    kept = int(pick([str(i) for i in letters])) if letters else -1
    disguised = 0
    out: list[str] = []
    for i, letter in enumerate(word):
        char = letter
        way = pick(["keep", "case", "accent", "disguise"]) if i != kept else pick(["keep", "case", "accent"])
        if way == "case" and len(letter.upper()) == 1 and letter.upper().lower() == letter:
            char = letter.upper()
        elif way == "accent" and letter in ACCENTS:
            char = pick(list(ACCENTS[letter]))
        elif way == "disguise" and letter in DISGUISES and disguised < guessable.MAX_EDGE:
            char, disguised = pick(list(DISGUISES[letter])), disguised + 1
        if out and out[-1][-1].isalpha() and char.isalpha():
            char = pick(["", "", "", "-", ".", " "]) + char
        out.append(char)
    return pick(AFFIXES) + "".join(out) + pick(AFFIXES)


LISTED = sorted(guessable.words())


@st.composite
def mutated_words(draw: st.DrawFn) -> tuple[str, str]:
    word = draw(st.sampled_from(LISTED))
    return word, mutate(word, lambda options: draw(st.sampled_from(options)))


@settings(max_examples=300, derandomize=True, database=None, deadline=None)
@given(mutated_words())
def test_any_mutation_of_a_listed_word_is_refused(case):
    word, password = case
    assert word in guessable.cores(password), password
    assert messages.PASSWORD_GUESSABLE in policy_violations(password, None), password


def agreement_sample(count: int = 2_000) -> list[str]:
    """Mutated listed words, random strings over scripts and symbols, temporary passwords, the examples."""
    rng = random.Random(2026)
    pool = (
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~«»€£§°"
        "àâäéèêëîïôöùûüçÀÂÉÈÊÎÔÙÇœŒæÆßẞİıǅﬁ²①Ａｚ"
        "αβγΔΣσςжЖ\u0301\u0327\u200b😀𝒜"
    )
    sample = [*GUESSABLE_EXAMPLES, *STRONG, "$oleil2024!", "P@ssw0rd", "", "!!!", "1111A1111b1111"]
    while len(sample) < count:
        kind = len(sample) % 4
        if kind < 2:
            sample.append(mutate(rng.choice(LISTED), rng.choice))
        elif kind == 2:
            sample.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 24))))
        else:
            sample.append(generate_temporary(rng.choice))
    return sample


NODE_HARNESS = """
import { readFileSync } from "node:fs";
import { cores, fold, guessable, isPattern, parseWords } from "./guessable.mjs";
const [wordsFile, sampleFile] = process.argv.slice(2);
const words = parseWords(readFileSync(wordsFile, "utf8"));
const sample = JSON.parse(readFileSync(sampleFile, "utf8"));
const out = sample.map((password) => ({
  fold: fold(password),
  cores: cores(password),
  patterns: cores(password).map(isPattern),
  guessable: guessable(password, words),
}));
process.stdout.write(JSON.stringify({ size: words.size, out }));
"""


def test_the_browser_port_agrees_with_the_api_on_2000_passwords(tmp_path):
    node = shutil.which("node")
    assert node, "node (Node 20, a prerequisite of the Makefile) runs static-site/js/guessable.js"
    # The module as the site serves it, under a name node loads as an ES module.
    shutil.copyfile(GUESSABLE_JS, tmp_path / "guessable.mjs")
    (tmp_path / "harness.mjs").write_text(NODE_HARNESS, encoding="utf-8")
    sample = agreement_sample()
    (tmp_path / "sample.json").write_text(json.dumps(sample), encoding="utf-8")
    run = subprocess.run(
        [node, str(tmp_path / "harness.mjs"), str(guessable.WORDS_FILE), str(tmp_path / "sample.json")],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(run.stdout)
    assert result["size"] == len(guessable.words())
    expected = [
        {
            "fold": guessable.fold(password),
            "cores": guessable.cores(password),
            "patterns": [guessable.is_pattern(core) for core in guessable.cores(password)],
            "guessable": guessable.guessable(password),
        }
        for password in sample
    ]
    disagreements = [(p, e, j) for p, e, j in zip(sample, expected, result["out"], strict=True) if e != j]
    assert disagreements == []
    refused = sum(item["guessable"] for item in expected)
    assert 600 <= refused <= 1_500  # the sample really mixes refused and accepted passwords
