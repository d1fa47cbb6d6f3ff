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
(`roster_initial_passwords_take`) and then erased; they are never logged.
"""

from __future__ import annotations

import datetime
import difflib
import hashlib
import json
import logging
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from accounts.services import initial_code_generate, initial_password_hash
from audit.services import audit_record
from organisation.access import WRITE_ROLES, departments_managed_by
from organisation.crypto import encrypt_id_number, hash_id_number
from organisation.idnumbers import mask_id_number, validate_id_number
from organisation.models import Department, RoleAssignment, Staff, StaffStatus
from organisation.services import validate_mobile

from . import reader
from .access import can_import
from .bulk import insert_rows
from .crypto import decrypt_bytes, encrypt_bytes
from .lookups import in_filter
from .models import ImportStatus, RosterImport
from .reader import (
    FIELD_HIRE_DATE,
    FIELD_ID_NUMBER,
    FIELD_LABELS,
    FIELD_MOBILE,
    FIELD_NAME,
    FIELD_POST,
    FIELD_STAFF_NUMBER,
    FIELD_UNIT,
    FIELD_WINDOW,
    Table,
    clean_text,
    compact,
)

logger = logging.getLogger(__name__)

# --- row messages (codes are stable; tests and the API use them) ------------------------

MSG_REQUIRED = _("%(field)s is required.")
MSG_TOO_LONG = _("%(field)s is too long (at most %(limit)s characters).")
MSG_ID_AS_NUMBER = _(
    "The ID number was stored as a number, so Excel has lost its last digits. "
    "Format the column as text and re-enter the ID number."
)
MSG_UNIT_UNKNOWN = _("No unit has the code or name “%(value)s”.")
MSG_UNIT_SUGGEST = _("No unit has the code or name “%(value)s”. Did you mean “%(suggestion)s”?")
MSG_UNIT_AMBIGUOUS = _("Several units are named “%(value)s”; use the unit code instead.")
MSG_UNIT_OUTSIDE = _("The unit “%(value)s” is outside the units you manage.")
MSG_WINDOW_VALUE = _("Write 是 or 否 (yes or no), not “%(value)s”.")
MSG_DATE_VALUE = _("“%(value)s” is not a date; write it as 2024-03-01.")
MSG_DUPLICATE_ID = _("The same ID number appears on rows %(rows)s.")
MSG_DUPLICATE_STAFF_NUMBER = _("The same staff number appears on rows %(rows)s.")
MSG_DUPLICATE_MOBILE = _("The same mobile number appears on rows %(rows)s.")
MSG_STAFF_NUMBER_TAKEN = _("The staff number %(value)s already belongs to another person.")
MSG_MOBILE_TAKEN = _("The mobile number %(value)s already belongs to another person.")
MSG_ACCOUNT_TAKEN = _("A sign-in account named %(value)s already exists.")

MSG_NOT_ALLOWED = _("Only training coordinators and administrators can import rosters.")
MSG_NOT_READY = _("This import cannot be committed in its current state.")
MSG_HAS_ERRORS = _("Some rows have errors; nothing was imported. Correct the file and upload it.")
MSG_FAILED = _("The import failed and nothing was written. Please try again.")

CODE_REQUIRED = "required"
CODE_TOO_LONG = "too_long"
CODE_ID_AS_NUMBER = "id_stored_as_number"
CODE_UNIT_UNKNOWN = "unit_unknown"
CODE_UNIT_AMBIGUOUS = "unit_ambiguous"
CODE_UNIT_OUTSIDE = "unit_outside"
CODE_WINDOW_VALUE = "window_value"
CODE_DATE_VALUE = "date_value"
CODE_MOBILE = "mobile"
CODE_DUPLICATE_ID = "duplicate_id_number"
CODE_DUPLICATE_STAFF_NUMBER = "duplicate_staff_number"
CODE_DUPLICATE_MOBILE = "duplicate_mobile"
CODE_STAFF_NUMBER_TAKEN = "staff_number_taken"
CODE_MOBILE_TAKEN = "mobile_taken"
CODE_ACCOUNT_TAKEN = "account_taken"

MAX_LENGTHS = {FIELD_NAME: 64, FIELD_STAFF_NUMBER: 32, FIELD_POST: 64}
_SCIENTIFIC = re.compile(r"^\d+(\.\d+)?E[+]?\d+$")
_CHUNK = 2000
PROGRESS_EVERY = 2000

# Fields compared between the file and the database, in report order.
COMPARED_FIELDS = (
    "name",
    "staff_number",
    "department",
    "post",
    "is_window_staff",
    "mobile",
    "hire_date",
    "status",
)


def background_rows() -> int:
    return int(getattr(settings, "ROSTER_BACKGROUND_ROWS", 2000))


def detail_limit() -> int:
    return int(getattr(settings, "ROSTER_REPORT_DETAIL_LIMIT", 1000))


# --- the report ---------------------------------------------------------------------------


@dataclass
class Report:
    """What an import found (and, once committed, did). JSON-serialisable via to_dict."""

    filename: str = ""
    sha256: str = ""
    format: str = ""
    sheet: str = ""
    sheet_names: list[str] = field(default_factory=list)
    header_row: int = 0
    sync: bool = False
    refused: dict | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    new: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    leaving: list[dict] = field(default_factory=list)
    committed: bool = False
    transfers_applied: bool = False

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.errors

    def to_dict(self) -> dict:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "format": self.format,
            "sheet": self.sheet,
            "sheet_names": self.sheet_names,
            "header_row": self.header_row,
            "sync": self.sync,
            "refused": self.refused,
            "counts": self.counts,
            "errors": self.errors,
            "new": self.new,
            "updated": self.updated,
            "transfers": self.transfers,
            "leaving": self.leaving,
            "committed": self.committed,
            "transfers_applied": self.transfers_applied,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _refusal_report(exc: ValidationError, *, filename: str, sha256: str, sync: bool) -> Report:
    error = exc.error_list[0]
    message = str(error.message % error.params) if error.params else str(error.message)
    return Report(
        filename=filename,
        sha256=sha256,
        sync=sync,
        refused={"code": error.code, "message": message},
        counts=_zero_counts(),
    )


def _row_messages() -> dict:
    from organisation import idnumbers
    from organisation.services import MSG_MOBILE

    return {
        CODE_REQUIRED: MSG_REQUIRED,
        CODE_TOO_LONG: MSG_TOO_LONG,
        CODE_ID_AS_NUMBER: MSG_ID_AS_NUMBER,
        CODE_UNIT_AMBIGUOUS: MSG_UNIT_AMBIGUOUS,
        CODE_UNIT_OUTSIDE: MSG_UNIT_OUTSIDE,
        CODE_WINDOW_VALUE: MSG_WINDOW_VALUE,
        CODE_DATE_VALUE: MSG_DATE_VALUE,
        CODE_MOBILE: MSG_MOBILE,
        CODE_DUPLICATE_ID: MSG_DUPLICATE_ID,
        CODE_DUPLICATE_STAFF_NUMBER: MSG_DUPLICATE_STAFF_NUMBER,
        CODE_DUPLICATE_MOBILE: MSG_DUPLICATE_MOBILE,
        CODE_STAFF_NUMBER_TAKEN: MSG_STAFF_NUMBER_TAKEN,
        CODE_MOBILE_TAKEN: MSG_MOBILE_TAKEN,
        CODE_ACCOUNT_TAKEN: MSG_ACCOUNT_TAKEN,
        "id_empty": idnumbers.MSG_EMPTY,
        "id_legacy_15": idnumbers.MSG_LEGACY_15,
        "id_length": idnumbers.MSG_LENGTH,
        "id_characters": idnumbers.MSG_CHARACTERS,
        "id_birth_date": idnumbers.MSG_BIRTH_DATE,
        "id_check_digit": idnumbers.MSG_CHECK_DIGIT,
    }


def error_message(error: dict) -> str:
    """A row error's message in the active language (reports keep code and params)."""
    code, params = error.get("code"), dict(error.get("params") or {})
    if code == CODE_UNIT_UNKNOWN:
        message = MSG_UNIT_SUGGEST if "suggestion" in params else MSG_UNIT_UNKNOWN
    else:
        message = _row_messages().get(code)
    if message is None:
        return error.get("message", "")
    if "field" in params:
        params["field"] = FIELD_LABELS.get(params["field"], params["field"])
    try:
        return str(message % params) if params else str(message)
    except (KeyError, TypeError, ValueError):
        return error.get("message", "")


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(
        ("rows", "new", "updated", "unchanged", "transfers", "leaving", "errors", "error_rows"),
        0,
    )


