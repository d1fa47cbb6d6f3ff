"""Import (dry run, then one transaction), export and the blank template."""

from __future__ import annotations

import hashlib
import io

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from openpyxl import Workbook
from openpyxl.styles import Font

from audit.services import audit_record
from core.exports import safe_cell
from core.text import clean_text
from roster.services import read_upload  # shared with the roster import

from ..access import can_edit_bank
from ..messages import (
    MSG_NOT_ALLOWED,
)
from ..models import KnowledgePoint, Question, QuestionType
from .cells import (
    format_answer,
    point_paths,
)
from .fields import (
    HEADINGS,
    STATUS_EXPORT,
    TYPE_EXPORT,
)
from .sheet import (
    Report,
    _analyse,
    _refusal,
    _Row,
    read_sheet,
)


def _check_allowed(acting_user) -> None:
    """`acting_user=None` is the command line (an operator with shell access)."""
    if acting_user is not None and not can_edit_bank(acting_user):
        raise PermissionDenied(MSG_NOT_ALLOWED)


def _prepare(data: bytes | None, file, filename: str) -> tuple[Report, bytes | None]:
    report = Report(filename=clean_text(filename)[:255])
    try:
        data = data if data is not None else read_upload(file)
    except ValidationError as exc:
        return _refusal(exc, report), None
    report.sha256 = hashlib.sha256(data).hexdigest()
    return report, data


def questions_preview(
    *, acting_user, filename: str, file=None, data: bytes | None = None
) -> Report:
    """Dry run: check the file and every row. Writes nothing."""
    _check_allowed(acting_user)
    report, data = _prepare(data, file, filename)
    if data is None:
        return report
    try:
        sheet = read_sheet(data)
    except ValidationError as exc:
        return _refusal(exc, report)
    report.sheet, report.header_row = sheet.sheet, sheet.header_row
    _analyse(sheet, report)
    return report


def questions_import(
    *, acting_user, filename: str, file=None, data: bytes | None = None, request=None
) -> Report:
    """Check the file again against the current bank and, when no row has an error,
    write every new question (and knowledge point) in one transaction; duplicates are
    skipped. With errors nothing is written and the report says why."""
    _check_allowed(acting_user)
    report, data = _prepare(data, file, filename)
    if data is None:
        return report
    try:
        sheet = read_sheet(data)
    except ValidationError as exc:
        return _refusal(exc, report)
    report.sheet, report.header_row = sheet.sheet, sheet.header_row
    with transaction.atomic():
        fresh = _analyse(sheet, report)
        if not report.ok:
            return report
        point_ids = _ensure_points(fresh)
        Question.objects.bulk_create(
            [
                Question(
                    type=row.type,
                    stem=row.stem,
                    options=row.options,
                    answer=row.answer,
                    rubric=row.rubric,
                    explanation=row.explanation,
                    knowledge_point_id=point_ids[row.point_path[-1]],
                    difficulty=row.difficulty,
                    status=row.status,
                )
                for row in fresh
            ],
            batch_size=1000,
        )
        report.committed = True
        audit_record(
            action="exam.questions_imported",
            actor=acting_user,
            target_type="exams.question",
            request=request,
            data={
                "filename": report.filename,
                "sha256": report.sha256,
                "counts": report.counts,
                "new_knowledge_points": report.new_points,
            },
        )
    return report


def _ensure_points(rows: list[_Row]) -> dict[str, int]:
    ids = dict(KnowledgePoint.objects.values_list("name", "pk"))
    for row in rows:
        parent_id = None
        for name in row.point_path:
            if name not in ids:
                ids[name] = KnowledgePoint.objects.create(name=name, parent_id=parent_id).pk
            parent_id = ids[name]
    return ids


# --- export and template ---------------------------------------------------------------------


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_with_headings(workbook: Workbook):
    sheet = workbook.active
    sheet.title = "题库"
    sheet.append(list(HEADINGS.values()))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKLM", (8, 50, 18, 18, 18, 18, 18, 18, 14, 30, 24, 6, 6), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    return sheet


def questions_export_xlsx(*, questions) -> bytes:
    """The questions in the import layout; re-importing the file gives them back."""
    paths = point_paths()
    workbook = Workbook()
    sheet = _sheet_with_headings(workbook)
    for question in questions.iterator(chunk_size=2000):
        options = list(question.options or []) if question.type != QuestionType.TRUE_FALSE else []
        options = (options + [""] * 6)[:6]
        cells = [
            TYPE_EXPORT.get(question.type, question.type),
            question.stem,
            *options,
            format_answer(question),
            question.explanation,
            paths.get(question.knowledge_point_id, ""),
            question.difficulty,
            STATUS_EXPORT.get(question.status, question.status),
        ]
        sheet.append([safe_cell(c) if c != "" else None for c in cells])
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # text, never a formula
    return _save(workbook)


TEMPLATE_NOTES = (
    ("题型", "单选题、多选题、判断题、填空题、简答题、情景题（实操题）"),
    ("题干", "必填，至多 2000 字"),
    ("选项A-F", "选择题从 A 起连续填写，至少两项；判断题不填"),
    (
        "答案",
        "选择题写字母，如 A 或 ABD；判断题写 对/错；填空题每空一行，同一空的多个答案用 | 分隔；"
        "简答题、情景题写评分要点，如 要点1(5分);要点2(5分)",
    ),
    ("解析", "可选"),
    ("知识点", "必填，层级用 / 分隔，如 政务服务规范/首问负责"),
    ("难度", "1-5，默认 3"),
    ("状态", "草稿、启用或停用，默认启用"),
)


def template_xlsx() -> bytes:
    workbook = Workbook()
    _sheet_with_headings(workbook)
    notes = workbook.create_sheet("填写说明")
    for heading, note in TEMPLATE_NOTES:
        notes.append([f"【{heading}】", note])
    notes.column_dimensions["A"].width = 12
    notes.column_dimensions["B"].width = 100
    return _save(workbook)
