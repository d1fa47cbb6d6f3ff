"""Resident identity card numbers (公民身份号码) per GB 11643-1999.

18 characters: a 6-digit address code, an 8-digit birth date (YYYYMMDD), a 3-digit
sequence code and a check character (0-9 or X) computed as ISO 7064 MOD 11-2.
"""

import datetime
import operator
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import compact

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")

MSG_EMPTY = _("The ID number is empty.")
MSG_LEGACY_15 = _(
    "This is an old 15-digit ID number; enter the person's current 18-character ID number."
)
MSG_LENGTH = _("An ID number has 18 characters; this one has %(length)d.")
MSG_CHARACTERS = _("An ID number is 17 digits followed by a digit or X.")
MSG_BIRTH_DATE = _("The birth date in the ID number (%(date)s) is not a valid date.")
MSG_CHECK_DIGIT = _("The ID number's check character is wrong: expected %(expected)s.")


def check_char(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError("check_char needs the first 17 characters")
    total = sum(map(operator.mul, map(int, first17), WEIGHTS))
    return CHECK_CHARS[total % 11]


def normalise_id_number(value: object) -> str:
    """Spaces removed, full-width converted, lower-case x upper-cased."""
    return compact(value).upper()


def validate_id_number(value: object, *, today: datetime.date | None = None) -> str:
    """Return the normalised ID number, or raise ValidationError with the reason."""
    # A well-formed number (most of an import) is already normalised.
    if isinstance(value, str) and len(value) == 18 and value.isascii() and _SHAPE.match(value):
        number = value
    else:
        number = normalise_id_number(value)
    if not number:
        raise ValidationError(MSG_EMPTY, code="id_empty")
    if len(number) == 15 and number.isdigit():
        raise ValidationError(MSG_LEGACY_15, code="id_legacy_15")
    if len(number) != 18:
        raise ValidationError(MSG_LENGTH, code="id_length", params={"length": len(number)})
    if number is not value and not _SHAPE.match(number):
        raise ValidationError(MSG_CHARACTERS, code="id_characters")
    birth = number[6:14]
    try:
        born = datetime.date(int(birth[:4]), int(birth[4:6]), int(birth[6:8]))
    except ValueError:
        born = None
    today = today or datetime.date.today()
    if born is None or born.year < 1900 or born > today:
        raise ValidationError(MSG_BIRTH_DATE, code="id_birth_date", params={"date": birth})
    expected = check_char(number[:17])
    if number[17] != expected:
        raise ValidationError(MSG_CHECK_DIGIT, code="id_check_digit", params={"expected": expected})
    return number


def mask_id_number(number: str) -> str:
    """110***********123X: the first three and last four characters only."""
    if not number:
        return ""
    if len(number) < 8:
        return "*" * len(number)
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def make_id_number(region: str, birth: datetime.date, sequence: int) -> str:
    """Build a valid number (demo data and tests). `sequence` is 0-999."""
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
