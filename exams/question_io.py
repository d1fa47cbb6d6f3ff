"""Question-bank exchange as xlsx, in the common Chinese layout.

Columns (found by name in the first rows; a title row above, extra columns, spaces and
full-width characters in the headings are all fine; a `*` or 必填 marker is ignored):

    题型 | 题干 | 选项A … 选项F | 答案 | 解析 | 知识点 | 难度 | 状态

Required columns: 题型, 题干, 答案, 知识点. The rest are optional.

- 题型: 单选(题) / 多选(题) / 判断(题) / 填空(题) / 简答(题) / 情景(题), 情景操作题, 实操(题).
- 答案, by type:
  - single / multiple choice: option letters: "ABD", "A,B,D", "A、B", full-width letters;
    a single choice has exactly one, a multiple choice at least two, each naming a
    filled option (options are consecutive from 选项A);
  - true / false: 对 / 错, 正确 / 错误, √ / ×, T / F (or A / B); stored as the options
    正确 / 错误 with key A (true) or B (false);
  - fill in the blank: one line per blank (Alt+Enter in Excel); on a line the accepted
    answers separated by | or ; (half- or full-width), e.g. "一网通办|一网通辦";
  - short answer and scenario task: the rubric, items separated by ; or line breaks,
    each ending in its points in brackets: "核验身份(5分);一次性告知(5分)". A scenario
    task needs at least one item; a short answer may leave 答案 empty.
- 解析: explanation. 知识点: a path "政务服务规范/首问负责" (/ or > between levels);
  missing points are created under their parents (knowledge point names are unique
  in the bank). 难度: 1-5 (易/较易/中/较难/难 also accepted), default 3.
  状态: 草稿 / 启用 / 停用 (draft / active / retired), default 启用.

Only .xlsx workbooks are accepted, decided by content (roster.reader's checks: size,
zip bomb, encrypted files); files are read with python-calamine.

Import is a dry run first (`questions_preview`: every row checked, nothing written),
then `questions_import` checks again against the current bank and writes everything in
one transaction, or nothing when any row has an error. A row whose stem and type equal
a question already in the bank (or an earlier row of the file) is reported as a
duplicate and skipped: an import never changes existing questions (a changed answer
key must go through `services.question_correct_key`, which re-scores attempts).

Export writes the same layout (every text cell through `core.exports.safe_cell`); an
exported file imports back to the same questions. A text that starts with a formula
character is exported with a leading apostrophe, which the import removes again.
"""

from __future__ import annotations

import hashlib
import io
import math
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from openpyxl import Workbook
from openpyxl.styles import Font

from audit.services import audit_record
from core.exports import FORMULA_PREFIXES, safe_cell
from core.text import clean_text
from roster import reader
from roster.services import (  # shared with the roster import; read_upload is re-exported
    MSG_REQUIRED,
    MSG_TOO_LONG,
    read_upload,
)

from .access import can_edit_bank
from .models import KnowledgePoint, Question, QuestionStatus, QuestionType

# --- fields and headings -------------------------------------------------------------------

F_TYPE = "type"
F_STEM = "stem"
F_ANSWER = "answer"
F_EXPLANATION = "explanation"
F_POINT = "knowledge_point"
F_DIFFICULTY = "difficulty"
F_STATUS = "status"
OPTION_LETTERS = "ABCDEF"
F_OPTIONS = tuple(f"option_{letter}" for letter in OPTION_LETTERS)
REQUIRED_FIELDS = (F_TYPE, F_STEM, F_ANSWER, F_POINT)

# The headings written by the export and the template (fixed Chinese: the exchange
# format), in column order.
HEADINGS = {
    F_TYPE: "题型",
    F_STEM: "题干",
    **{f"option_{letter}": f"选项{letter}" for letter in OPTION_LETTERS},
    F_ANSWER: "答案",
    F_EXPLANATION: "解析",
    F_POINT: "知识点",
    F_DIFFICULTY: "难度",
    F_STATUS: "状态",
}

