"""Practical scores from a spreadsheet: the template, and the import as a row
definition of the import engine (`core.imports`).

Columns 工号, 姓名, 等级, 实操成绩 (and their synonyms, found under title rows; the
upload gets the engine's checks: size, real type, zip bomb, encrypted file; xlsx, xls,
ods or CSV in UTF-8/GBK). Each row names a staff member of the uploader's units (by
staff number; the name, when given, must match), an offered level (its code, its name
or one of the names separated by "/") and a score from 0 to 100. The same person and
level twice in a file is an error on both rows. Writing records the score on the
candidate's open assessment at that level, or on a new one, through
`assessment_record_practical` (audited), all in one transaction; with errors nothing
is written unless the valid rows alone are asked for (`skip_invalid`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core import imports
from core.text import clean_text, compact
from organisation.access import departments_managed_by
from organisation.models import Staff

from ..models import Assessment, AssessmentStatus, SkillLevel
from .assessments import assessment_create, assessment_record_practical
from .common import MSG_SCORE_RANGE

F_STAFF_NUMBER = "staff_number"
F_NAME = "name"
F_LEVEL = "level"
F_SCORE = "score"

COLUMNS = (
    imports.Column(
        F_STAFF_NUMBER,
        "工号",
        ("人员编号", "工号/人员编号", "staff number", "staff no", "员工编号"),
        required=True,
    ),
    imports.Column(F_NAME, "姓名", ("name", "员工姓名"), required=True),
    imports.Column(F_LEVEL, "等级", ("级别", "技能等级", "level"), required=True),
    imports.Column(
        F_SCORE,
        "实操成绩",
        ("操作技能成绩", "操作技能考核成绩", "实操分数", "practical score", "score"),
        required=True,
    ),
)
FIELD_LABELS = {
    F_STAFF_NUMBER: _("Staff number"),
    F_NAME: _("Name"),
    F_LEVEL: _("Level"),
    F_SCORE: _("Practical score"),
}

CODE_UNKNOWN_STAFF = "unknown_staff"
CODE_NAME_MISMATCH = "name_mismatch"
CODE_LEVEL = "level"
CODE_SCORE = "score"
CODE_DUPLICATE = "duplicate"

MSG_IMPORT_UNKNOWN_STAFF = _("No staff member with this staff number in your units.")
MSG_IMPORT_NAME_MISMATCH = _("The name does not match the staff number.")
MSG_IMPORT_LEVEL = _("Unknown or not offered level.")
MSG_IMPORT_DUPLICATE = _("This person and level appear twice in the file.")

ROW_MESSAGES = {
    imports.CODE_REQUIRED: imports.MSG_REQUIRED,
    CODE_UNKNOWN_STAFF: MSG_IMPORT_UNKNOWN_STAFF,
    CODE_NAME_MISMATCH: MSG_IMPORT_NAME_MISMATCH,
    CODE_LEVEL: MSG_IMPORT_LEVEL,
    CODE_SCORE: MSG_SCORE_RANGE,
    CODE_DUPLICATE: MSG_IMPORT_DUPLICATE,
}


def max_rows() -> int:
    return int(getattr(settings, "PRACTICAL_IMPORT_MAX_ROWS", 20_000))


def parse_score(value) -> Decimal | None:
    """A score from 0 to 100 (one decimal), or None."""
    if value is None or isinstance(value, bool):
        return None
    try:
        score = Decimal(imports.to_text(value).removesuffix("分")).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        return None
    if not score.is_finite() or not Decimal(0) <= score <= Decimal(100):
        return None
    return score


def parse_level(value, levels: dict[int, SkillLevel]) -> SkillLevel | None:
    text = compact(imports.to_text(value))
    for level in levels.values():
        if text in {str(level.code), level.name} or (text and text in level.name.split("/")):
            return level
    return None


@dataclass
class Report(imports.ImportReport):
    """A practical-score import's report: the engine's, plus the rows to record."""

    rows: list[dict] = field(default_factory=list)


@dataclass
class _Valid:
    number: int
    staff: Staff
    level: SkillLevel
    score: Decimal


class PracticalRows(imports.RowDefinition):
    """Practical scores: one candidate and level a row (see the module doc)."""

    columns = COLUMNS
    report_class = Report
    messages = ROW_MESSAGES
    author = "practical scores"

    def __init__(self, *, acting_user=None):
        self.acting_user = acting_user

    def max_rows(self) -> int:
        return max_rows()

    def labels(self) -> dict:
        return FIELD_LABELS

    def valid_rows(self, plan: list[_Valid]) -> int:
        return len(plan)

    def check(self, table, report: Report, errors: imports.RowErrors) -> list[_Valid]:
        levels = {lv.code: lv for lv in SkillLevel.objects.filter(is_offered=True)}
        visible = Staff.objects.all()
        if self.acting_user is not None:
            visible = Staff.objects.filter(department__in=departments_managed_by(self.acting_user))
        value = table.value
        parsed = [
            (number, compact(imports.to_text(value(cells, F_STAFF_NUMBER))), cells)
            for number, cells in table.rows
        ]
        staff_by_number = {
            s.staff_number: s
            for s in visible.filter(staff_number__in=[p[1] for p in parsed if p[1]])
        }
        seen: dict[tuple[str, int], int] = {}
        plan: list[_Valid] = []
        for number, staff_number, cells in parsed:

            def add(name: str, code: str, params: dict | None = None, row: int = number) -> None:
                errors.add(row, name, code, params)

            name = clean_text(value(cells, F_NAME))
            staff = staff_by_number.get(staff_number)
            if not staff_number:
                add(F_STAFF_NUMBER, imports.CODE_REQUIRED, {"field": F_STAFF_NUMBER})
            elif staff is None:
                add(F_STAFF_NUMBER, CODE_UNKNOWN_STAFF)
            elif name and name != staff.name:
                add(F_NAME, CODE_NAME_MISMATCH)
            level = parse_level(value(cells, F_LEVEL), levels)
            if level is None:
                add(F_LEVEL, CODE_LEVEL)
            score = parse_score(value(cells, F_SCORE))
            if score is None:
                add(F_SCORE, CODE_SCORE)
            if staff is not None and level is not None:
                key = (staff_number, level.code)
                if key in seen:
                    add(F_STAFF_NUMBER, CODE_DUPLICATE)
                    errors.add(seen[key], F_STAFF_NUMBER, CODE_DUPLICATE)
                else:
                    seen[key] = number
            report.rows.append(
                {
                    "row": number,
                    "staff_number": staff_number,
                    "name": name,
                    "level": level.code if level else None,
                    "score": str(score) if score is not None else "",
                }
            )
            if number not in errors.bad_rows:
                plan.append(_Valid(number, staff, level, score))
        # A row named as a duplicate by a later one is not written either.
        plan = [v for v in plan if v.number not in errors.bad_rows]
        report.counts = {"rows": len(parsed), "valid": len(plan)}
        return plan

    def write(self, plan: list[_Valid], report: Report) -> None:
        for valid in plan:
            assessment = (
                Assessment.objects.filter(
                    candidate=valid.staff, level=valid.level, certificate__isnull=True
                )
                .exclude(status=AssessmentStatus.FAILED)
                .order_by("-assessed_on", "-pk")
                .first()
            ) or assessment_create(
                candidate=valid.staff, level=valid.level, acting_user=self.acting_user
            )
            assessment_record_practical(
                assessment=assessment,
                score=valid.score,
                source_label=gettext("Imported from spreadsheet"),
                acting_user=self.acting_user,
            )
        report.counts["written"] = len(plan)

    def audit(self, report: Report) -> None:
        audit_record(
            action="assessment.practical_imported",
            actor=self.acting_user,
            data={
                "filename": report.filename,
                "sha256": report.sha256,
                "rows": report.counts.get("written", 0),
                "rejected_rows": report.error_rows,
            },
        )


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
    ws.append([column.heading for column in COLUMNS])
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


def practical_scores_import(
    *,
    file=None,
    data: bytes | None = None,
    filename: str = "",
    acting_user=None,
    dry_run: bool = True,
    skip_invalid: bool = False,
) -> Report:
    """Check (and unless `dry_run`, write) a practical-score spreadsheet: the engine's
    report, by row and column. `acting_user=None` is the command line or demo data."""
    name = filename or getattr(file, "name", "") or "practical-scores"
    return imports.run_import(
        PracticalRows(acting_user=acting_user),
        filename=name,
        file=file,
        data=data,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
    )


def practical_scores_rejected_xlsx(*, data: bytes, acting_user=None) -> bytes:
    """The rows of a practical-score file that have errors, with the bad cells
    highlighted and commented: to fix and upload again."""
    definition = PracticalRows(acting_user=acting_user)
    report, table, _data = imports.start(definition, filename="rejected", data=data)
    if table is None:
        return b""
    imports.check(definition, table, report)
    return definition.workbook(table, report.errors, rejected_only=True)
