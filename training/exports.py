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
                _("Study hours"),
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
                float(row.hours),
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


def _when(moment) -> str:
    from django.utils import timezone

    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def attendance_xlsx(attendance) -> bytes:
    """The sign-in sheet of a class (selectors.AttendanceList) as a workbook: the class
    facts on top, then one row per expected person."""
    from .selectors import Attendance

    klass = attendance.training_class
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Sign-in sheet"))
    for label, value in (
        (_("Class"), klass.title),
        (_("Trainer"), klass.trainer_label),
        (_("Venue"), klass.venue),
        (_("Time"), f"{_when(klass.starts_at)} – {_when(klass.ends_at)[11:]}"),
        (_("Study hours"), float(klass.hours)),
    ):
        sheet.append([safe_cell(str(label)), safe_cell(value)])
    sheet.append([])
    sheet.append(
        [
            safe_cell(str(value))
            for value in [
                _("Name"),
                _("Staff number"),
                _("Unit"),
                _("Attendance"),
                _("Checked in at"),
                _("Checked out at"),
                _("Left early"),
                _("Minutes present"),
                _("Study hours credited"),
                _("Reason for the absence"),
            ]
        ]
    )
    fills = {
        Attendance.PRESENT: FILLS[Cell.DONE],
        Attendance.LATE: FILLS[Cell.IN_PROGRESS],
        Attendance.ABSENT: FILLS[Cell.OVERDUE],
        Attendance.EXCUSED: FILLS[Cell.LATE],
    }
    for row in attendance.rows:
        state = WriteOnlyCell(sheet, value=safe_cell(str(row.label)))
        if row.state in fills:
            state.fill = fills[row.state]
        a = row.attendance
        sheet.append(
            [
                safe_cell(row.staff.name),
                safe_cell(row.staff.staff_number),
                safe_cell(row.staff.department.name),
                state,
                _when(a.checked_in_at),
                _when(a.checked_out_at),
                safe_cell(str(_("yes"))) if row.left_early else "",
                round(a.seconds_present / 60),
                float(a.hours_credited),
                safe_cell(a.excuse_reason),
            ]
        )
    return _save(workbook)


def evaluation_xlsx(report) -> bytes:
    """The evaluation results (selectors.EvaluationReport): one sheet per grouping, a
    group's averages only from the minimum number of answers."""
    workbook = Workbook(write_only=True)
    header = [
        _("Group"),
        _("Answers"),
        *[q.text for q in report.questions],
        _("Overall"),
    ]
    for title, summaries in (
        (_("Classes"), report.by_class),
        (_("Weekly modules"), report.by_module),
        (_("Trainers"), report.by_trainer),
        (_("Units"), report.by_unit),
        (_("Months"), report.trend),
    ):
        sheet = workbook.create_sheet(title=str(title))
        sheet.append([safe_cell(str(value)) for value in header])
        for summary in summaries:
            averages = {q.pk: value for q, value in summary.averages}
            if summary.shown:
                cells = [
                    float(averages[q.pk]) if averages.get(q.pk) is not None else ""
                    for q in report.questions
                ]
                overall = float(summary.overall) if summary.overall is not None else ""
            else:
                hidden = str(_("fewer than %(n)s answers") % {"n": report.min_answers})
                cells = [safe_cell(hidden)] + [""] * (len(report.questions) - 1)
                overall = ""
            sheet.append([safe_cell(summary.label), summary.count, *cells, overall])
    return _save(workbook)