FIELD_LABELS = {
    F_TYPE: _("Type"),
    F_STEM: _("Question"),
    F_ANSWER: _("Answer"),
    F_EXPLANATION: _("Explanation"),
    F_POINT: _("Knowledge point"),
    F_DIFFICULTY: _("Difficulty"),
    F_STATUS: _("Status"),
    "rubric": _("Rubric"),
    **{f"option_{letter}": _("Option %(letter)s") % {"letter": letter} for letter in "ABCDEF"},
}

_SYNONYMS: dict[str, tuple[str, ...]] = {
    F_TYPE: ("题型", "试题类型", "题目类型", "类型", "题类", "type", "questiontype"),
    F_STEM: ("题干", "题目", "试题", "题目内容", "试题内容", "问题", "stem", "question"),
    F_ANSWER: ("答案", "正确答案", "参考答案", "标准答案", "评分要点", "answer", "key"),
    F_EXPLANATION: ("解析", "答案解析", "试题解析", "题目解析", "explanation", "analysis"),
    F_POINT: ("知识点", "知识点路径", "考点", "所属知识点", "knowledgepoint", "topic"),
    F_DIFFICULTY: ("难度", "难度系数", "难度等级", "难易程度", "difficulty", "level"),
    F_STATUS: ("状态", "试题状态", "status"),
    **{
        f"option_{letter}": (f"选项{letter.lower()}", letter.lower(), f"option{letter.lower()}")
        for letter in OPTION_LETTERS
    },
}
_SYNONYM_TO_FIELD = {syn: f for f, syns in _SYNONYMS.items() for syn in syns}

TYPE_NAMES = {
    QuestionType.SINGLE: ("单选", "单选题", "单项选择", "单项选择题", "single"),
    QuestionType.MULTIPLE: ("多选", "多选题", "多项选择", "多项选择题", "multiple"),
    QuestionType.TRUE_FALSE: ("判断", "判断题", "是非题", "true_false", "truefalse"),
    QuestionType.FILL_BLANK: ("填空", "填空题", "fill_blank", "fillblank"),
    QuestionType.SHORT_ANSWER: ("简答", "简答题", "问答题", "short_answer", "shortanswer"),
    QuestionType.SCENARIO: (
        "情景",
        "情景题",
        "情景操作题",
        "情景模拟题",
        "实操",
        "实操题",
        "操作题",
        "scenario",
    ),
}
_TYPE_BY_NAME = {name: qtype for qtype, names in TYPE_NAMES.items() for name in names}
# What the export writes in 题型.
TYPE_EXPORT = {
    QuestionType.SINGLE: "单选题",
    QuestionType.MULTIPLE: "多选题",
    QuestionType.TRUE_FALSE: "判断题",
    QuestionType.FILL_BLANK: "填空题",
    QuestionType.SHORT_ANSWER: "简答题",
    QuestionType.SCENARIO: "情景题",
}
STATUS_NAMES = {
    QuestionStatus.DRAFT: ("草稿", "draft"),
    QuestionStatus.ACTIVE: ("启用", "正常", "有效", "active"),
    QuestionStatus.RETIRED: ("停用", "作废", "retired"),
}
_STATUS_BY_NAME = {name: status for status, names in STATUS_NAMES.items() for name in names}
STATUS_EXPORT = {status: names[0] for status, names in STATUS_NAMES.items()}
_DIFFICULTY_WORDS = {
    "易": 1,
    "容易": 1,
    "较易": 2,
    "中": 3,
    "中等": 3,
    "一般": 3,
    "较难": 4,
    "难": 5,
}

TRUE_WORDS = {"对", "正确", "√", "✓", "✔", "T", "TRUE", "Y", "是", "A"}
FALSE_WORDS = {"错", "错误", "×", "✗", "✘", "X", "F", "FALSE", "N", "否", "B"}
TRUE_FALSE_OPTIONS = ["正确", "错误"]

