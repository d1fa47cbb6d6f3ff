"""xlsx exports of a session: results per counted attempt and the item analysis.

Every value goes through core.exports.safe_cell; headers follow the user's language;
the header row is frozen and columns have widths. No national ID numbers."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from core.exports import safe_cell

from .models import AttemptStatus, ExamSession
from .selectors import SessionAnalysis

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BOLD = Font(bold=True)


def _sheet(workbook: Workbook, title: str, headers: list[str], widths: list[int]):
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.append([safe_cell(str(h)) for h in headers])
    for cell in sheet[1]:
        cell.font = _BOLD
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    return sheet


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _local(value):
    return timezone.localtime(value).replace(tzinfo=None, microsecond=0) if value else None


def _passed(value) -> str:
    if value is None:
        return _("being graded")
    return _("passed") if value else _("not passed")


def results_xlsx(*, session: ExamSession, results: dict[int, dict]) -> bytes:
    """One row per person (the attempt that counts), a column per knowledge point."""
    points: dict[int, str] = {}
    for row in results.values():
        for kp, (name, _percent) in row["points"].items():
            points.setdefault(kp, name)
    point_ids = sorted(points, key=lambda kp: points[kp])
    headers = [
        _("Staff number"),
        _("Name"),
        _("Unit"),
        _("Score"),
        _("Maximum"),
        _("Percent"),
        *[f"{points[kp]} (%)" for kp in point_ids],
        _("Status"),
        _("Result"),
        _("Times the page was left"),
        _("Started"),
        _("Finished"),
    ]
    workbook = Workbook()
    sheet = _sheet(
        workbook,
        _("Results"),
        headers,
        [14, 12, 24, 9, 9, 9, *[14] * len(point_ids), 14, 10, 10, 18, 18],
    )
    rows = sorted(
        results.values(),
        key=lambda r: (r["attempt"].staff.department.path, r["attempt"].staff.staff_number),
    )
    for row in rows:
        attempt = row["attempt"]
        staff = attempt.staff
        sheet.append(
            [
                safe_cell(staff.staff_number),
                safe_cell(staff.name),
                safe_cell(staff.department.name),
                float(attempt.score) if attempt.score is not None else None,
                float(attempt.max_score),
                float(attempt.percent) if attempt.percent is not None else None,
                *[row["points"][kp][1] if kp in row["points"] else None for kp in point_ids],
                safe_cell(str(AttemptStatus(attempt.status).label)),
                safe_cell(_passed(attempt.passed)),
                attempt.leave_count,
                _local(attempt.started_at),
                _local(attempt.finished_at),
            ]
        )
    for row_cells in sheet.iter_rows(min_row=2, min_col=len(headers) - 1):
        for cell in row_cells:
            cell.number_format = "yyyy-mm-dd hh:mm:ss"
    return _save(workbook)


def _flag(name: str) -> str:
    labels = {
        "too_easy": _("too easy"),
        "too_hard": _("too hard"),
        "negative_discrimination": _("negative discrimination"),
    }
    return labels.get(name, name)


def analysis_xlsx(*, session: ExamSession, analysis: SessionAnalysis) -> bytes:
    """One row per question: facility, discrimination, option counts, flags; KR-20 and
    the summary below a blank row."""
    headers = [
        _("Question"),
        _("Knowledge point"),
        _("Answers"),
        _("Facility"),
        _("Discrimination"),
        _("Options chosen"),
        _("Flags"),
    ]
    workbook = Workbook()
    sheet = _sheet(workbook, _("Item analysis"), headers, [50, 20, 9, 10, 14, 28, 24])
    for item in analysis.items:
        sheet.append(
            [
                safe_cell(item.stem),
                safe_cell(item.knowledge_point),
                item.n,
                item.facility,
                item.discrimination,
                safe_cell(" ".join(f"{k}:{v}" for k, v in item.option_counts.items())),
                safe_cell(", ".join(_flag(f) for f in item.flags)),
            ]
        )
    sheet.append([])
    sheet.append([safe_cell(_("reliability (KR-20)")), analysis.kr20])
    sheet.append([safe_cell(_("Handed in")), analysis.attempts])
    sheet.append([safe_cell(_("mean score")), analysis.mean])
    sheet.append([safe_cell(_("pass rate")), analysis.pass_rate])
    return _save(workbook)
