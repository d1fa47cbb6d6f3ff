"""The question bank as a row definition of the import engine (`core.imports`).

Columns (found by name in the first rows; a title row above, extra columns, spaces,
punctuation and full-width characters in the headings are all fine; a `*` or 必填
marker and a bracketed hint such as "难度(1-5)" are ignored). The headings other exam
systems write are recognised: 试题类型, 题目, A-F, 正确答案, 答案解析, 所属知识点,
难易程度, 分值.

    题型 | 题干 | 选项A … 选项F | 答案 | 解析 | 知识点 | 难度 | 分值 | 状态

Required columns: 题型, 题干, 答案, 知识点. The rest are optional.

- 题型: 单选(题) / 多选(题) / 判断(题) / 填空(题) / 简答(题) / 情景(题), 情景操作题, 实操(题).
- 答案, by type:
  - single / multiple choice: option letters: "ACD", "A,C,D", "A、C、D", full-width
    letters; a single choice has exactly one, a multiple choice at least two, each
    naming a filled option (options are consecutive from 选项A);
  - true / false: 对 / 错, 正确 / 错误, √ / ×, T / F (or A / B); stored as the options
    正确 / 错误 with key A (true) or B (false);
  - fill in the blank: one line per blank (Alt+Enter in Excel); on a line the accepted
    answers separated by | or ; (half- or full-width), e.g. "一网通办|一网通辦";
  - short answer and scenario task: either a rubric, items separated by ; or line
    breaks, each ending in its points in brackets ("核验身份(5分);一次性告知(5分)"),
    or else a reference answer in free text, which graders see. A scenario task needs
    one or the other; a short answer may leave 答案 empty.
- 解析: explanation. 知识点: a path "政务服务规范/首问负责" (/ or > between levels);
  missing points are created under their parents. 难度: 1-5 (易/较易/中/较难/难,
  简单/困难 also accepted), default 3. 分值: the question's points (0.5 to 999.5, in
  steps of 0.5 or 0.1), empty: the paper decides. 状态: 草稿 / 启用 / 停用.

A row whose stem and type equal a question already in the bank (or an earlier row of
the file) is a duplicate and skipped: an import never changes existing questions (a
changed answer key must go through `question_correct_key`, which re-scores attempts).
So importing the fixed rejected rows again adds only them.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import imports
from core.exports import FORMULA_PREFIXES
from core.text import clean_text

from ..messages import (
    MSG_ANSWER_EMPTY_OPTION,
    MSG_ANSWER_LETTERS,
    MSG_DIFFICULTY,
    MSG_DUPLICATE_BANK,
    MSG_DUPLICATE_FILE,
    MSG_MULTIPLE_TWO,
    MSG_OPTIONS_FEW,
    MSG_OPTIONS_GAP,
    MSG_POINT_CONFLICT,
    MSG_QUESTION_POINTS,
    MSG_RUBRIC,
    MSG_SINGLE_ONE,
    MSG_STATUS,
    MSG_TRUE_FALSE,
    MSG_TYPE_UNKNOWN,
)
from ..models import KnowledgePoint, Question, QuestionStatus, QuestionType

# --- fields and headings -------------------------------------------------------------------

F_TYPE = "type"
F_STEM = "stem"
F_ANSWER = "answer"
F_EXPLANATION = "explanation"
F_POINT = "knowledge_point"
F_DIFFICULTY = "difficulty"
F_POINTS = "points"
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
    F_POINTS: "分值",
    F_STATUS: "状态",
}

FIELD_LABELS = {
    F_TYPE: _("Type"),
    F_STEM: _("Question"),
    F_ANSWER: _("Answer"),
    F_EXPLANATION: _("Explanation"),
    F_POINT: _("Knowledge point"),
    F_DIFFICULTY: _("Difficulty"),
    F_POINTS: _("Points"),
    F_STATUS: _("Status"),
    "rubric": _("Rubric"),
    **{f"option_{letter}": _("Option %(letter)s") % {"letter": letter} for letter in "ABCDEF"},
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    F_TYPE: ("题型", "试题类型", "题目类型", "类型", "题类", "type", "questiontype"),
    F_STEM: ("题干", "题目", "试题", "题目内容", "试题内容", "问题", "stem", "question"),
    F_ANSWER: ("答案", "正确答案", "参考答案", "标准答案", "评分要点", "answer", "key"),
    F_EXPLANATION: ("解析", "答案解析", "试题解析", "题目解析", "explanation", "analysis"),
    F_POINT: ("知识点", "知识点路径", "考点", "所属知识点", "knowledgepoint", "topic"),
    F_DIFFICULTY: ("难度", "难度系数", "难度等级", "难易程度", "difficulty", "level"),
    F_POINTS: ("分值", "分数", "试题分值", "题目分值", "每题分值", "points", "score"),
    F_STATUS: ("状态", "试题状态", "status"),
    **{
        f"option_{letter}": (f"选项{letter}", letter, f"option{letter}")
        for letter in OPTION_LETTERS
    },
}

COLUMNS = tuple(
    imports.Column(name, heading, SYNONYMS[name], required=name in REQUIRED_FIELDS)
    for name, heading in HEADINGS.items()
)

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
STATUS_NAMES = {
    QuestionStatus.DRAFT: ("草稿", "draft"),
    QuestionStatus.ACTIVE: ("启用", "正常", "有效", "active"),
    QuestionStatus.RETIRED: ("停用", "作废", "retired"),
}
_STATUS_BY_NAME = {name: status for status, names in STATUS_NAMES.items() for name in names}
_DIFFICULTY_WORDS = {
    "易": 1,
    "容易": 1,
    "简单": 1,
    "较易": 2,
    "较简单": 2,
    "中": 3,
    "中等": 3,
    "一般": 3,
    "适中": 3,
    "较难": 4,
    "难": 5,
    "困难": 5,
}

TRUE_WORDS = {"对", "正确", "√", "✓", "✔", "T", "TRUE", "Y", "是", "A"}
FALSE_WORDS = {"错", "错误", "×", "✗", "✘", "X", "F", "FALSE", "N", "否", "B"}
TRUE_FALSE_OPTIONS = ["正确", "错误"]

MAX_STEM = 2000
MAX_OPTION = 500
MAX_EXPLANATION = 5000
MAX_REFERENCE = 5000
MAX_POINT_NAME = 100
MAX_POINTS = Decimal("999.9")

# --- row error codes (stable; tests and the API use them) ----------------------------

CODE_REQUIRED = imports.CODE_REQUIRED
CODE_TOO_LONG = imports.CODE_TOO_LONG
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
CODE_POINTS = "points"
CODE_STATUS = "status"
CODE_POINT_CONFLICT = "point_conflict"
CODE_DUPLICATE_BANK = "duplicate_in_bank"
CODE_DUPLICATE_FILE = "duplicate_in_file"

ROW_MESSAGES = {
    CODE_REQUIRED: imports.MSG_REQUIRED,
    CODE_TOO_LONG: imports.MSG_TOO_LONG,
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
    CODE_POINTS: MSG_QUESTION_POINTS,
    CODE_STATUS: MSG_STATUS,
    CODE_POINT_CONFLICT: MSG_POINT_CONFLICT,
    CODE_DUPLICATE_BANK: MSG_DUPLICATE_BANK,
    CODE_DUPLICATE_FILE: MSG_DUPLICATE_FILE,
}


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
    return _unescape(imports.to_text(value))


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


_LETTER_SEPARATORS = re.compile(r"[\s,;、/|，；.．]+")
_RUBRIC_ITEM = re.compile(r"^(.*?)\s*[(（\[]\s*(\d+(?:\.\d+)?)\s*分?\s*[)）\]]$")
_ALTERNATIVES = re.compile(r"\s*[|;｜；]\s*")
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


_POINTS_TEXT = re.compile(r"^(\d+(?:\.\d+)?)\s*分?$")


def parse_points(value: object) -> tuple[Decimal | None, bool]:
    """(points, ok) of a 分值 cell: empty is (None, True)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, True
    if isinstance(value, bool):
        return None, False
    match = _POINTS_TEXT.match(cell_text(value))
    if not match:
        return None, False
    try:
        points = Decimal(match.group(1))
    except InvalidOperation:
        return None, False
    if points <= 0 or points > MAX_POINTS or points != points.quantize(Decimal("0.1")):
        return None, False
    return points.quantize(Decimal("0.1")), True


