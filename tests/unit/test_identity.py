import re

import pytest

from cmi import messages
from cmi.domain.identity import check_email, check_identifier, is_emitter_code, mask_email


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