MAX_STEM = 2000
MAX_OPTION = 500
MAX_EXPLANATION = 5000
MAX_POINT_NAME = 100
HEADER_SEARCH_ROWS = 10

# --- messages (English msgids; the codes are stable for tests and the API) --------------

MSG_NOT_XLSX = _("Question banks are imported from Excel .xlsx workbooks only.")
MSG_NO_HEADER = _(
    "No header row was found in the first %(rows)s rows. The header needs the columns "
    "题型, 题干, 答案 and 知识点."
)
MSG_MISSING_COLUMNS = _("Required columns are missing: %(columns)s.")
MSG_NO_ROWS = _("The sheet has a header but no question rows.")
MSG_TOO_MANY_ROWS = _("The sheet has %(rows)s rows; at most %(limit)s can be imported at once.")
MSG_TYPE_UNKNOWN = _(
    "“%(value)s” is not a question type. Use 单选, 多选, 判断, 填空, 简答 or 情景."
)
MSG_OPTIONS_GAP = _("Options must be filled from A onwards without gaps.")
MSG_OPTIONS_FEW = _("A choice question needs at least two options.")
MSG_ANSWER_LETTERS = _("The answer “%(value)s” must be option letters such as A or ABD.")
MSG_ANSWER_EMPTY_OPTION = _("The answer names option %(letter)s, which is empty.")
MSG_SINGLE_ONE = _("A single-choice question has exactly one answer, not “%(value)s”.")
MSG_MULTIPLE_TWO = _("A multiple-choice question has at least two answers, not “%(value)s”.")
MSG_TRUE_FALSE = _("Write 对 or 错 (true or false), not “%(value)s”.")
MSG_RUBRIC = _(
    "Write each scoring point with its points in brackets, separated by semicolons: "
    "要点1(5分);要点2(5分). “%(value)s” has no points."
)
MSG_DIFFICULTY = _("Difficulty is a whole number from 1 to 5, not “%(value)s”.")
MSG_STATUS = _("Status is 草稿, 启用 or 停用, not “%(value)s”.")
MSG_POINT_CONFLICT = _(
    "The knowledge point “%(name)s” already exists under “%(parent)s”; write its full path."
)
MSG_DUPLICATE_BANK = _("The same question (type and text) is already in the bank; skipped.")
MSG_DUPLICATE_FILE = _("The same question (type and text) is on row %(row)s; skipped.")

MSG_NOT_ALLOWED = _("Only training coordinators and administrators can change the question bank.")
MSG_HAS_ERRORS = _("Some rows have errors; nothing was imported. Correct the file and upload it.")

REFUSAL_NOT_XLSX = "file_not_xlsx"
CODE_REQUIRED = "required"
CODE_TOO_LONG = "too_long"
CODE_TYPE_UNKNOWN = "type_unknown"
CODE_OPTIONS_GAP = "options_gap"
CODE_OPTIONS_FEW = "options_few"
CODE_ANSWER_LETTERS = "answer_letters"
CODE_ANSWER_EMPTY_OPTION = "answer_empty_option"
CODE_SINGLE_ONE = "single_one_answer"
CODE_MULTIPLE_TWO = "multiple_two_answers"
CODE_TRUE_FALSE = "true_false_value"
CODE_RUBRIC = "rubric_format"
CODE_DIFFICULTY = "difficulty"
CODE_STATUS = "status"
CODE_POINT_CONFLICT = "point_conflict"
CODE_DUPLICATE_BANK = "duplicate_in_bank"
CODE_DUPLICATE_FILE = "duplicate_in_file"