def check_content(
    *, qtype: str | None, options: list[str], answer, rubric=None, reference_answer=None
) -> tuple[dict, list[tuple[str, str, dict]]]:
    """The options, key, rubric and reference answer of a question from what was
    written (an import row or the edit form: `options` without trailing blanks;
    `answer` the 答案 text; for short answers and scenario tasks the rubric comes from
    `rubric`, or from `answer` when it is None, as in the xlsx layout, where an answer
    that is not a rubric is the reference answer). Returns the values and the problems
    found as (field, code, params); the field is F_ANSWER, an option field or "rubric"."""
    values: dict = {"options": [], "answer": [], "rubric": [], "reference_answer": ""}
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
        if rubric is not None:
            # The edit form: the rubric and the reference answer have their own fields;
            # a rubric must be well formed; a scenario task needs one or the other.
            values["rubric"], bad_item = parse_rubric(rubric)
            values["reference_answer"] = cell_multiline(reference_answer or "")
            if bad_item is not None:
                problems.append(("rubric", CODE_RUBRIC, {"value": bad_item[:50]}))
            elif (
                qtype == QuestionType.SCENARIO
                and not values["rubric"]
                and not values["reference_answer"]
            ):
                problems.append(("rubric", CODE_REQUIRED, {"field": "rubric"}))
        else:
            items, bad_item = parse_rubric(answer)
            if bad_item is None:
                values["rubric"] = items
            else:
                # Not a rubric: the reference answer graders read.
                values["reference_answer"] = cell_multiline(answer)
                if len(values["reference_answer"]) > MAX_REFERENCE:
                    problems.append(
                        (F_ANSWER, CODE_TOO_LONG, {"field": F_ANSWER, "limit": MAX_REFERENCE})
                    )
            if (
                qtype == QuestionType.SCENARIO
                and not values["rubric"]
                and not values["reference_answer"]
            ):
                problems.append(required)
    return values, problems


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


