"""Helpers for spreadsheet and CSV exports."""

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Neutralise spreadsheet formula injection in a cell value.

    Text that a spreadsheet would read as a formula is prefixed with an apostrophe;
    numbers, dates and booleans pass through untouched.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value
