"""One import engine for every spreadsheet a coordinator brings (rosters, question
banks, practical scores): upload checks (`files`), reading and header finding
(`table`), cell parsing (`cells`), the report (`report`), the error workbook
(`workbook`) and the pipeline with its row definitions (`engine`)."""

from .cells import is_blank_row, to_bool, to_date, to_text
from .engine import (
    CODE_REQUIRED,
    CODE_TOO_LONG,
    MSG_REQUIRED,
    MSG_TOO_LONG,
    RowDefinition,
    check,
    commit,
    may_write,
    refusal_report,
    run_import,
    start,
)
from .files import read_upload
from .report import ImportReport, RowErrors, column_letter
from .table import Column, HeaderMatcher, Table, normalise_header, read_table, refusal

__all__ = [
    "CODE_REQUIRED",
    "CODE_TOO_LONG",
    "MSG_REQUIRED",
    "MSG_TOO_LONG",
    "Column",
    "HeaderMatcher",
    "ImportReport",
    "RowDefinition",
    "RowErrors",
    "Table",
    "check",
    "column_letter",
    "commit",
    "is_blank_row",
    "may_write",
    "normalise_header",
    "read_table",
    "read_upload",
    "refusal",
    "refusal_report",
    "run_import",
    "start",
    "to_bool",
    "to_date",
    "to_text",
]