# --- the report and the rows -------------------------------------------------------------------


@dataclass
class Report(imports.ImportReport):
    """A question import's report: the engine's, plus duplicates (skipped), the new
    questions and the knowledge points that would be created."""

    duplicates: list[dict] = field(default_factory=list)
    new: list[dict] = field(default_factory=list)
    new_points: list[str] = field(default_factory=list)


@dataclass
class _Row:
    number: int
    type: str = ""
    stem: str = ""
    options: list[str] = field(default_factory=list)
    answer: list = field(default_factory=list)
    rubric: list = field(default_factory=list)
    reference_answer: str = ""
    explanation: str = ""
    point_path: list[str] = field(default_factory=list)
    difficulty: int = 3
    points: Decimal | None = None
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


class QuestionRows(imports.RowDefinition):
    """A question bank: one question a row (see the module doc)."""

    columns = COLUMNS
    report_class = Report
    messages = ROW_MESSAGES
    author = "question bank"

    def __init__(self, *, acting_user=None, new_status: str | None = None):
        self.acting_user = acting_user
        # When set (review required), every imported question starts with this status.
        self.new_status = new_status

    def max_rows(self) -> int:
        return max_rows()

    def labels(self) -> dict:
        return FIELD_LABELS

    def valid_rows(self, plan: list[_Row]) -> int:
        return len(plan)

    def check(self, table, report: Report, errors: imports.RowErrors) -> list[_Row]:
        """Check every row against the file and the bank; reads only. Returns the new
        questions (rows without errors that are not duplicates)."""
        points = _Points()
        value = table.value

        def add(row: _Row, name: str, code: str, params: dict | None = None):
            row.bad = True
            errors.add(row.number, name, code, params)

        rows: list[_Row] = []
        for number, cells in table.rows:
            row = _Row(number=number)
            rows.append(row)
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
            row.options = content["options"]
            row.answer = content["answer"]
            row.rubric = content["rubric"]
            row.reference_answer = content["reference_answer"]
            for name, code, params in problems:
                add(row, name, code, params)
            row.explanation = cell_multiline(value(cells, F_EXPLANATION))
            if len(row.explanation) > MAX_EXPLANATION:
                params = {"field": F_EXPLANATION, "limit": MAX_EXPLANATION}
                add(row, F_EXPLANATION, CODE_TOO_LONG, params)
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
            raw_points = value(cells, F_POINTS)
            row.points, points_ok = parse_points(raw_points)
            if not points_ok:
                add(row, F_POINTS, CODE_POINTS, {"value": cell_text(raw_points)})
            status_text = cell_text(value(cells, F_STATUS))
            if status_text:
                status = _STATUS_BY_NAME.get(status_text.lower())
                if status is None:
                    add(row, F_STATUS, CODE_STATUS, {"value": status_text})
                row.status = status or QuestionStatus.ACTIVE
            if self.new_status and row.status != QuestionStatus.RETIRED:
                row.status = self.new_status

        # Duplicates: identical type and stem, in the bank or on an earlier row. They
        # are skipped, not errors: the rest of the file imports.
        duplicates = imports.RowErrors(table, render=self.message)
        good = [r for r in rows if not r.bad]
        existing = set(
            Question.objects.filter(stem__in=[r.stem for r in good]).values_list("type", "stem")
        )
        seen: dict[tuple[str, str], int] = {}
        fresh: list[_Row] = []
        for row in good:
            key = (row.type, row.stem)
            if key in existing:
                duplicates.add(row.number, F_STEM, CODE_DUPLICATE_BANK)
            elif key in seen:
                duplicates.add(row.number, F_STEM, CODE_DUPLICATE_FILE, {"row": seen[key]})
            else:
                seen[key] = row.number
                fresh.append(row)
        report.duplicates = duplicates.sorted()
        report.new = [
            {
                "row": r.number,
                "type": r.type,
                "stem": r.stem[:80],
                "knowledge_point": "/".join(r.point_path),
                "difficulty": r.difficulty,
                "points": str(r.points) if r.points is not None else "",
            }
            for r in fresh[:500]
        ]
        wanted = {name for r in fresh for name in r.point_path}
        report.new_points = [name for name in points.planned if name in wanted]
        report.counts = {
            "rows": len(rows),
            "new": len(fresh),
            "duplicates": len(report.duplicates),
        }
        return fresh

    def write(self, plan: list[_Row], report: Report) -> None:
        point_ids = _ensure_points(plan)
        created = Question.objects.bulk_create(
            [
                Question(
                    type=row.type,
                    stem=row.stem,
                    options=row.options,
                    answer=row.answer,
                    rubric=row.rubric,
                    reference_answer=row.reference_answer,
                    explanation=row.explanation,
                    knowledge_point_id=point_ids[row.point_path[-1]],
                    difficulty=row.difficulty,
                    points=row.points,
                    status=row.status,
                    created_by=self.acting_user,
                )
                for row in plan
            ],
            batch_size=1000,
        )
        self.created = created


def _ensure_points(rows: list[_Row]) -> dict[str, int]:
    ids = dict(KnowledgePoint.objects.values_list("name", "pk"))
    for row in rows:
        parent_id = None
        for name in row.point_path:
            if name not in ids:
                ids[name] = KnowledgePoint.objects.create(name=name, parent_id=parent_id).pk
            parent_id = ids[name]
    return ids