ROW_MESSAGES = {
    CODE_REQUIRED: MSG_REQUIRED,
    CODE_TOO_LONG: MSG_TOO_LONG,
    CODE_TYPE_UNKNOWN: MSG_TYPE_UNKNOWN,
    CODE_OPTIONS_GAP: MSG_OPTIONS_GAP,
    CODE_OPTIONS_FEW: MSG_OPTIONS_FEW,
    CODE_ANSWER_LETTERS: MSG_ANSWER_LETTERS,
    CODE_ANSWER_EMPTY_OPTION: MSG_ANSWER_EMPTY_OPTION,
    CODE_SINGLE_ONE: MSG_SINGLE_ONE,
    CODE_MULTIPLE_TWO: MSG_MULTIPLE_TWO,
    CODE_TRUE_FALSE: MSG_TRUE_FALSE,
    CODE_RUBRIC: MSG_RUBRIC,
    CODE_DIFFICULTY: MSG_DIFFICULTY,
    CODE_STATUS: MSG_STATUS,
    CODE_POINT_CONFLICT: MSG_POINT_CONFLICT,
    CODE_DUPLICATE_BANK: MSG_DUPLICATE_BANK,
    CODE_DUPLICATE_FILE: MSG_DUPLICATE_FILE,
}

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def max_rows() -> int:
    return int(getattr(settings, "QUESTION_IMPORT_MAX_ROWS", 20_000))


# --- cell values -----------------------------------------------------------------------------


def _unescape(text: str) -> str:
    """Undo the export's formula neutralisation ("'=..." back to "=...")."""
    if text.startswith("'") and text[1:].startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def cell_text(value: object) -> str:
    """One-line text of a cell (spaces trimmed, full-width ASCII made half-width)."""
    return _unescape(reader.to_text(value))


_SPACES = " \u3000\u00a0\u2002\u2003\u2009\u200b\ufeff\t\r\n"


def free_text(value: object) -> str:
    """Free text (stems, options, names): trimmed of every kind of space at both ends,
    otherwise kept as written (full-width Chinese punctuation stays)."""
    if value is None:
        return ""
    if not isinstance(value, str):
        return cell_text(value)
    return _unescape(unicodedata.normalize("NFC", value).strip(_SPACES))


def cell_multiline(value: object) -> str:
    """Free text that keeps its line breaks; each line trimmed."""
    if not isinstance(value, str):
        return free_text(value)
    lines = [line.strip(_SPACES) for line in value.replace("\r\n", "\n").split("\n")]
    return free_text("\n".join(lines))


_LETTER_SEPARATORS = re.compile(r"[\s,;、/|，；]+")
_RUBRIC_ITEM = re.compile(r"^(.*?)\s*[(（\[]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）\]]$")
_ALTERNATIVES = re.compile(r"\s*[|;｜；]\s*")
_HINT = re.compile(r"[(（][^)）]*[)）]")
_POINT_PATH = re.compile(r"\s*[/／>＞\\]\s*")


def parse_letters(text: str) -> list[str] | None:
    """Option letters of an answer cell, in order, or None if it has anything else."""
    compacted = _LETTER_SEPARATORS.sub("", clean_text(text)).upper()
    if not compacted or any(ch not in OPTION_LETTERS for ch in compacted):
        return None
    return sorted(set(compacted))


def parse_true_false(text: str) -> str | None:
    word = clean_text(text).upper()
    if word in TRUE_WORDS:
        return "A"
    if word in FALSE_WORDS:
        return "B"
    return None


def parse_blanks(value: object) -> list[list[str]]:
    """One blank per line; alternatives on a line separated by | or ;."""
    raw = value if isinstance(value, str) else cell_text(value)
    blanks = []
    for line in raw.replace("\r\n", "\n").split("\n"):
        accepted = [free_text(part) for part in _ALTERNATIVES.split(line)]
        accepted = [a for a in accepted if a]
        if accepted:
            blanks.append(accepted)
    return blanks


def format_blanks(blanks: list) -> str:
    return "\n".join("|".join(str(a) for a in accepted) for accepted in blanks)