# --- the plan: what a commit would do ------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    name: str = ""
    id_number: str = ""
    id_hash: str = ""
    staff_number: str = ""
    unit: dict | None = None
    post: str | None = None
    is_window_staff: bool | None = None
    mobile: str | None = None
    hire_date: datetime.date | None = None
    has_hire_date: bool = False
    bad: bool = False


@dataclass
class _Plan:
    report: Report
    new_rows: list[_Row] = field(default_factory=list)
    # (staff pk, {field: new value}, is_transfer)
    updates: list[tuple[int, dict[str, Any], bool]] = field(default_factory=list)
    leaver_ids: list[int] = field(default_factory=list)


class _Units:
    """Units by code and by name: those the user manages, and all (for messages)."""

    def __init__(self, acting_user):
        managed_ids = set(departments_managed_by(acting_user).values_list("pk", flat=True))
        self.by_id: dict[int, dict] = {}
        self.by_code: dict[str, dict] = {}
        self.by_name: dict[str, list[dict]] = defaultdict(list)
        for unit in Department.objects.values("pk", "code", "name"):
            unit["managed"] = unit["pk"] in managed_ids
            self.by_id[unit["pk"]] = unit
            self.by_code[unit["code"].upper()] = unit
            self.by_name[unit["name"]].append(unit)
        self.managed_names = sorted(
            {u["name"] for u in self.by_id.values() if u["managed"]}
            | {u["code"] for u in self.by_id.values() if u["managed"]}
        )
        self._cache: dict[str, tuple] = {}

    def resolve(self, text: str) -> tuple[dict | None, str, str, dict]:
        """(unit, error code, message, params) for a unit cell's text."""
        if text in self._cache:
            return self._cache[text]
        result = self._resolve(text)
        self._cache[text] = result
        return result

    def _resolve(self, text: str) -> tuple[dict | None, str, Any, dict]:
        unit = self.by_code.get(compact(text).upper())
        if unit is None:
            named = self.by_name.get(clean_text(text), [])
            managed = [u for u in named if u["managed"]]
            if len(managed) > 1 or (not managed and len(named) > 1):
                return None, CODE_UNIT_AMBIGUOUS, MSG_UNIT_AMBIGUOUS, {"value": text}
            unit = (managed or named or [None])[0]
        if unit is None:
            close = difflib.get_close_matches(clean_text(text), self.managed_names, n=1, cutoff=0.6)
            if close:
                params = {"value": text, "suggestion": close[0]}
                return None, CODE_UNIT_UNKNOWN, MSG_UNIT_SUGGEST, params
            return None, CODE_UNIT_UNKNOWN, MSG_UNIT_UNKNOWN, {"value": text}
        if not unit["managed"]:
            return None, CODE_UNIT_OUTSIDE, MSG_UNIT_OUTSIDE, {"value": text}
        return unit, "", "", {}


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _analyse(table: Table, *, acting_user, sync: bool, report: Report, progress=None) -> _Plan:
    """Check every row against the file and the database. Reads only."""
    plan = _Plan(report=report)
    units = _Units(acting_user)
    columns = table.columns
    errors: list[dict] = []

    def add_error(row: _Row, field_name: str, code: str, message, params: dict | None = None):
        row.bad = True
        column = columns.get(field_name, columns.get(FIELD_ID_NUMBER))
        errors.append(
            {
                "row": row.number,
                "column": _column_letter(column) if column is not None else "",
                "column_index": column,
                "header": table.headers[column] if column is not None else "",
                "field": field_name,
                "code": code,
                "message": str(message % params) if params else str(message),
                # Kept so that the message can be shown again in the reader's language.
                "params": {
                    k: field_name if k == "field" else (v if isinstance(v, int) else str(v))
                    for k, v in (params or {}).items()
                },
            }
        )

    rows: list[_Row] = []
    has = {name: name in columns for name in FIELD_LABELS}
    for done, (number, cells) in enumerate(table.rows, start=1):
        row = _Row(number=number)
        rows.append(row)
        value = table.value
        # Name.
        row.name = clean_text(value(cells, FIELD_NAME))
        # ID number: a number cell has lost its last digits; never guess them.
        raw_id = value(cells, FIELD_ID_NUMBER)
        id_text = compact(raw_id).upper() if isinstance(raw_id, str) else ""
        stored_as_number = isinstance(raw_id, int | float) and not isinstance(raw_id, bool)
        if stored_as_number or _SCIENTIFIC.match(id_text):
            add_error(row, FIELD_ID_NUMBER, CODE_ID_AS_NUMBER, MSG_ID_AS_NUMBER)
        else:
            try:
                row.id_number = validate_id_number(id_text)
            except ValidationError as exc:
                if len(id_text) == 18 and id_text.isdigit() and id_text.endswith("000"):
                    add_error(row, FIELD_ID_NUMBER, CODE_ID_AS_NUMBER, MSG_ID_AS_NUMBER)
                else:
                    add_error(row, FIELD_ID_NUMBER, exc.code, exc.message, exc.params)
            else:
                row.id_hash = hash_id_number(row.id_number)
        row.staff_number = compact(reader.to_text(value(cells, FIELD_STAFF_NUMBER)))
        for field_name, text in ((FIELD_NAME, row.name), (FIELD_STAFF_NUMBER, row.staff_number)):
            label = FIELD_LABELS[field_name]
            if not text:
                add_error(row, field_name, CODE_REQUIRED, MSG_REQUIRED, {"field": label})
            elif len(text) > MAX_LENGTHS[field_name]:
                params = {"field": label, "limit": MAX_LENGTHS[field_name]}
                add_error(row, field_name, CODE_TOO_LONG, MSG_TOO_LONG, params)
        # Unit.
        unit_text = reader.to_text(value(cells, FIELD_UNIT))
        if not unit_text:
            label = FIELD_LABELS[FIELD_UNIT]
            add_error(row, FIELD_UNIT, CODE_REQUIRED, MSG_REQUIRED, {"field": label})
        else:
            unit, code, message, params = units.resolve(unit_text)
            if unit is None:
                add_error(row, FIELD_UNIT, code, message, params)
            row.unit = unit
        if has[FIELD_POST]:
            row.post = clean_text(value(cells, FIELD_POST))
            if len(row.post) > MAX_LENGTHS[FIELD_POST]:
                params = {"field": FIELD_LABELS[FIELD_POST], "limit": MAX_LENGTHS[FIELD_POST]}
                add_error(row, FIELD_POST, CODE_TOO_LONG, MSG_TOO_LONG, params)
        if has[FIELD_WINDOW]:
            raw = value(cells, FIELD_WINDOW)
            text = reader.to_text(raw)
            if text == "":
                row.is_window_staff = True
            else:
                row.is_window_staff = reader.to_bool(raw if isinstance(raw, int | float) else text)
                if row.is_window_staff is None:
                    params = {"value": text}
                    add_error(row, FIELD_WINDOW, CODE_WINDOW_VALUE, MSG_WINDOW_VALUE, params)
        if has[FIELD_MOBILE]:
            try:
                row.mobile = validate_mobile(reader.to_text(value(cells, FIELD_MOBILE)))
            except ValidationError as exc:
                add_error(row, FIELD_MOBILE, CODE_MOBILE, exc.message)
        if has[FIELD_HIRE_DATE]:
            raw = value(cells, FIELD_HIRE_DATE)
            row.has_hire_date = True
            if reader.to_text(raw):
                row.hire_date = reader.to_date(raw)
                if row.hire_date is None:
                    params = {"value": reader.to_text(raw)}
                    add_error(row, FIELD_HIRE_DATE, CODE_DATE_VALUE, MSG_DATE_VALUE, params)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done // 2)

    # Duplicates within the file, reported on every row involved.
    for key, field_name, code, message in (
        ("id_hash", FIELD_ID_NUMBER, CODE_DUPLICATE_ID, MSG_DUPLICATE_ID),
        (
            "staff_number",
            FIELD_STAFF_NUMBER,
            CODE_DUPLICATE_STAFF_NUMBER,
            MSG_DUPLICATE_STAFF_NUMBER,
        ),
        ("mobile", FIELD_MOBILE, CODE_DUPLICATE_MOBILE, MSG_DUPLICATE_MOBILE),
    ):
        groups: dict[str, list[_Row]] = defaultdict(list)
        for row in rows:
            if getattr(row, key):
                groups[getattr(row, key)].append(row)
        for group in groups.values():
            if len(group) > 1:
                numbers = "、".join(str(r.number) for r in group)
                for row in group:
                    add_error(row, field_name, code, message, {"rows": numbers})

    # The database, a chunk of rows at a time (memory stays flat): who exists already
    # (by ID number), and who holds the staff numbers, mobiles and account names used.
    User = get_user_model()
    limit = detail_limit()
    counts = _zero_counts()
    counts["rows"] = len(rows)
    matched_ids: set[int] = set()
    covered_units: set[int] = set()
    by_hash: dict[str, dict] = {}
    by_number: dict[str, int] = {}
    by_mobile: dict[str, int] = {}
    accounts: set[str] = set()
    for done, row in enumerate(rows):
        if done % _CHUNK == 0:
            chunk = [r for r in rows[done : done + _CHUNK] if not r.bad]
            by_hash = {s["id_number_hash"]: s for s in _existing_staff([r.id_hash for r in chunk])}
            # Staff numbers and mobiles held by someone: only those that are not already
            # this person's own (unique columns), in one query.
            numbers, mobiles = [], []
            for r in chunk:
                own = by_hash.get(r.id_hash) or {}
                if own.get("staff_number") != r.staff_number:
                    numbers.append(r.staff_number)
                if r.mobile and own.get("mobile") != r.mobile:
                    mobiles.append(r.mobile)
            by_number, by_mobile = {}, {}
            if numbers or mobiles:
                holders = Staff.objects.filter(
                    Q(**in_filter("staff_number", numbers)) | Q(**in_filter("mobile", mobiles))
                ).values_list("staff_number", "mobile", "pk")
                for number, mobile, pk in holders:
                    by_number[number] = pk
                    if mobile:
                        by_mobile[mobile] = pk
            # Account names: a new person's, or a changed staff number's (usernames are
            # staff numbers), must not belong to someone else's account.
            new_numbers = numbers
            accounts = (
                set(
                    User.objects.filter(**in_filter("username", new_numbers)).values_list(
                        "username", flat=True
                    )
                )
                if new_numbers
                else set()
            )
            if progress:
                progress(len(rows) // 2 + done // 2)
        if row.unit:
            covered_units.add(row.unit["pk"])
        if row.bad:
            continue
        current = by_hash.get(row.id_hash)
        own_pk = current["pk"] if current else None
        holder = holder_number = by_number.get(row.staff_number)
        if holder is not None and holder != own_pk:
            params = {"value": row.staff_number}
            add_error(
                row, FIELD_STAFF_NUMBER, CODE_STAFF_NUMBER_TAKEN, MSG_STAFF_NUMBER_TAKEN, params
            )
        holder = by_mobile.get(row.mobile) if row.mobile else None
        if holder is not None and holder != own_pk:
            add_error(row, FIELD_MOBILE, CODE_MOBILE_TAKEN, MSG_MOBILE_TAKEN, {"value": row.mobile})
        if row.staff_number in accounts and holder_number is None:
            params = {"value": row.staff_number}
            add_error(row, FIELD_STAFF_NUMBER, CODE_ACCOUNT_TAKEN, MSG_ACCOUNT_TAKEN, params)
        if row.bad:
            continue
        if current is None:
            counts["new"] += 1
            plan.new_rows.append(row)
            if len(report.new) < limit:
                report.new.append(
                    {
                        "row": row.number,
                        "name": row.name,
                        "staff_number": row.staff_number,
                        "unit": row.unit["name"],
                    }
                )
            continue
        matched_ids.add(current["pk"])
        changes, display = _changes(current, row, units)
        is_transfer = not units.by_id[current["department_id"]]["managed"]
        if is_transfer:
            counts["transfers"] += 1
            if len(report.transfers) < limit:
                report.transfers.append(
                    {
                        "row": row.number,
                        "name": row.name,
                        "staff_number": row.staff_number,
                        "from_unit": units.by_id[current["department_id"]]["name"],
                        "to_unit": row.unit["name"],
                        "changes": display,
                    }
                )
            plan.updates.append((current["pk"], changes, True))
        elif changes:
            counts["updated"] += 1
            if len(report.updated) < limit:
                report.updated.append(
                    {
                        "row": row.number,
                        "name": row.name,
                        "staff_number": row.staff_number,
                        "changes": display,
                    }
                )
            plan.updates.append((current["pk"], changes, False))
        else:
            counts["unchanged"] += 1

    if sync and covered_units:
        leavers = Staff.objects.filter(
            department_id__in=covered_units, status=StaffStatus.ACTIVE
        ).values("pk", "name", "staff_number", "department_id")
        for staff in leavers.order_by("department_id", "staff_number").iterator(chunk_size=5000):
            if staff["pk"] in matched_ids:
                continue
            counts["leaving"] += 1
            plan.leaver_ids.append(staff["pk"])
            if len(report.leaving) < limit:
                report.leaving.append(
                    {
                        "name": staff["name"],
                        "staff_number": staff["staff_number"],
                        "unit": units.by_id[staff["department_id"]]["name"],
                    }
                )

    errors.sort(
        key=lambda e: (e["row"], e["column_index"] if e["column_index"] is not None else -1)
    )
    report.errors = errors
    counts["errors"] = len(errors)
    counts["error_rows"] = len({e["row"] for e in errors})
    report.counts = counts
    if progress:
        progress(len(rows))
    return plan


def _existing_staff(hashes: list[str]) -> list[dict]:
    if not hashes:
        return []
    fields = (
        "pk",
        "id_number_hash",
        "name",
        "staff_number",
        "department_id",
        "post",
        "is_window_staff",
        "mobile",
        "hire_date",
        "status",
        "user_id",
    )
    return [
        staff
        for chunk in _chunks(hashes)
        for staff in Staff.objects.filter(**in_filter("id_number_hash", chunk)).values(*fields)
    ]


def _changes(current: dict, row: _Row, units: _Units) -> tuple[dict[str, Any], dict]:
    """The fields the file changes: values to write, and before/after for the report."""
    wanted: dict[str, Any] = {
        "name": row.name,
        "staff_number": row.staff_number,
        "department": row.unit["pk"],
        "status": StaffStatus.ACTIVE,
    }
    if row.post is not None:
        wanted["post"] = row.post
    if row.is_window_staff is not None:
        wanted["is_window_staff"] = row.is_window_staff
    if row.mobile is not None:
        wanted["mobile"] = row.mobile
    if row.has_hire_date:
        wanted["hire_date"] = row.hire_date
    changes: dict[str, Any] = {}
    display: dict[str, list] = {}
    for name in COMPARED_FIELDS:
        if name not in wanted:
            continue
        before = current["department_id"] if name == "department" else current[name]
        after = wanted[name]
        if before == after:
            continue
        changes[name] = after
        display[name] = [_shown(name, before, units), _shown(name, after, units)]
    return changes, display


def _shown(name: str, value: Any, units: _Units) -> Any:
    if name == "department":
        return units.by_id[value]["name"] if value in units.by_id else ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if name == "status":
        return str(StaffStatus(value).label)
    return value


# --- preview ----------------------------------------------------------------------------


def read_upload(file) -> bytes:
    size = getattr(file, "size", None)
    if size is not None and size > reader.max_bytes():
        raise ValidationError(
            reader.MSG_TOO_BIG,
            code=reader.REFUSAL_TOO_BIG,
            params={"limit": reader.max_bytes() // (1024 * 1024)},
        )
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(reader.max_bytes() + 1)
    if len(data) > reader.max_bytes():
        raise ValidationError(
            reader.MSG_TOO_BIG,
            code=reader.REFUSAL_TOO_BIG,
            params={"limit": reader.max_bytes() // (1024 * 1024)},
        )
    return data


def _check_allowed(acting_user) -> None:
    if not can_import(acting_user):
        raise PermissionDenied(MSG_NOT_ALLOWED)


def roster_preview(
    *, file, filename: str, acting_user, sheet: str | None = None, sync: bool = False
) -> Report:
    """Dry run: the report of what an import would do. Writes nothing."""
    _check_allowed(acting_user)
    filename = clean_text(filename)[:255]
    try:
        data = read_upload(file)
    except ValidationError as exc:
        return _refusal_report(exc, filename=filename, sha256="", sync=sync)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        table = reader.read_table(data, sheet=sheet)
    except ValidationError as exc:
        return _refusal_report(exc, filename=filename, sha256=sha256, sync=sync)
    report = _new_report(table, filename=filename, sha256=sha256, sync=sync)
    _analyse(table, acting_user=acting_user, sync=sync, report=report)
    return report


def _new_report(table: Table, *, filename: str, sha256: str, sync: bool) -> Report:
    return Report(
        filename=filename,
        sha256=sha256,
        format=table.format,
        sheet=table.sheet,
        sheet_names=table.sheet_names,
        header_row=table.header_row,
        sync=sync,
    )


# --- the history: upload, check, commit ---------------------------------------------------


def _home_unit(acting_user) -> Department:
    assignment = (
        RoleAssignment.objects.filter(user_id=acting_user.pk, role__in=list(WRITE_ROLES))
        .select_related("department")
        .order_by("department__depth", "department__path")
        .first()
    )
    if assignment is not None:
        return assignment.department
    root = Department.get_first_root_node()
    if root is None:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    return root


def roster_upload(
    *,
    file,
    filename: str,
    acting_user,
    sheet: str | None = None,
    sync: bool = False,
    background: bool | None = None,
    request=None,
) -> RosterImport:
    """Keep the upload in the history and check it (a dry run).

    Refused files are recorded (without keeping their content). Files with more than
    `ROSTER_BACKGROUND_ROWS` rows are checked by a background task unless
    `background=False`.
    """
    _check_allowed(acting_user)
    filename = clean_text(filename)[:255] or "roster"
    record = RosterImport(
        created_by=acting_user,
        department=_home_unit(acting_user),
        filename=filename,
        sheet=clean_text(sheet or "")[:100],
        sync_mode=sync,
    )
    try:
        data = read_upload(file)
        record.size = len(data)
        record.sha256 = hashlib.sha256(data).hexdigest()
        table = reader.read_table(data, sheet=sheet)
    except ValidationError as exc:
        report = _refusal_report(exc, filename=filename, sha256=record.sha256, sync=sync)
        record.status = ImportStatus.REFUSED
        record.error_code = report.refused["code"]
        record.message = report.refused["message"]
        record.report = report.to_dict()
        record.checked_at = timezone.now()
        with transaction.atomic():
            record.save()
            audit_record(
                action="roster.refused",
                actor=acting_user,
                target=record,
                request=request,
                data={"filename": filename, "sha256": record.sha256, "code": record.error_code},
            )
        return record
    record.sheet = table.sheet
    record.rows_total = len(table.rows)
    record.file.save(f"{record.public_id}.bin", ContentFile(encrypt_bytes(data)), save=False)
    if background is None:
        background = record.rows_total > background_rows()
    with transaction.atomic():
        record.status = ImportStatus.QUEUED if background else ImportStatus.CHECKING
        record.save()
        audit_record(
            action="roster.uploaded",
            actor=acting_user,
            target=record,
            request=request,
            data={"filename": filename, "sha256": record.sha256, "rows": record.rows_total},
        )
        if background:
            from .tasks import roster_check_task

            import_id = record.pk
            transaction.on_commit(lambda: roster_check_task.enqueue(import_id))
    if not background:
        roster_check(roster_import=record, table=table)
    return record


def _progress_updater(roster_import: RosterImport):
    def update(done: int) -> None:
        RosterImport.objects.filter(pk=roster_import.pk).update(rows_done=done)
        roster_import.rows_done = done

    return update


def _load_table(roster_import: RosterImport) -> Table:
    with roster_import.file.open("rb") as handle:
        data = decrypt_bytes(handle.read())
    return reader.read_table(data, sheet=roster_import.sheet or None)


def roster_check(*, roster_import: RosterImport, table: Table | None = None) -> Report:
    """Run the dry run of a recorded upload and store its report."""
    roster_import.status = ImportStatus.CHECKING
    roster_import.save(update_fields=["status"])
    table = table or _load_table(roster_import)
    report = _new_report(
        table,
        filename=roster_import.filename,
        sha256=roster_import.sha256,
        sync=roster_import.sync_mode,
    )
    _analyse(
        table,
        acting_user=roster_import.created_by,
        sync=roster_import.sync_mode,
        report=report,
        progress=_progress_updater(roster_import),
    )
    roster_import.report = report.to_dict()
    roster_import.status = ImportStatus.READY if report.ok else ImportStatus.INVALID
    roster_import.message = "" if report.ok else str(MSG_HAS_ERRORS)
    roster_import.rows_done = roster_import.rows_total
    roster_import.checked_at = timezone.now()
    roster_import.save(update_fields=["report", "status", "message", "rows_done", "checked_at"])
    return report


def roster_commit_start(
    *, roster_import: RosterImport, acting_user, confirm_transfers: bool = False, request=None
) -> RosterImport:
    """Commit now (small files) or as a background task (large files)."""
    _claim_for_commit(roster_import, acting_user, confirm_transfers)
    if roster_import.rows_total > background_rows():
        from .tasks import roster_commit_task

        args = (roster_import.pk, acting_user.pk, confirm_transfers)
        transaction.on_commit(lambda: roster_commit_task.enqueue(*args))
    else:
        roster_commit(
            roster_import=roster_import,
            acting_user=acting_user,
            confirm_transfers=confirm_transfers,
            claimed=True,
        )
        roster_import.refresh_from_db()
    return roster_import


def _claim_for_commit(roster_import: RosterImport, acting_user, confirm_transfers: bool) -> None:
    """READY -> COMMITTING, exactly once (a second click or request is refused)."""
    _check_allowed(acting_user)
    claimed = RosterImport.objects.filter(pk=roster_import.pk, status=ImportStatus.READY).update(
        status=ImportStatus.COMMITTING, rows_done=0, confirm_transfers=confirm_transfers
    )
    if not claimed:
        raise ValidationError(MSG_NOT_READY, code="not_ready")
    roster_import.status = ImportStatus.COMMITTING
    roster_import.rows_done = 0
    roster_import.confirm_transfers = confirm_transfers


def roster_commit(
    *,
    roster_import: RosterImport,
    acting_user,
    confirm_transfers: bool = False,
    claimed: bool = False,
) -> Report:
    """Check the file again against the current database and write it, all or nothing.

    Transfers (people now in units outside the uploader's subtree) are applied only
    with `confirm_transfers`; otherwise they stay where they are.
    """
    if not claimed:
        _claim_for_commit(roster_import, acting_user, confirm_transfers)
    table = _load_table(roster_import)
    report = _new_report(
        table,
        filename=roster_import.filename,
        sha256=roster_import.sha256,
        sync=roster_import.sync_mode,
    )
    try:
        plan = _analyse(
            table,
            acting_user=acting_user,
            sync=roster_import.sync_mode,
            report=report,
            progress=_progress_updater(roster_import),
        )
        del table  # the plan holds what is needed; free the sheet before writing
        if not report.ok:
            roster_import.report = report.to_dict()
            roster_import.status = ImportStatus.INVALID
            roster_import.message = str(MSG_HAS_ERRORS)
            roster_import.save(update_fields=["report", "status", "message"])
            return report
        with transaction.atomic():
            result = _write(plan, acting_user=acting_user, confirm_transfers=confirm_transfers)
            report.committed = True
            report.transfers_applied = bool(result["transferred"])
            report.counts["applied_transfers"] = len(result["transferred"])
            roster_import.report = report.to_dict()
            roster_import.status = ImportStatus.COMMITTED
            roster_import.message = ""
            roster_import.rows_done = roster_import.rows_total
            roster_import.committed_at = timezone.now()
            roster_import.initial_passwords = (
                encrypt_bytes(json.dumps(result["passwords"]).encode()).decode()
                if result["passwords"]
                else ""
            )
            roster_import.save(
                update_fields=[
                    "report",
                    "status",
                    "message",
                    "rows_done",
                    "committed_at",
                    "initial_passwords",
                ]
            )
            audit_record(
                action="roster.imported",
                actor=acting_user,
                target=roster_import,
                data={
                    "filename": roster_import.filename,
                    "sha256": roster_import.sha256,
                    "sheet": roster_import.sheet,
                    "sync": roster_import.sync_mode,
                    "transfers_confirmed": confirm_transfers,
                    "counts": report.counts,
                },
            )
            hook_args = {
                "import_id": roster_import.pk,
                "created_staff_ids": result["created"],
                "updated_staff_ids": result["updated"],
                "left_staff_ids": result["left"],
            }
            transaction.on_commit(lambda: _run_committed_hooks(**hook_args))
    except Exception:
        logger.exception("Roster import %s failed", roster_import.pk)
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=ImportStatus.FAILED, message=str(MSG_FAILED)
        )
        roster_import.status = ImportStatus.FAILED
        raise
    return report


def _write(plan: _Plan, *, acting_user, confirm_transfers: bool) -> dict:
    User = get_user_model()
    now = timezone.now()
    today = timezone.localdate()
    passwords: list[list[str]] = []
    created: list[int] = []
    # New people: accounts first, then their staff records (COPY on PostgreSQL).
    for chunk in _chunks(plan.new_rows, 10_000):
        users = []
        for row in chunk:
            code = initial_code_generate()
            passwords.append([row.staff_number, row.name, row.unit["name"], code])
            users.append(
                {
                    "username": row.staff_number,
                    "first_name": row.name[:150],
                    "password": initial_password_hash(code),
                    "must_change_password": True,
                    "date_joined": now,
                }
            )
        user_ids = insert_rows(User, users)
        del users
        staff = [
            {
                "public_id": uuid.uuid4(),
                "name": row.name,
                "id_number_encrypted": encrypt_id_number(row.id_number),
                "id_number_hash": row.id_hash,
                "id_number_masked": mask_id_number(row.id_number),
                "staff_number": row.staff_number,
                "mobile": row.mobile or "",
                "department_id": row.unit["pk"],
                "post": row.post or "",
                "is_window_staff": True if row.is_window_staff is None else row.is_window_staff,
                "status": StaffStatus.ACTIVE.value,
                "hire_date": row.hire_date,
                "left_on": None,
                "user_id": user_id,
                "created_at": now,
                "updated_at": now,
            }
            for row, user_id in zip(chunk, user_ids, strict=True)
        ]
        created.extend(insert_rows(Staff, staff))
    # Changes (and confirmed transfers): bulk_update per set of changed fields.
    updates = [
        (pk, ch) for pk, ch, is_transfer in plan.updates if confirm_transfers or not is_transfer
    ]
    transferred = [pk for pk, _ch, is_transfer in plan.updates if is_transfer and confirm_transfers]
    by_fields: dict[tuple[str, ...], list[tuple[int, dict]]] = defaultdict(list)
    for pk, changes in updates:
        if changes:
            by_fields[tuple(sorted(changes))].append((pk, changes))
    updated: list[int] = []
    renamed_users: list[tuple[int, str]] = []
    reactivated_users: list[int] = []
    for fields, items in by_fields.items():
        for chunk in _chunks(items):
            objects = Staff.objects.in_bulk([pk for pk, _c in chunk])
            for pk, changes in chunk:
                staff = objects[pk]
                for name, value in changes.items():
                    setattr(staff, "department_id" if name == "department" else name, value)
                if changes.get("status") == StaffStatus.ACTIVE:
                    staff.left_on = None
                    if staff.user_id:
                        reactivated_users.append(staff.user_id)
                if "staff_number" in changes and staff.user_id:
                    renamed_users.append((staff.user_id, staff.staff_number))
                staff.updated_at = now
                updated.append(pk)
            model_fields = ["department" if f == "department" else f for f in fields]
            extra = ["left_on"] if "status" in fields else []
            Staff.objects.bulk_update(list(objects.values()), [*model_fields, *extra, "updated_at"])
    for user_id, username in renamed_users:
        User.objects.filter(pk=user_id).update(username=username)
    if reactivated_users:
        User.objects.filter(pk__in=reactivated_users).update(is_active=True)
    # Leavers: marked as left, never deleted; their accounts can no longer sign in.
    for chunk in _chunks(plan.leaver_ids):
        Staff.objects.filter(pk__in=chunk).update(
            status=StaffStatus.LEFT, left_on=today, updated_at=now
        )
        User.objects.filter(staff__pk__in=chunk).update(is_active=False)
    return {
        "created": created,
        "updated": updated,
        "transferred": transferred,
        "left": list(plan.leaver_ids),
        "passwords": passwords,
    }


def _run_committed_hooks(**kwargs) -> None:
    for path in getattr(settings, "ROSTER_IMPORT_COMMITTED_HOOKS", []) or []:
        try:
            import_string(path)(**kwargs)
        except Exception:
            logger.exception("Roster import hook %s failed", path)


# --- the one-time password list -------------------------------------------------------


def roster_initial_passwords_take(
    *, roster_import: RosterImport, acting_user, request=None
) -> list[list[str]]:
    """The initial passwords, once: the stored copy is erased in the same transaction."""
    _check_allowed(acting_user)
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
        if not locked.initial_passwords:
            raise ValidationError(
                _("The initial passwords of this import have already been downloaded."),
                code="passwords_taken",
            )
        rows = json.loads(decrypt_bytes(locked.initial_passwords.encode()))
        locked.initial_passwords = ""
        locked.initial_passwords_downloaded_at = timezone.now()
        locked.save(update_fields=["initial_passwords", "initial_passwords_downloaded_at"])
        audit_record(
            action="roster.initial_passwords_downloaded",
            actor=acting_user,
            target=locked,
            request=request,
            data={"accounts": len(rows)},
        )
    roster_import.initial_passwords = ""
    roster_import.initial_passwords_downloaded_at = locked.initial_passwords_downloaded_at
    return rows
