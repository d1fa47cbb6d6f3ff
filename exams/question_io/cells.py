"""Cell values of the question-bank layout: reading, parsing and formatting answers,
rubrics and knowledge-point paths, and the content checks shared with the bank form."""

from __future__ import annotations

import math
import re
import unicodedata

from core.exports import FORMULA_PREFIXES
from core.text import clean_text
from roster import reader

from ..models import KnowledgePoint, Question, QuestionType
from .fields import (
    _DIFFICULTY_WORDS,
    CODE_ANSWER_EMPTY_OPTION,
    CODE_ANSWER_LETTERS,
    CODE_MULTIPLE_TWO,
    CODE_OPTIONS_FEW,
    CODE_OPTIONS_GAP,
    CODE_REQUIRED,
    CODE_RUBRIC,
    CODE_SINGLE_ONE,
    CODE_TRUE_FALSE,
    F_ANSWER,
    F_OPTIONS,
    FALSE_WORDS,
    OPTION_LETTERS,
    TRUE_FALSE_OPTIONS,
    TRUE_WORDS,
)

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
