"""The error workbook: the uploaded sheet written back with every bad cell filled and
commented with its message, and a last column listing the row's messages.

`rejected_only=True` keeps the rows above the header and the rows with errors only:
the file to fix and upload again after importing the valid rows.

Columns named in `masked` are never written as they were uploaded: each data cell goes
through its mask (ID numbers: no download carries a full ID number). Every value goes
through `core.exports.safe_cell` (no formulas).
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from collections.abc import Callable

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill

from core.exports import safe_cell

from .cells import to_text

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BAD_FILL = PatternFill("solid", start_color="FFF4B6B6", end_color="FFF4B6B6")
_HEAD_FONT = Font(bold=True)


def _plain(value):
    if isinstance(value, datetime.timedelta | datetime.time):
        return str(value)
    if isinstance(value, str) and value == "":
        return None
    return value


def error_workbook(
    *,
    table,
    errors: list[dict],
    rejected_only: bool = False,
    masked: dict[int, Callable[[str], str]] | None = None,
    masked_note: str = "",
    author: str = "import",
) -> bytes:
    """The sheet with its bad cells highlighted and commented (see the module doc).
    `errors` carry `row`, `column_index` and `message` (in the reader's language);
    `masked` maps a 0-based column index to the function that masks its data cells;
    `masked_note` is the comment put on a masked cell of a row with errors (the person
    fixing the row must write the value again)."""
    masked = masked or {}
    by_cell: dict[tuple[int, int], list[str]] = defaultdict(list)
    by_row: dict[int, list[str]] = defaultdict(list)
    for error in errors:
        column = error.get("column_index")
        if column is not None:
            by_cell[(error["row"], column)].append(error["message"])
        by_row[error["row"]].append(error["message"])
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=(table.sheet or "Sheet1")[:31])
    width = max((len(r) for r in table.grid), default=0)
    for index, cells in enumerate(table.grid, start=1):
        is_data = index > table.header_row
        if rejected_only and is_data and index not in by_row:
            continue
        out = []
        for column in range(width):
            value = _plain(cells[column] if column < len(cells) else None)
            if is_data and column in masked and value is not None:
                value = masked[column](to_text(value)) or None
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            messages = by_cell.get((index, column))
            if not messages and masked_note and value and column in masked and index in by_row:
                cell.comment = Comment(masked_note, author)
            if messages:
                cell.fill = BAD_FILL
                cell.comment = Comment("\n".join(messages), author)
            out.append(cell)
        if index == table.header_row:
            head = WriteOnlyCell(sheet, value=_("Errors"))
            head.font = _HEAD_FONT
            out.append(head)
        elif by_row.get(index):
            out.append(WriteOnlyCell(sheet, value=safe_cell("；".join(by_row[index]))))
        sheet.append(out)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
