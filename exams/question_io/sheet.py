"""Reading a question-bank sheet and checking every row into a report."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from core.text import clean_text
from roster import reader

from ..messages import (
    MSG_MISSING_COLUMNS,
    MSG_NO_HEADER,
    MSG_NO_ROWS,
    MSG_NOT_XLSX,
    MSG_TOO_MANY_ROWS,
)
from ..models import KnowledgePoint, Question, QuestionStatus
from .cells import (
    _HINT,
    _POINT_PATH,
    cell_multiline,
    cell_text,
    check_content,
    free_text,
    parse_difficulty,
)
from .fields import (
    _STATUS_BY_NAME,
    _SYNONYM_TO_FIELD,
    _TYPE_BY_NAME,
    CODE_DIFFICULTY,
    CODE_DUPLICATE_BANK,
    CODE_DUPLICATE_FILE,
    CODE_POINT_CONFLICT,
    CODE_REQUIRED,
    CODE_STATUS,
    CODE_TOO_LONG,
    CODE_TYPE_UNKNOWN,
    F_ANSWER,
    F_DIFFICULTY,
    F_EXPLANATION,
    F_OPTIONS,
    F_POINT,
    F_STATUS,
    F_STEM,
    F_TYPE,
    FIELD_LABELS,
    HEADER_SEARCH_ROWS,
    HEADINGS,
    MAX_EXPLANATION,
    MAX_OPTION,
    MAX_POINT_NAME,
    MAX_STEM,
    REFUSAL_NOT_XLSX,
    REQUIRED_FIELDS,
    ROW_MESSAGES,
    max_rows,
)

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
