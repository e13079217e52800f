import re

import pytest

from cmi import messages
from cmi.domain.identity import (
    check_email,
    check_identifier,
    clean_name,
    display_email,
    is_emitter_code,
    mask_email,
    same_email,
)


def test_identifier_is_trimmed_and_upper_cased():
    assert check_identifier("  00001abc12  ") == "00001ABC12"


@pytest.mark.parametrize("raw", ["", "   "])
def test_empty_identifier_gets_the_manual_message(raw):
    with pytest.raises(ValueError, match=messages.IDENTIFIER_REQUIRED):
        check_identifier(raw)


@pytest.mark.parametrize("raw", ["00001", "0000117010600051234567", "00001-17", "00001 17", "0000é1234"])
def test_malformed_identifier_gets_the_format_message(raw):
    with pytest.raises(ValueError, match="code émetteur"):
        check_identifier(raw)


def test_identifier_of_the_manual_example_is_valid():
    assert check_identifier("000011701060005") == "000011701060005"
    assert check_identifier("00001" + "A" * 15) == "00001" + "A" * 15


def test_emitter_code_is_five_alphanumerics():
    assert is_emitter_code("00001")
    assert not is_emitter_code("0001")


@pytest.mark.parametrize("raw", ["", "  ", "pas-une-adresse", "a@b", "x" * 300 + "@exemple.fr"])
def test_invalid_email_gets_the_manual_message(raw):
    with pytest.raises(ValueError, match=re.escape(messages.EMAIL_REQUIRED_VALID)):
        check_email(raw)


def test_email_is_normalised_to_lower_case():
    assert check_email("  Camille.Martin@Exemple.FR ") == "camille.martin@exemple.fr"


def test_masked_email_keeps_neither_the_local_part_nor_the_full_address():
    masked = mask_email("camille.martin@exemple.fr")
    assert masked == "c***@exemple.fr"
    assert "camille.martin" not in masked


def test_an_internationalised_domain_is_kept_in_idna_and_shown_in_unicode():
    stored = check_email(" Elise@Mairie-Évry.FR ")
    assert stored == "elise@xn--mairie-vry-h7a.fr"
    assert check_email("elise@xn--mairie-vry-h7a.fr") == stored
    assert display_email(stored) == "elise@mairie-évry.fr"
    assert display_email("camille@exemple.fr") == "camille@exemple.fr"
    assert display_email("x@xn--zz") == "x@xn--zz"  # not valid IDNA: shown as stored


def test_an_address_typed_in_either_form_is_the_same():
    assert same_email("ELISE@mairie-évry.fr", "elise@xn--mairie-vry-h7a.fr")
    assert not same_email("elise@mairie-evry.fr", "elise@xn--mairie-vry-h7a.fr")
    assert not same_email("pas-une-adresse", "elise@xn--mairie-vry-h7a.fr")


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("  Jean   Pierre ", "Jean Pierre"), ("Le\u0301a", "Léa"), ("N'Diaye-Le Gall", "N'Diaye-Le Gall"), ("Zoë", "Zoë")],
)
def test_names_are_composed_and_their_spaces_collapsed(raw, clean):
    assert clean_name(raw) == clean


@pytest.mark.parametrize(
    "raw",
    ["Ad\u202eam", "Zo\u200be", "Zo\u200de", "\u2066Léa\u2069", "Léa\u00ad", "R2D2", "Léa!", "x" * 51, "Léa\x00"],
)
def test_names_with_invisible_or_foreign_characters_are_refused(raw):
    with pytest.raises(ValueError, match="format"):
        clean_name(raw)
