"""Roster import: a dry run first, then one all-or-nothing transaction.

Entry points (the upload page, the REST API and `manage.py import_roster` all call
these):

- `roster_preview(file=, filename=, acting_user=, sheet=, sync=)` -> Report: reads and
  checks the file and every row against the database, writes nothing.
- `roster_upload(...)` -> RosterImport: keeps the (encrypted) file in the history and
  runs the same check, inline for small files and as a background task for large ones
  (more than `ROSTER_BACKGROUND_ROWS` rows).
- `roster_commit(roster_import=, acting_user=, confirm_transfers=)` -> Report: checks
  again against the current database and, when no row has an error, writes everything
  in one transaction: new staff with sign-in accounts and one-time initial passwords,
  changed fields, (with `confirm_transfers`) people moved in from units outside the
  uploader's subtree, and in sync mode the leavers of the covered units marked as left
  (never deleted). Importing the same file again changes nothing.
- `roster_commit_start(...)`: the same, as a background task for large files.

Hook for higher layers: after a commit, once the transaction is committed, every
dotted-path callable listed in `settings.ROSTER_IMPORT_COMMITTED_HOOKS` is called with
the keyword arguments `import_id` (RosterImport pk), `created_staff_ids`,
`updated_staff_ids` and `left_staff_ids` (lists of Staff pks). The training app
registers one there to enrol new hires. A hook that raises is logged, not re-raised:
the import itself has been committed.

The initial passwords are kept only as a Fernet token on the import, handed over once
(`roster_initial_passwords_take`) and then erased; they are never logged."""

from .analysis import COMPARED_FIELDS, MAX_LENGTHS, PROGRESS_EVERY
from .history import (
    read_upload,
    roster_check,
    roster_commit,
    roster_initial_passwords_take,
    roster_preview,
)
from .intake import roster_commit_start, roster_upload
from .messages import (
    CODE_ACCOUNT_TAKEN,
    CODE_DATE_VALUE,
    CODE_DUPLICATE_ID,
    CODE_DUPLICATE_MOBILE,
    CODE_DUPLICATE_STAFF_NUMBER,
    CODE_ID_AS_NUMBER,
    CODE_MOBILE,
    CODE_MOBILE_TAKEN,
    CODE_REQUIRED,
    CODE_STAFF_NUMBER_TAKEN,
    CODE_TOO_LONG,
    CODE_UNIT_AMBIGUOUS,
    CODE_UNIT_OUTSIDE,
    CODE_UNIT_UNKNOWN,
    CODE_WINDOW_VALUE,
    MSG_ACCOUNT_TAKEN,
    MSG_DATE_VALUE,
    MSG_DUPLICATE_ID,
    MSG_DUPLICATE_MOBILE,
    MSG_DUPLICATE_STAFF_NUMBER,
    MSG_FAILED,
    MSG_HAS_ERRORS,
    MSG_ID_AS_NUMBER,
    MSG_MOBILE_TAKEN,
    MSG_NOT_ALLOWED,
    MSG_NOT_READY,
    MSG_REQUIRED,
    MSG_STAFF_NUMBER_TAKEN,
    MSG_TOO_LONG,
    MSG_UNIT_AMBIGUOUS,
    MSG_UNIT_OUTSIDE,
    MSG_UNIT_SUGGEST,
    MSG_UNIT_UNKNOWN,
    MSG_WINDOW_VALUE,
    error_message,
)
from .report import Report, background_rows, detail_limit

__all__ = [
    "CODE_ACCOUNT_TAKEN",
    "CODE_DATE_VALUE",
    "CODE_DUPLICATE_ID",
    "CODE_DUPLICATE_MOBILE",
    "CODE_DUPLICATE_STAFF_NUMBER",
    "CODE_ID_AS_NUMBER",
    "CODE_MOBILE",
    "CODE_MOBILE_TAKEN",
    "CODE_REQUIRED",
    "CODE_STAFF_NUMBER_TAKEN",
    "CODE_TOO_LONG",
    "CODE_UNIT_AMBIGUOUS",
    "CODE_UNIT_OUTSIDE",
    "CODE_UNIT_UNKNOWN",
    "CODE_WINDOW_VALUE",
    "COMPARED_FIELDS",
    "MAX_LENGTHS",
    "MSG_ACCOUNT_TAKEN",
    "MSG_DATE_VALUE",
    "MSG_DUPLICATE_ID",
    "MSG_DUPLICATE_MOBILE",
    "MSG_DUPLICATE_STAFF_NUMBER",
    "MSG_FAILED",
    "MSG_HAS_ERRORS",
    "MSG_ID_AS_NUMBER",
    "MSG_MOBILE_TAKEN",
    "MSG_NOT_ALLOWED",
    "MSG_NOT_READY",
    "MSG_REQUIRED",
    "MSG_STAFF_NUMBER_TAKEN",
    "MSG_TOO_LONG",
    "MSG_UNIT_AMBIGUOUS",
    "MSG_UNIT_OUTSIDE",
    "MSG_UNIT_SUGGEST",
    "MSG_UNIT_UNKNOWN",
    "MSG_WINDOW_VALUE",
    "PROGRESS_EVERY",
    "Report",
    "background_rows",
    "detail_limit",
    "error_message",
    "read_upload",
    "roster_check",
    "roster_commit",
    "roster_commit_start",
    "roster_initial_passwords_take",
    "roster_preview",
    "roster_upload",
]
