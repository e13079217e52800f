import random

import pytest
from argon2 import PasswordHasher as RawHasher
from argon2 import Type

from cmi import messages
from cmi.domain.passwords import (
    MAX_LENGTH,
    Hasher,
    PersonalData,
    common_passwords,
    generate_temporary,
    policy_violations,
)

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
    ]


def test_exactly_eight_and_exactly_128_characters_are_accepted():
    assert policy_violations("Ab!defgh", PERSON) == []
    long = "Ab!" + "x" * (MAX_LENGTH - 3)
    assert len(long) == MAX_LENGTH
    assert policy_violations(long, PERSON) == []


def test_common_password_list_is_large_and_checked_case_insensitively():
    assert len(common_passwords()) >= 10_000
    assert "p@ssw0rd" in common_passwords()
    assert messages.PASSWORD_COMMON in policy_violations("P@ssw0rd", None)


def test_password_containing_the_identifier_is_refused_whatever_the_case():
    assert messages.PASSWORD_CONTAINS_IDENTIFIER in policy_violations("X!000011701060005y", PERSON)


@pytest.mark.parametrize("password", ["Camille!2024x", "LEFEVRE!2024x", "xLefèvre#99"])
def test_password_containing_a_name_is_refused_ignoring_case_and_accents(password):
    assert messages.PASSWORD_CONTAINS_NAME in policy_violations(password, PERSON)


def test_short_names_do_not_forbid_passwords():
    person = PersonalData(identifier="000011701060005", first_name="Li", last_name="Wu")
    assert policy_violations("Limonade!Wux", person) == []


def test_special_characters_include_space_and_unicode_punctuation():
    assert policy_violations("Abcdefg h", None) == []
    assert policy_violations("Abcdefgh«", None) == []


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
