"""The import engine: one path from an upload to the database for every importer.

A `RowDefinition` (in the spirit of django-import-export's resources) names the
columns it reads (`Column`: field, heading, synonyms, required), the report class it
fills, and two steps:

- `check(table, report, errors)`: parse and validate every row (and the rows against
  each other and the database), reading only; it records row errors through `errors`
  (a `RowErrors`) and returns a *plan*: whatever `write` needs for the rows without
  errors;
- `write(plan, report)`: write the plan; called inside one transaction.

`run_import` is the pipeline the pages, the API and the management commands call:
the upload is read (`files.read_upload`: size), checked and read (`table.read_table`:
real type, zip bomb, encryption, header under title rows), each row checked, and -
unless it is a dry run - written in one transaction. When rows have errors nothing is
written, unless `skip_invalid` is given ("import the valid rows"): then the rows
without errors are written and the rejected rows are listed in the report and the
rejected-rows workbook (`rejected_workbook`), to be fixed and uploaded again.
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from core.text import clean_text

from .files import read_upload
from .report import ImportReport, RowErrors
from .table import Column, Table, read_table, refusal
from .workbook import error_workbook

# Row messages every definition uses (codes are stable; tests and the API use them).
CODE_REQUIRED = "required"
CODE_TOO_LONG = "too_long"
MSG_REQUIRED = _("%(field)s is required.")
MSG_TOO_LONG = _("%(field)s is too long (at most %(limit)s characters).")


class RowDefinition:
    """What one kind of import reads, checks and writes (see the module doc)."""

    columns: ClassVar[tuple[Column, ...]] = ()
    report_class: ClassVar[type[ImportReport]] = ImportReport
    # Row error codes -> translatable messages (with %(name)s params).
    messages: ClassVar[dict[str, Any]] = {}
    # Fields whose cells are masked in every workbook handed out (field -> function).
    masked: ClassVar[dict[str, Any]] = {}
    masked_note: ClassVar[Any] = ""
    # The field whose column an error is shown in when its own column is absent.
    fallback_field: ClassVar[str | None] = None
    author: ClassVar[str] = "import"

    def max_rows(self) -> int:
        return 100_000

    def labels(self) -> dict[str, Any]:
        return {c.name: c.heading for c in self.columns}

    def message(self, error: dict) -> str:
        """A row error's message in the active language."""
        message = self.messages.get(error.get("code"))
        if message is None:
            return error.get("message", "")
        params = dict(error.get("params") or {})
        if "field" in params:
            params["field"] = self.labels().get(params["field"], params["field"])
        try:
            return str(message % params) if params else str(message)
        except (KeyError, TypeError, ValueError):
            return error.get("message", "")

    def read(self, data: bytes, *, sheet: str | None = None) -> Table:
        return read_table(data, columns=self.columns, max_rows=self.max_rows(), sheet=sheet)

    def new_report(self, **kwargs) -> ImportReport:
        return self.report_class(**kwargs)

    def row_errors(self, table: Table) -> RowErrors:
        return RowErrors(table, render=self.message, fallback_field=self.fallback_field)

    def check(self, table: Table, report: ImportReport, errors: RowErrors) -> Any:
        raise NotImplementedError

    def valid_rows(self, plan: Any) -> int:
        """How many rows the plan would write (0: nothing to import)."""
        raise NotImplementedError

    def write(self, plan: Any, report: ImportReport) -> None:
        raise NotImplementedError

    def audit(self, report: ImportReport) -> None:
        """Called in the transaction after a write (the audit entry)."""

    # --- workbooks -----------------------------------------------------------------

    def workbook(self, table: Table, errors: list[dict], *, rejected_only: bool = False) -> bytes:
        """The error workbook (or, `rejected_only`, the rejected rows to fix)."""
        rendered = [{**e, "message": self.message(e)} for e in errors]
        masked = {
            table.columns[name]: mask for name, mask in self.masked.items() if name in table.columns
        }
        return error_workbook(
            table=table,
            errors=rendered,
            rejected_only=rejected_only,
            masked=masked,
            masked_note=str(self.masked_note) if self.masked_note else "",
            author=self.author,
        )


def refusal_report(definition: RowDefinition, exc: ValidationError, **fields) -> ImportReport:
    report = definition.new_report(**fields)
    report.refused = refusal(exc)
    return report


def start(
    definition: RowDefinition,
    *,
    filename: str,
    file=None,
    data: bytes | None = None,
    sheet: str | None = None,
    **report_fields,
) -> tuple[ImportReport, Table | None, bytes | None]:
    """Read the upload: (report, table, data), or a refused report with no table."""
    filename = clean_text(filename)[:255]
    try:
        data = data if data is not None else read_upload(file)
    except ValidationError as exc:
        return refusal_report(definition, exc, filename=filename, **report_fields), None, None
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        table = definition.read(data, sheet=sheet)
    except ValidationError as exc:
        report = refusal_report(definition, exc, filename=filename, sha256=sha256, **report_fields)
        return report, None, data
    report = definition.new_report(
        filename=filename,
        sha256=sha256,
        format=table.format,
        sheet=table.sheet,
        sheet_names=table.sheet_names,
        header_row=table.header_row,
        **report_fields,
    )
    return report, table, data


def check(definition: RowDefinition, table: Table, report: ImportReport) -> Any:
    """Check every row (reads only); the report gets the errors, sorted by row and
    column, and the counts `errors` and `error_rows`."""
    errors = definition.row_errors(table)
    plan = definition.check(table, report, errors)
    report.errors = errors.sorted()
    report.counts["errors"] = len(report.errors)
    report.counts["error_rows"] = report.error_rows
    return plan


def may_write(definition: RowDefinition, plan: Any, report: ImportReport, skip_invalid: bool):
    """Whether a commit writes: no refusal, and no errors - unless the valid rows alone
    were asked for and there are some."""
    if report.refused is not None:
        return False
    return report.ok or (skip_invalid and definition.valid_rows(plan) > 0)


def commit(
    definition: RowDefinition, plan: Any, report: ImportReport, *, skip_invalid: bool
) -> bool:
    """Write the plan in one transaction if `may_write`; True when written."""
    if not may_write(definition, plan, report, skip_invalid):
        return False
    with transaction.atomic():
        definition.write(plan, report)
        report.committed = True
        report.skipped_invalid = not report.ok
        definition.audit(report)
    return True


def run_import(
    definition: RowDefinition,
    *,
    filename: str,
    file=None,
    data: bytes | None = None,
    sheet: str | None = None,
    dry_run: bool = True,
    skip_invalid: bool = False,
) -> ImportReport:
    """The whole import (see the module doc). A dry run writes nothing."""
    report, table, _data = start(definition, filename=filename, file=file, data=data, sheet=sheet)
    if table is None:
        return report
    if dry_run:
        check(definition, table, report)
        return report
    # Checked and written in one transaction: the database cannot change in between.
    with transaction.atomic():
        plan = check(definition, table, report)
        commit(definition, plan, report, skip_invalid=skip_invalid)
    return report
