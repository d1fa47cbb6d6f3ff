"""Reading an upload into a table: the sheet, its header row and the data rows.

Spreadsheets are read with python-calamine (xlsx, xls, ods); CSV in UTF-8 or GBK /
GB18030 with the delimiter sniffed. Merged cells are filled with their value. The
header row is searched in the first `HEADER_SEARCH_ROWS` rows (title rows above it are
fine) by the columns' names and synonyms, compared after `normalise_header`.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field

import python_calamine
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import clean_text

from .cells import is_blank_row
from .files import (
    FORMAT_CSV,
    MSG_EMPTY,
    MSG_ENCRYPTED,
    MSG_NOT_SPREADSHEET,
    MSG_UNREADABLE,
    REFUSAL_EMPTY,
    REFUSAL_ENCRYPTED,
    REFUSAL_MISSING_COLUMNS,
    REFUSAL_NO_HEADER,
    REFUSAL_NO_ROWS,
    REFUSAL_NOT_SPREADSHEET,
    REFUSAL_SHEET_MISSING,
    REFUSAL_TOO_MANY_ROWS,
    decode_text,
    detect_format,
    refuse,
)

HEADER_SEARCH_ROWS = 10

MSG_NO_HEADER = _(
    "No header row was found in the first %(rows)s rows. The header needs columns such "
    "as %(columns)s."
)
MSG_MISSING_COLUMNS = _("Required columns are missing: %(columns)s.")
MSG_NO_ROWS = _("The sheet has a header but no data rows.")
MSG_TOO_MANY_ROWS = _(
    "The sheet has %(rows)s rows; at most %(limit)s rows can be imported at once."
)
MSG_SHEET_MISSING = _("The workbook has no sheet named “%(sheet)s”. Its sheets are: %(sheets)s.")


@dataclass(frozen=True)
class Column:
    """One column a row definition reads: its field name, the heading written in
    templates and messages, the headings accepted, and whether the file must have it."""

    name: str
    heading: str
    synonyms: tuple[str, ...] = ()
    required: bool = False


# Markers people add to headings, removed before comparing.
_MARKERS = re.compile(r"必填|选填|可选|\(必填\)|\(选填\)")
_HINT = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")


def normalise_header(value: object) -> str:
    """A heading as compared: full-width made half-width (NFKC), lower case, with
    every space, punctuation mark and symbol removed ("Staff No." -> "staffno",
    "* 姓 名：" -> "姓名") and the markers 必填 / 选填 / 可选 dropped."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFKC", str(value)).lower()
    text = _MARKERS.sub("", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


def _hintless(value: str) -> str:
    """A heading without a bracketed hint: "难度(1-5)" -> "难度"."""
    return normalise_header(_HINT.sub("", unicodedata.normalize("NFKC", value)))


class HeaderMatcher:
    """Headings to field names, for a set of columns."""

    def __init__(self, columns: list[Column] | tuple[Column, ...]):
        self.columns = list(columns)
        self.by_heading: dict[str, str] = {}
        for column in self.columns:
            for heading in (column.heading, column.name, *column.synonyms):
                key = normalise_header(heading)
                if key:
                    self.by_heading.setdefault(key, column.name)

    def field(self, cell: object) -> str | None:
        if not isinstance(cell, str):
            return None
        return self.by_heading.get(normalise_header(cell)) or self.by_heading.get(_hintless(cell))

    def fields(self, cells: list) -> dict[str, int]:
        """Fields recognised in a row of header cells (the first column wins)."""
        found: dict[str, int] = {}
        for index, cell in enumerate(cells):
            name = self.field(cell)
            if name and name not in found:
                found[name] = index
        return found

    def find(self, grid: list[list]) -> tuple[int, dict[str, int]] | None:
        """The row (within HEADER_SEARCH_ROWS) that names the most fields, at least two
        (or the one field when only one column is defined)."""
        least = min(2, len(self.columns))
        best: tuple[int, dict[str, int]] | None = None
        for index, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
            found = self.fields(cells)
            if len(found) >= least and (best is None or len(found) > len(best[1])):
                best = (index, found)
        return best


@dataclass
class Table:
    """The chosen sheet: raw cell values with their positions in the original sheet."""

    format: str
    sheet: str
    sheet_names: list[str]
    header_row: int  # 1-based row number in the sheet
    headers: list[str]  # the header cells as written
    columns: dict[str, int]  # field -> 0-based column index
    rows: list[tuple[int, list]] = field(default_factory=list)  # (1-based row number, cells)
    grid: list[list] = field(default_factory=list)  # every row of the sheet, for reports

    def value(self, cells: list, field_name: str):
        index = self.columns.get(field_name)
        if index is None or index >= len(cells):
            return None
        return cells[index]

    def header(self, field_name: str) -> str:
        index = self.columns.get(field_name)
        return self.headers[index] if index is not None and index < len(self.headers) else ""


def read_workbook(data: bytes) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise refuse(MSG_ENCRYPTED, REFUSAL_ENCRYPTED) from None
    except Exception as exc:
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise refuse(MSG_ENCRYPTED, REFUSAL_ENCRYPTED) from None
        raise refuse(MSG_UNREADABLE, REFUSAL_NOT_SPREADSHEET) from None


def sheet_grid(workbook, name: str) -> list[list]:
    try:
        sheet = workbook.get_sheet_by_name(name)
        grid = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except python_calamine.PasswordError:
        raise refuse(MSG_ENCRYPTED, REFUSAL_ENCRYPTED) from None
    except Exception:
        raise refuse(MSG_UNREADABLE, REFUSAL_NOT_SPREADSHEET) from None
    _fill_merged(grid, merged)
    return grid


def _fill_merged(grid: list[list], merged) -> None:
    """Copy each merged range's value into every cell of the range (a unit name merged
    over several rows belongs to each of them)."""
    for (top, left), (bottom, right) in merged:
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(top, min(bottom, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value


def csv_grid(data: bytes) -> list[list]:
    text = decode_text(data)
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:
        raise refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET) from None


class _LazyGrids(dict):
    """Sheets read on first use: the default sheet choice stops at the first match."""

    def __init__(self, workbook):
        super().__init__()
        self._workbook = workbook

    def __missing__(self, name: str) -> list[list]:
        grid = sheet_grid(self._workbook, name)
        self[name] = grid
        return grid


def _labels(columns: list[Column], names) -> str:
    by_name = {c.name: c for c in columns}
    return "、".join(str(by_name[n].heading) for n in names)


def read_table(
    data: bytes,
    *,
    columns: list[Column] | tuple[Column, ...],
    max_rows: int,
    sheet: str | None = None,
) -> Table:
    """Detect, check and read the table of an upload, or raise a refusal
    (ValidationError with a REFUSAL_* code)."""
    columns = list(columns)
    matcher = HeaderMatcher(columns)
    fmt = detect_format(data)
    if fmt == FORMAT_CSV:
        sheet_names = ["csv"]
        grids: dict = {"csv": csv_grid(data)}
        candidates = ["csv"]  # a CSV file has one table; a sheet name does not apply
    else:
        workbook = read_workbook(data)
        sheet_names = list(workbook.sheet_names)
        if sheet:
            wanted = clean_text(sheet)
            if wanted not in sheet_names:
                raise refuse(
                    MSG_SHEET_MISSING,
                    REFUSAL_SHEET_MISSING,
                    sheet=wanted,
                    sheets="、".join(sheet_names),
                )
            candidates = [wanted]
        else:
            candidates = sheet_names
        grids = _LazyGrids(workbook)
    if all(all(is_blank_row(r) for r in grids[name]) for name in candidates):
        raise refuse(MSG_EMPTY, REFUSAL_EMPTY)
    required = [c.name for c in columns if c.required]
    for name in candidates:
        grid = grids[name]
        found = matcher.find(grid)
        if found is None:
            continue
        header_index, positions = found
        missing = [f for f in required if f not in positions]
        if missing:
            raise refuse(
                MSG_MISSING_COLUMNS, REFUSAL_MISSING_COLUMNS, columns=_labels(columns, missing)
            )
        rows = [
            (index + 1, cells)
            for index, cells in enumerate(grid[header_index + 1 :], start=header_index + 1)
            if not is_blank_row(cells)
        ]
        if not rows:
            raise refuse(MSG_NO_ROWS, REFUSAL_NO_ROWS)
        if len(rows) > max_rows:
            raise refuse(MSG_TOO_MANY_ROWS, REFUSAL_TOO_MANY_ROWS, rows=len(rows), limit=max_rows)
        return Table(
            format=fmt,
            sheet=name,
            sheet_names=sheet_names,
            header_row=header_index + 1,
            headers=[clean_text(c) for c in grid[header_index]],
            columns=positions,
            rows=rows,
            grid=grid,
        )
    raise refuse(
        MSG_NO_HEADER,
        REFUSAL_NO_HEADER,
        rows=HEADER_SEARCH_ROWS,
        columns=_labels(columns, required or [c.name for c in columns]),
    )


def refusal(exc: ValidationError) -> dict:
    """{"code", "message"} of a refusal, the message in the active language."""
    error = exc.error_list[0]
    message = str(error.message % error.params) if error.params else str(error.message)
    return {"code": error.code, "message": message}
