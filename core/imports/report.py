"""The import report: what a dry run found and a commit did, by row and column.

A report is a dataclass that serialises to JSON (`to_dict` / `from_dict`); row
definitions subclass it with their own lists (new, updated, duplicates...). Row errors
are dicts with a stable `code` and `params`, so that their message can be shown again
in the reader's language (`RowDefinition.message`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class ImportReport:
    """What an import found (and, once committed, did). JSON-serialisable."""

    filename: str = ""
    sha256: str = ""
    format: str = ""
    sheet: str = ""
    sheet_names: list[str] = field(default_factory=list)
    header_row: int = 0
    refused: dict | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    committed: bool = False
    # Committed with the rows that had errors left out (the "import the valid rows"
    # choice); their rows are in `errors` and in the rejected-rows workbook.
    skipped_invalid: bool = False

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.errors

    @property
    def error_rows(self) -> int:
        return len({e["row"] for e in self.errors})

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: dict | None):
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


class RowErrors:
    """Collects row errors against a table: each names the row, the column (letter,
    index and heading as written), the field, a code, the message and its params."""

    def __init__(self, table, *, render, fallback_field: str | None = None):
        self.table = table
        self.render = render  # error dict -> message in the active language
        self.fallback_field = fallback_field
        self.errors: list[dict] = []
        self.bad_rows: set[int] = set()

    def add(
        self, row: int, field_name: str, code: str, params: dict | None = None, message=None
    ) -> dict:
        """Record an error. `message` (translatable, with `params`) is the fallback text
        when the definition has no message for the code."""
        columns = self.table.columns
        column = columns.get(field_name)
        if column is None and self.fallback_field:
            column = columns.get(self.fallback_field)
        error = {
            "row": row,
            "column": column_letter(column) if column is not None else "",
            "column_index": column,
            "header": self.table.headers[column]
            if column is not None and column < len(self.table.headers)
            else "",
            "field": field_name,
            "code": code,
            "params": {
                k: v if isinstance(v, int | float) and not isinstance(v, bool) else str(v)
                for k, v in (params or {}).items()
            },
        }
        if message is not None:
            try:
                error["message"] = str(message % params) if params else str(message)
            except (KeyError, TypeError, ValueError):
                error["message"] = str(message)
        error["message"] = self.render(error) or error.get("message", "")
        self.errors.append(error)
        self.bad_rows.add(row)
        return error

    def sorted(self) -> list[dict]:
        return sorted(
            self.errors,
            key=lambda e: (e["row"], e["column_index"] if e["column_index"] is not None else -1),
        )
