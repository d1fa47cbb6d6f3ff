"""The roster as a row definition of the import engine (`core.imports`).

`RosterRows` reads the roster columns (`roster.reader.COLUMNS`), checks every row
with the named steps of `analysis` and writes the plan with `write`. ID numbers are
masked in every workbook it hands out (the error report and the rejected rows).

With "import the valid rows" (`skip_invalid`) the rows with errors are left out and,
in sync mode, nobody is marked as left: a person on a rejected row would otherwise be
taken for a leaver.
"""

from __future__ import annotations

from core import imports
from organisation.idnumbers import mask_id_number

from .. import reader
from ..reader import FIELD_ID_NUMBER, FIELD_LABELS
from .analysis import _analyse, _Plan
from .messages import MSG_ID_HIDDEN, error_message
from .report import Report
from .write import _write


class RosterRows(imports.RowDefinition):
    """The roster: one person a row."""

    columns = reader.COLUMNS
    report_class = Report
    masked = {FIELD_ID_NUMBER: mask_id_number}
    masked_note = MSG_ID_HIDDEN
    fallback_field = FIELD_ID_NUMBER
    author = "roster"

    def __init__(
        self,
        *,
        acting_user,
        sync: bool = False,
        progress=None,
        confirm_transfers: bool = False,
        parsed: list | None = None,
    ):
        self.acting_user = acting_user
        self.sync = sync
        self.progress = progress
        self.confirm_transfers = confirm_transfers
        # Rows an earlier check of the same upload read (`parsed`): the file is not
        # read again.
        self.parsed = parsed
        self.result: dict = {}

    def max_rows(self) -> int:
        return reader.max_rows()

    def labels(self) -> dict:
        return FIELD_LABELS

    def message(self, error: dict) -> str:
        return error_message(error)

    def check(self, table, report: Report, errors: imports.RowErrors) -> _Plan:
        return _analyse(
            table,
            acting_user=self.acting_user,
            sync=self.sync,
            report=report,
            errors=errors,
            progress=self.progress,
            parsed=self.parsed,
        )

    def valid_rows(self, plan: _Plan) -> int:
        return len(plan.new_rows) + len(plan.updates)

    def write(self, plan: _Plan, report: Report) -> None:
        if not report.ok:
            # Valid rows only: a person on a rejected row is not a leaver.
            plan.leaver_ids = []
            report.leaving = []
            report.counts["leaving"] = 0
        self.result = _write(
            plan, acting_user=self.acting_user, confirm_transfers=self.confirm_transfers
        )
        report.transfers_applied = bool(self.result["transferred"])
        report.counts["applied_transfers"] = len(self.result["transferred"])
