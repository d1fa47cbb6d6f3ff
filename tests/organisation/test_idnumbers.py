"""National ID numbers per GB 11643-1999."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from organisation.idnumbers import (
    MSG_LEGACY_15,
    check_char,
    make_id_number,
    mask_id_number,
    validate_id_number,
)

# The worked example of GB 11643-1999 (check character X).
STANDARD_EXAMPLE = "11010519491231002X"


def test_standard_example_is_valid():
    assert validate_id_number(STANDARD_EXAMPLE) == STANDARD_EXAMPLE


def test_check_character_of_the_standard_examples():
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"


def test_lower_case_x_is_accepted_and_upper_cased():
    assert validate_id_number("11010519491231002x") == STANDARD_EXAMPLE


def test_spaces_and_full_width_digits_are_normalised():
    assert validate_id_number(" １１０１０５１９４９１２３１００２Ｘ\u3000") == STANDARD_EXAMPLE


@pytest.mark.parametrize(
    "written",
    [
        "１１０１０５１９４９１２３１００２Ｘ",
        "１１０１０５１９４９１２３１００２x",
        "11010519491231002X\n",
    ],
)
def test_eighteen_characters_that_are_not_plain_ascii_are_still_normalised(written):
    """The fast path for well-formed numbers takes only plain ASCII ones."""
    assert validate_id_number(written) == STANDARD_EXAMPLE


def test_wrong_check_digit_is_rejected_with_the_expected_character():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("110105194912310021")
    assert exc.value.code == "id_check_digit"
    assert "X" in exc.value.messages[0]


@pytest.mark.parametrize("bad_date", ["19490230", "19491301", "20991231", "18991231"])
def test_impossible_or_future_birth_date_is_rejected(bad_date):
    first17 = f"110105{bad_date}002"
    number = first17 + check_char(first17)
    with pytest.raises(ValidationError) as exc:
        validate_id_number(number, today=datetime.date(2026, 11, 23))
    assert exc.value.code == "id_birth_date"


def test_legacy_15_digit_number_is_rejected_with_a_clear_message():
    with pytest.raises(ValidationError) as exc:
        validate_id_number("110105491231002")
    assert exc.value.code == "id_legacy_15"
    assert exc.value.messages == [str(MSG_LEGACY_15)]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("", "id_empty"),
        ("1101051949123100", "id_length"),
        ("11010519491231002Y", "id_characters"),
        ("1.10105194912310E+17", "id_length"),
    ],
)
def test_malformed_numbers_are_rejected(value, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(value)
    assert exc.value.code == code


def test_mask_shows_first_three_and_last_four():
    assert mask_id_number(STANDARD_EXAMPLE) == "110***********002X"


def test_made_numbers_validate():
    number = make_id_number("360102", datetime.date(1990, 5, 17), 123)
    assert validate_id_number(number) == number
