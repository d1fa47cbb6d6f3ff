"""xlsx exports: the completion matrix and the annual training record. Every cell
goes through core.exports.safe_cell."""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import PatternFill

from core.exports import safe_cell

from .selectors import AnnualRecord, Cell, CompletionMatrix

FILLS = {
    Cell.DONE: PatternFill("solid", fgColor="C6EFCE"),
    Cell.LATE: PatternFill("solid", fgColor="DDEBF7"),
    Cell.IN_PROGRESS: PatternFill("solid", fgColor="FFEB9C"),
    Cell.OVERDUE: PatternFill("solid", fgColor="FFC7CE"),
}


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def completion_matrix_xlsx(matrix: CompletionMatrix) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Completion"))
    sheet.append(
        [
            safe_cell(value)
            for value in [
                _("Name"),
                _("Staff number"),
                _("Unit"),
                *[_("Week %(week)s") % {"week": m.week} for m in matrix.modules],
                _("Completed"),
            ]
        ]
    )
    for row in matrix.rows:
        cells = []
        for state, label in row.cells:
            cell = WriteOnlyCell(sheet, value=safe_cell(str(label)))
            if state in FILLS:
                cell.fill = FILLS[state]
            cells.append(cell)
        sheet.append(
            [
                safe_cell(row.staff.name),
                safe_cell(row.staff.staff_number),
                safe_cell(row.staff.department.name),
                *cells,
                row.done,
            ]
        )
    return _save(workbook)


def annual_records_xlsx(records: list[AnnualRecord], *, year: int) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(year))
    sheet.append(
        [
            safe_cell(str(value))
            for value in [
                _("Name"),
                _("Staff number"),
                _("Unit"),
                _("Tracks"),
                _("Study hours"),
                _("Study-hour target"),
                _("Weekly modules completed"),
                _("Weekly modules due"),
                _("Monthly exam results"),
                _("Guidance plans"),
                _("Guidance plans closed"),
                _("Certificate"),
            ]
        ]
    )
    for r in records:
        sheet.append(
            [
                safe_cell(r.staff.name),
                safe_cell(r.staff.staff_number),
                safe_cell(r.staff.department.name),
                safe_cell(r.tracks),
                float(r.hours),
                float(r.target),
                r.modules_completed,
                r.modules_due,
                safe_cell(r.exams),
                r.plans,
                r.plans_closed,
                safe_cell(r.certificate),
            ]
        )
    return _save(workbook)
