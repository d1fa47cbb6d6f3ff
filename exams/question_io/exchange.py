"""Import (the engine's pipeline: dry run, then one transaction; or the valid rows
only), the rejected rows to fix, export and the blank template."""

from __future__ import annotations

import io

from django.core.exceptions import PermissionDenied
from openpyxl import Workbook
from openpyxl.styles import Font

from audit.services import audit_record
from core import imports
from core.exports import safe_cell
from core.imports.workbook import XLSX_CONTENT_TYPE  # noqa: F401 (re-exported)

from ..access import can_edit_bank
from ..messages import MSG_NOT_ALLOWED
from ..models import QuestionStatus, QuestionType
from ..services.versions import new_question_status, versions_first
from .rows import (
    HEADINGS,
    QuestionRows,
    Report,
    format_blanks,
    format_rubric,
    point_paths,
)

TYPE_EXPORT = {
    QuestionType.SINGLE: "单选题",
    QuestionType.MULTIPLE: "多选题",
    QuestionType.TRUE_FALSE: "判断题",
    QuestionType.FILL_BLANK: "填空题",
    QuestionType.SHORT_ANSWER: "简答题",
    QuestionType.SCENARIO: "情景题",
}
STATUS_EXPORT = {
    QuestionStatus.DRAFT: "草稿",
    QuestionStatus.ACTIVE: "启用",
    QuestionStatus.RETIRED: "停用",
}


def _check_allowed(acting_user) -> None:
    """`acting_user=None` is the command line (an operator with shell access)."""
    if acting_user is not None and not can_edit_bank(acting_user):
        raise PermissionDenied(MSG_NOT_ALLOWED)


def refusal_report(exc, *, filename: str) -> Report:
    return imports.refusal_report(QuestionRows(), exc, filename=filename)


def row_message(error: dict) -> str:
    """A row message in the active language (reports keep the code and params)."""
    return QuestionRows().message(error)


class _Importing(QuestionRows):
    """The import as the bank's pages and command run it: new questions start as
    drafts when the city wants a review, and the write is audited."""

    def __init__(self, *, acting_user, request=None):
        super().__init__(acting_user=acting_user, new_status=None)
        if new_question_status() == QuestionStatus.DRAFT:
            self.new_status = QuestionStatus.DRAFT
        self.request = request

    def write(self, plan, report) -> None:
        super().write(plan, report)
        versions_first(questions=self.created, acting_user=self.acting_user, note="import")

    def audit(self, report) -> None:
        audit_record(
            action="exam.questions_imported",
            actor=self.acting_user,
            target_type="exams.question",
            request=self.request,
            data={
                "filename": report.filename,
                "sha256": report.sha256,
                "counts": report.counts,
                "valid_rows_only": report.skipped_invalid,
                "new_knowledge_points": report.new_points,
            },
        )


def questions_preview(
    *, acting_user, filename: str, file=None, data: bytes | None = None
) -> Report:
    """Dry run: check the file and every row. Writes nothing."""
    _check_allowed(acting_user)
    return imports.run_import(
        QuestionRows(acting_user=acting_user), filename=filename, file=file, data=data
    )


def questions_import(
    *,
    acting_user,
    filename: str,
    file=None,
    data: bytes | None = None,
    skip_invalid: bool = False,
    request=None,
) -> Report:
    """Check the file again against the current bank and, when no row has an error,
    write every new question (and knowledge point) in one transaction; duplicates are
    skipped. With errors nothing is written and the report says why - unless
    `skip_invalid`: then the valid rows are written and the rejected ones reported."""
    _check_allowed(acting_user)
    return imports.run_import(
        _Importing(acting_user=acting_user, request=request),
        filename=filename,
        file=file,
        data=data,
        dry_run=False,
        skip_invalid=skip_invalid,
    )


def questions_rejected_xlsx(*, data: bytes, report: Report | None = None) -> bytes:
    """The rows of a question file that have errors, bad cells highlighted and
    commented, to fix and upload again (errors of `report`, or of a fresh check)."""
    definition = QuestionRows()
    fresh, table, _data = imports.start(definition, filename="rejected", data=data)
    if table is None:
        return b""
    if report is None:
        imports.check(definition, table, fresh)
        report = fresh
    return definition.workbook(table, report.errors, rejected_only=True)


# --- export and template ---------------------------------------------------------------------


def format_answer(question) -> str:
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(question.answer or [])
    if question.type == QuestionType.TRUE_FALSE:
        return "正确" if (question.answer or [""])[0] == "A" else "错误"
    if question.type == QuestionType.FILL_BLANK:
        return format_blanks(question.answer or [])
    if question.rubric:
        return format_rubric(question.rubric)
    return question.reference_answer or ""


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
        "ABCDEFGHIJKLMN", (8, 50, 18, 18, 18, 18, 18, 18, 14, 30, 24, 6, 6, 6), strict=True
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
            float(question.points) if question.points is not None else "",
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
        "选择题写字母，如 A、ABD、A,C,D 或 A、C、D；判断题写 对/错、正确/错误、√/×；"
        "填空题每空一行，同一空的多个答案用 | 或 ； 分隔；简答题、情景题写评分要点，如 "
        "要点1(5分);要点2(5分)，或直接写参考答案（阅卷人可见，评分要点可不填）",
    ),
    ("解析", "可选"),
    ("知识点", "必填，层级用 / 分隔，如 政务服务规范/首问负责"),
    ("难度", "1-5，默认 3；也可写 易、较易、中、较难、难（简单、中等、困难）"),
    ("分值", "可选，本题分值，如 2 或 2.5；不填则由试卷规则决定"),
    ("状态", "草稿、启用或停用，默认启用；需审核时导入的试题均为草稿，审核后启用"),
    (
        "其他系统导出的题库",
        "表头可写 试题类型、题目、A-F、正确答案、答案解析、所属知识点、难易程度、分值 等；"
        "表头上方可有标题行；支持 xlsx、xls、ods 和 CSV（UTF-8 或 GBK）",
    ),
)


def template_xlsx() -> bytes:
    workbook = Workbook()
    _sheet_with_headings(workbook)
    notes = workbook.create_sheet("填写说明")
    for heading, note in TEMPLATE_NOTES:
        notes.append([f"【{heading}】", note])
    notes.column_dimensions["A"].width = 18
    notes.column_dimensions["B"].width = 100
    return _save(workbook)
