"""Columns, headings, names of types and statuses, and the row error codes of the
question-bank xlsx layout."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from roster.services import MSG_REQUIRED, MSG_TOO_LONG  # shared with the roster import

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
    MSG_RUBRIC,
    MSG_SINGLE_ONE,
    MSG_STATUS,
    MSG_TRUE_FALSE,
    MSG_TYPE_UNKNOWN,
)
from ..models import QuestionStatus, QuestionType

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