def parse_rubric(value: object) -> tuple[list[dict], str | None]:
    """Rubric items [{"item", "points"}], and the first item without points, if any."""
    raw = value if isinstance(value, str) else cell_text(value)
    items = []
    for part in re.split(r"[;\n；]+", raw):
        text = free_text(part)
        if not text:
            continue
        match = _RUBRIC_ITEM.match(text)
        if not match or not match.group(1):
            return items, text
        points = match.group(2)
        items.append(
            {"item": match.group(1), "points": int(points) if "." not in points else float(points)}
        )
    return items, None


def format_rubric(rubric: list) -> str:
    return ";".join(f"{r.get('item', '')}({r.get('points', 0)}分)" for r in rubric)


def format_answer(question: Question) -> str:
    if question.type in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        return "".join(question.answer or [])
    if question.type == QuestionType.TRUE_FALSE:
        return "正确" if (question.answer or [""])[0] == "A" else "错误"
    if question.type == QuestionType.FILL_BLANK:
        return format_blanks(question.answer or [])
    return format_rubric(question.rubric or [])


def parse_difficulty(value: object) -> int | None:
    if value is None or value == "":
        return 3
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = value
    else:
        text = cell_text(value)
        if text in _DIFFICULTY_WORDS:
            return _DIFFICULTY_WORDS[text]
        try:
            number = float(text)
        except ValueError:
            return None
    if not math.isfinite(number) or number != int(number) or not 1 <= number <= 5:
        return None
    return int(number)


def point_paths() -> dict[int, str]:
    """Every knowledge point's full path "parent/child" (one query)."""
    rows = {
        pk: (name, parent)
        for pk, name, parent in KnowledgePoint.objects.values_list("pk", "name", "parent_id")
    }
    paths: dict[int, str] = {}

    def path(pk: int, seen=()) -> str:
        if pk in paths:
            return paths[pk]
        name, parent = rows[pk]
        result = name if parent is None or parent in seen else f"{path(parent, (*seen, pk))}/{name}"
        paths[pk] = result
        return result

    for pk in rows:
        path(pk)
    return paths


def check_content(
    *, qtype: str | None, options: list[str], answer, rubric=None
) -> tuple[dict, list[tuple[str, str, dict]]]:
    """The options, key and rubric of a question from what was written (an import row
    or the edit form: `options` without trailing blanks; `answer` the 答案 text; for
    short answers and scenario tasks the rubric comes from `rubric`, or from `answer`
    when it is None, as in the xlsx layout). Returns the values and the problems found
    as (field, code, params); the field is F_ANSWER, an option field or "rubric"."""
    values: dict = {"options": [], "answer": [], "rubric": []}
    problems: list[tuple[str, str, dict]] = []
    answer_text = cell_text(answer)
    required = (F_ANSWER, CODE_REQUIRED, {"field": F_ANSWER})
    if qtype in (QuestionType.SINGLE, QuestionType.MULTIPLE):
        values["options"] = options
        if "" in options:
            problems.append((F_OPTIONS[options.index("")], CODE_OPTIONS_GAP, {}))
        elif len(options) < 2:
            problems.append((F_OPTIONS[min(len(options), 1)], CODE_OPTIONS_FEW, {}))
        letters = parse_letters(answer_text) if answer_text else None
        if not answer_text:
            problems.append(required)
        elif letters is None:
            problems.append((F_ANSWER, CODE_ANSWER_LETTERS, {"value": answer_text}))
        else:
            empty = [
                ch
                for ch in letters
                if OPTION_LETTERS.index(ch) >= len(options) or not options[OPTION_LETTERS.index(ch)]
            ]
            if empty:
                problems.append((F_ANSWER, CODE_ANSWER_EMPTY_OPTION, {"letter": empty[0]}))
            elif qtype == QuestionType.SINGLE and len(letters) != 1:
                problems.append((F_ANSWER, CODE_SINGLE_ONE, {"value": answer_text}))
            elif qtype == QuestionType.MULTIPLE and len(letters) < 2:
                problems.append((F_ANSWER, CODE_MULTIPLE_TWO, {"value": answer_text}))
            values["answer"] = letters
    elif qtype == QuestionType.TRUE_FALSE:
        values["options"] = list(TRUE_FALSE_OPTIONS)
        key = parse_true_false(answer_text)
        if not answer_text:
            problems.append(required)
        elif key is None:
            problems.append((F_ANSWER, CODE_TRUE_FALSE, {"value": answer_text}))
        values["answer"] = [key] if key else []
    elif qtype == QuestionType.FILL_BLANK:
        values["answer"] = parse_blanks(answer)
        if not values["answer"]:
            problems.append(required)
    elif qtype in (QuestionType.SHORT_ANSWER, QuestionType.SCENARIO):
        field_name = F_ANSWER if rubric is None else "rubric"
        values["rubric"], bad_item = parse_rubric(answer if rubric is None else rubric)
        if bad_item is not None:
            problems.append((field_name, CODE_RUBRIC, {"value": bad_item[:50]}))
        elif qtype == QuestionType.SCENARIO and not values["rubric"]:
            problems.append((field_name, CODE_REQUIRED, {"field": field_name}))
    return values, problems


