"""Cell values as people write them: text, yes/no, dates, blank rows."""

from __future__ import annotations

import datetime
import re

from core.text import clean_text

_TRUE = {"是", "y", "yes", "1", "√", "✓", "✔", "true", "t", "对"}
_FALSE = {"否", "n", "no", "0", "×", "✗", "✘", "x", "false", "f", "不是"}


def is_blank_row(cells: list) -> bool:
    # str.strip() removes every Unicode space; zero-width ones are stripped after.
    for c in cells:
        if c is None:
            continue
        if not isinstance(c, str) or c.strip().strip("\u200b\ufeff").strip():
            return False
    return True


def to_text(value: object) -> str:
    """A cell as text: whole numbers without the '.0' that spreadsheets add."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return clean_text(value)


def to_bool(value: object) -> bool | None:
    """是/否/Y/N/1/0/√/× to a boolean; None when blank or not understood."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {1: True, 0: False}.get(int(value)) if value in (0, 1) else None
    text = clean_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def to_date(value: object) -> datetime.date | None:
    """A date from an Excel date cell, an Excel serial number or text; None if not."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
        return None
    text = clean_text(value)
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None
