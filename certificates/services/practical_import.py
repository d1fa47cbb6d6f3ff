"""Practical scores from a spreadsheet: the template and the import."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.text import clean_text, compact
from organisation.access import departments_managed_by
from organisation.models import Staff

from ..models import (
    Assessment,
    AssessmentStatus,
    SkillLevel,
)
from .assessments import assessment_create, assessment_record_practical
from .common import MSG_SCORE_RANGE, _score

# --- imports ---------------------------------------------------------------------------


@dataclass
class ImportRow:
    row: int
    staff_number: str
    name: str
    level: int | None
    score: Decimal | None
    assessment_id: int | None = None


@dataclass
class ImportResult:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


PRACTICAL_HEADERS = {
    "staff_number": ("工号", "人员编号", "工号/人员编号", "staff number"),
    "name": ("姓名", "name"),
    "level": ("等级", "级别", "level"),
    "score": ("实操成绩", "操作技能成绩", "操作技能考核成绩", "practical score", "score"),
}
MSG_IMPORT_UNREADABLE = _("The file cannot be read as a spreadsheet (xlsx, xls or ods).")
MSG_IMPORT_NO_HEADER = _("No header row with the columns 工号, 姓名, 等级 and 实操成绩 was found.")
MSG_IMPORT_UNKNOWN_STAFF = _("No staff member with this staff number in your units.")
MSG_IMPORT_NAME_MISMATCH = _("The name does not match the staff number.")
MSG_IMPORT_LEVEL = _("Unknown or not offered level.")
MSG_IMPORT_DUPLICATE = _("This person and level appear twice in the file.")


def practical_scores_template(*, acting_user) -> bytes:
    """An xlsx to fill in: the header row, then every open assessment in the user's
    units that still lacks a practical score (one row each, score left empty)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from core.exports import safe_cell

    wb = Workbook()
    ws = wb.active
    ws.title = "实操成绩"
    ws.append([names[0] for names in PRACTICAL_HEADERS.values()])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor="1F4E79")
    open_assessments = (
        Assessment.objects.filter(
            candidate__department__in=departments_managed_by(acting_user),
            status=AssessmentStatus.PENDING,
            practical_score__isnull=True,
        )
        .select_related("candidate", "level")
        .order_by("candidate__department__path", "candidate__staff_number")
    )
    for assessment in open_assessments.iterator(chunk_size=500):
        ws.append(
            [
                safe_cell(assessment.candidate.staff_number),
                safe_cell(assessment.candidate.name),
                safe_cell(assessment.level.name),
                None,
            ]
        )
    for column, width in zip("ABCD", (16, 12, 16, 12), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _norm_header(value) -> str:
    return compact(str(value or "")).lower()


def _parse_level(value, levels: dict[int, SkillLevel]) -> SkillLevel | None:
    text = compact(str(value or ""))
    if text.endswith(".0"):
        text = text[:-2]
    for level in levels.values():
        if text in {str(level.code), level.name} or (text and text in level.name.split("/")):
            return level
    return None


def practical_scores_import(*, file, acting_user=None, dry_run: bool = True) -> ImportResult:
    """Import practical scores (工号, 姓名, 等级, 实操成绩) from xlsx/xls/ods.

    Dry run first: every row is checked and errors are reported by row number; with
    `dry_run=False` and no errors, the scores are written in one transaction (each
    candidate's open assessment at that level, or a new one).
    """
    from python_calamine import CalamineWorkbook

    result = ImportResult()
    try:
        file.seek(0)
        rows = CalamineWorkbook.from_filelike(file).get_sheet_by_index(0).to_python()
    except Exception:
        result.errors.append((0, str(MSG_IMPORT_UNREADABLE)))
        return result
    header_index, columns = None, {}
    wanted = {key: {_norm_header(h) for h in names} for key, names in PRACTICAL_HEADERS.items()}
    for index, row in enumerate(rows[:10]):
        found = {}
        for col, cell in enumerate(row):
            for key, names in wanted.items():
                if _norm_header(cell) in names and key not in found:
                    found[key] = col
        if len(found) == len(wanted):
            header_index, columns = index, found
            break
    if header_index is None:
        result.errors.append((0, str(MSG_IMPORT_NO_HEADER)))
        return result

    levels = {lv.code: lv for lv in SkillLevel.objects.filter(is_offered=True)}
    visible = Staff.objects.all()
    if acting_user is not None:
        visible = Staff.objects.filter(department__in=departments_managed_by(acting_user))
    parsed: list[tuple[int, str, str, object, object]] = []
    for index, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        cells = [row[columns[k]] if columns[k] < len(row) else "" for k in PRACTICAL_HEADERS]
        if not any(compact(str(c or "")) for c in cells):
            continue
        staff_number = compact(str(cells[0] or ""))
        if staff_number.endswith(".0"):
            staff_number = staff_number[:-2]
        parsed.append((index, staff_number, clean_text(str(cells[1] or "")), cells[2], cells[3]))
    staff_by_number = {
        s.staff_number: s
        for s in visible.filter(staff_number__in=[p[1] for p in parsed]).select_related(
            "department"
        )
    }
    seen: set[tuple[str, int]] = set()
    valid: list[tuple[ImportRow, Staff, SkillLevel]] = []
    for index, staff_number, name, level_cell, score_cell in parsed:
        staff = staff_by_number.get(staff_number)
        level = _parse_level(level_cell, levels)
        problems = []
        if staff is None:
            problems.append(str(MSG_IMPORT_UNKNOWN_STAFF))
        elif name and name != staff.name:
            problems.append(str(MSG_IMPORT_NAME_MISMATCH))
        if level is None:
            problems.append(str(MSG_IMPORT_LEVEL))
        try:
            score = _score(score_cell)
        except ValidationError:
            score = None
            problems.append(str(MSG_SCORE_RANGE))
        if staff is not None and level is not None:
            if (staff_number, level.code) in seen:
                problems.append(str(MSG_IMPORT_DUPLICATE))
            seen.add((staff_number, level.code))
        import_row = ImportRow(index, staff_number, name, level.code if level else None, score)
        result.rows.append(import_row)
        for problem in problems:
            result.errors.append((index, problem))
        if not problems:
            valid.append((import_row, staff, level))
    if dry_run or result.errors:
        return result
    with transaction.atomic():
        for import_row, staff, level in valid:
            assessment = (
                Assessment.objects.filter(candidate=staff, level=level, certificate__isnull=True)
                .exclude(status=AssessmentStatus.FAILED)
                .order_by("-assessed_on", "-pk")
                .first()
            ) or assessment_create(candidate=staff, level=level, acting_user=acting_user)
            assessment_record_practical(
                assessment=assessment,
                score=import_row.score,
                source_label=gettext("Imported from spreadsheet"),
                acting_user=acting_user,
            )
            import_row.assessment_id = assessment.pk
        audit_record(
            action="assessment.practical_imported",
            actor=acting_user,
            data={"rows": len(valid)},
        )
    result.applied = True
    return result