# --- reading the sheet -----------------------------------------------------------------------


@dataclass
class Sheet:
    sheet: str
    header_row: int
    headers: list[str]
    columns: dict[str, int]
    rows: list[tuple[int, list]]

    def value(self, cells: list, name: str):
        index = self.columns.get(name)
        if index is None or index >= len(cells):
            return None
        return cells[index]


def _header_fields(cells: list) -> dict[str, int]:
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if isinstance(cell, str):
            # "难度(1-5)", "答案（必填）": a bracketed hint after the name is ignored.
            name = _SYNONYM_TO_FIELD.get(reader.normalise_header(cell)) or _SYNONYM_TO_FIELD.get(
                reader.normalise_header(_HINT.sub("", cell))
            )
            if name and name not in found:
                found[name] = index
    return found


def _refuse(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


def read_sheet(data: bytes) -> Sheet:
    """The question table of an .xlsx workbook (the first sheet with a header row), or
    a refusal (ValidationError)."""
    if reader.detect_format(data) != reader.FORMAT_XLSX:
        raise _refuse(MSG_NOT_XLSX, REFUSAL_NOT_XLSX)
    workbook = reader.read_workbook(data)
    for name in workbook.sheet_names:
        grid = reader.sheet_grid(workbook, name)
        best: tuple[int, dict[str, int]] | None = None
        for index, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
            found = _header_fields(cells)
            if len(found) >= 2 and (best is None or len(found) > len(best[1])):
                best = (index, found)
        if best is None:
            continue
        header_index, columns = best
        missing = [f for f in REQUIRED_FIELDS if f not in columns]
        if missing:
            raise _refuse(
                MSG_MISSING_COLUMNS,
                reader.REFUSAL_MISSING_COLUMNS,
                columns="、".join(HEADINGS[f] for f in missing),
            )
        rows = [
            (index + 1, cells)
            for index, cells in enumerate(grid[header_index + 1 :], start=header_index + 1)
            if not reader.is_blank_row(cells)
        ]
        if not rows:
            raise _refuse(MSG_NO_ROWS, reader.REFUSAL_NO_ROWS)
        if len(rows) > max_rows():
            raise _refuse(
                MSG_TOO_MANY_ROWS, reader.REFUSAL_TOO_MANY_ROWS, rows=len(rows), limit=max_rows()
            )
        return Sheet(
            sheet=name,
            header_row=header_index + 1,
            headers=[clean_text(c) for c in grid[header_index]],
            columns=columns,
            rows=rows,
        )
    raise _refuse(MSG_NO_HEADER, reader.REFUSAL_NO_HEADER, rows=HEADER_SEARCH_ROWS)


# --- the report ------------------------------------------------------------------------------


@dataclass
class Report:
    """What an import found (and, once committed, did). JSON-serialisable."""

    filename: str = ""
    sha256: str = ""
    sheet: str = ""
    header_row: int = 0
    refused: dict | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    new: list[dict] = field(default_factory=list)
    new_points: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.errors

    def to_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def row_message(error: dict) -> str:
    """A row message in the active language (reports keep the code and params)."""
    message = ROW_MESSAGES.get(error.get("code"))
    if message is None:
        return error.get("message", "")
    params = dict(error.get("params") or {})
    if "field" in params:
        params["field"] = FIELD_LABELS.get(params["field"], params["field"])
    return str(message % params) if params else str(message)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class _Row:
    number: int
    type: str = ""
    stem: str = ""
    options: list[str] = field(default_factory=list)
    answer: list = field(default_factory=list)
    rubric: list = field(default_factory=list)
    explanation: str = ""
    point_path: list[str] = field(default_factory=list)
    difficulty: int = 3
    status: str = QuestionStatus.ACTIVE
    bad: bool = False


class _Points:
    """Knowledge points by name, and the paths the file would create."""

    def __init__(self):
        self.by_name = {
            name: (pk, parent)
            for pk, name, parent in KnowledgePoint.objects.values_list("pk", "name", "parent_id")
        }
        self.names = {pk: name for name, (pk, _parent) in self.by_name.items()}
        self.planned: dict[str, str | None] = {}  # new name -> parent name

    def check(self, path: list[str]) -> dict | None:
        """None if the path fits the tree (planning new points), else error params."""
        parent: str | None = None
        for name in path:
            if name in self.by_name:
                _pk, parent_pk = self.by_name[name]
                actual = self.names.get(parent_pk) if parent_pk else None
                if parent is not None and actual != parent:
                    return {"name": name, "parent": actual or "—"}
            elif name in self.planned:
                if parent is not None and self.planned[name] != parent:
                    return {"name": name, "parent": self.planned[name] or "—"}
            else:
                self.planned[name] = parent
            parent = name
        return None


def _analyse(sheet: Sheet, report: Report) -> list[_Row]:
    """Check every row against the file and the bank; reads only."""
    errors: list[dict] = []
    points = _Points()
    columns = sheet.columns

    def add(row: _Row, name: str, code: str, params: dict | None = None, *, skip: bool = False):
        row.bad = True
        column = columns.get(name)
        error = {
            "row": row.number,
            "column": _column_letter(column) if column is not None else "",
            "field": name,
            "code": code,
            "params": params or {},
        }
        error["message"] = row_message(error)
        (report.duplicates if skip else errors).append(error)

    rows: list[_Row] = []
    for number, cells in sheet.rows:
        row = _Row(number=number)
        rows.append(row)
        value = sheet.value
        type_text = cell_text(value(cells, F_TYPE))
        qtype = _TYPE_BY_NAME.get(type_text.replace(" ", "").lower())
        if not type_text:
            add(row, F_TYPE, CODE_REQUIRED, {"field": F_TYPE})
        elif qtype is None:
            add(row, F_TYPE, CODE_TYPE_UNKNOWN, {"value": type_text})
        row.type = qtype or ""
        row.stem = cell_multiline(value(cells, F_STEM))
        if not row.stem:
            add(row, F_STEM, CODE_REQUIRED, {"field": F_STEM})
        elif len(row.stem) > MAX_STEM:
            add(row, F_STEM, CODE_TOO_LONG, {"field": F_STEM, "limit": MAX_STEM})
        options = [cell_multiline(value(cells, name)) for name in F_OPTIONS]
        while options and not options[-1]:
            options.pop()
        for name, text in zip(F_OPTIONS, options, strict=False):
            if len(text) > MAX_OPTION:
                add(row, name, CODE_TOO_LONG, {"field": name, "limit": MAX_OPTION})
        content, problems = check_content(
            qtype=qtype, options=options, answer=value(cells, F_ANSWER)
        )
        row.options, row.answer, row.rubric = (
            content["options"],
            content["answer"],
            content["rubric"],
        )
        for name, code, params in problems:
            add(row, name, code, params)
        row.explanation = cell_multiline(value(cells, F_EXPLANATION))
        if len(row.explanation) > MAX_EXPLANATION:
            add(
                row,
                F_EXPLANATION,
                CODE_TOO_LONG,
                {"field": F_EXPLANATION, "limit": MAX_EXPLANATION},
            )
        path_text = free_text(value(cells, F_POINT))
        row.point_path = [free_text(p) for p in _POINT_PATH.split(path_text) if free_text(p)]
        if not row.point_path:
            add(row, F_POINT, CODE_REQUIRED, {"field": F_POINT})
        elif any(len(p) > MAX_POINT_NAME for p in row.point_path):
            add(row, F_POINT, CODE_TOO_LONG, {"field": F_POINT, "limit": MAX_POINT_NAME})
        else:
            conflict = points.check(row.point_path)
            if conflict:
                add(row, F_POINT, CODE_POINT_CONFLICT, conflict)
        raw_difficulty = value(cells, F_DIFFICULTY)
        difficulty = parse_difficulty(raw_difficulty)
        if difficulty is None:
            add(row, F_DIFFICULTY, CODE_DIFFICULTY, {"value": cell_text(raw_difficulty)})
        row.difficulty = difficulty or 3
        status_text = cell_text(value(cells, F_STATUS))
        if status_text:
            status = _STATUS_BY_NAME.get(status_text.lower())
            if status is None:
                add(row, F_STATUS, CODE_STATUS, {"value": status_text})
            row.status = status or QuestionStatus.ACTIVE

    # Duplicates: identical type and stem, in the bank or on an earlier row.
    good = [r for r in rows if not r.bad]
    existing = set(
        Question.objects.filter(stem__in=[r.stem for r in good]).values_list("type", "stem")
    )
    seen: dict[tuple[str, str], int] = {}
    fresh: list[_Row] = []
    for row in good:
        key = (row.type, row.stem)
        if key in existing:
            add(row, F_STEM, CODE_DUPLICATE_BANK, skip=True)
        elif key in seen:
            add(row, F_STEM, CODE_DUPLICATE_FILE, {"row": seen[key]}, skip=True)
        else:
            seen[key] = row.number
            fresh.append(row)
    errors.sort(key=lambda e: (e["row"], e["column"]))
    report.errors = errors
    report.new = [
        {
            "row": r.number,
            "type": r.type,
            "stem": r.stem[:80],
            "knowledge_point": "/".join(r.point_path),
            "difficulty": r.difficulty,
        }
        for r in fresh[:500]
    ]
    wanted = {name for r in fresh for name in r.point_path}
    report.new_points = [name for name in points.planned if name in wanted]
    report.counts = {
        "rows": len(rows),
        "new": len(fresh),
        "duplicates": len(report.duplicates),
        "errors": len(errors),
        "error_rows": len({e["row"] for e in errors}),
    }
    return fresh


def refusal_report(exc: ValidationError, *, filename: str) -> Report:
    return _refusal(exc, Report(filename=clean_text(filename)[:255]))


def _refusal(exc: ValidationError, report: Report) -> Report:
    error = exc.error_list[0]
    message = str(error.message % error.params) if error.params else str(error.message)
    report.refused = {"code": error.code, "message": message}
    report.counts = {"rows": 0, "new": 0, "duplicates": 0, "errors": 0, "error_rows": 0}
    return report


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


def report_errors_by_row(report: Report) -> dict[int, list[dict]]:
    by_row: dict[int, list[dict]] = defaultdict(list)
    for error in report.errors:
        by_row[error["row"]].append(error)
    return dict(by_row)
