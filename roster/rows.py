"""The roster as a row definition of the import engine (`core.imports`).

`RosterRows(acting_user=, sync=, progress=)` reads the roster columns (`reader`),
checks every row against the file and the database (`check`: reads only) and writes
the plan (`write`: new staff with sign-in accounts and one-time initial passwords,
changed fields, confirmed transfers and, in sync mode, leavers marked as left).

With "import the valid rows" (`skip_invalid`) the rows with errors are left out and,
in sync mode, nobody is marked as left: a person on a rejected row would otherwise be
taken for a leaver.
"""

from __future__ import annotations

import datetime
import difflib
import re
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.services import initial_code_generate, initial_password_hash
from core import imports
from core.text import clean_text, compact
from organisation import idnumbers
from organisation.access import departments_managed_by
from organisation.crypto import encrypt_id_number, hash_id_number
from organisation.idnumbers import mask_id_number, validate_id_number
from organisation.models import Department, Staff, StaffStatus
from organisation.services import MSG_MOBILE, validate_mobile

from . import reader
from .bulk import insert_rows
from .lookups import in_filter
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
)

# --- row messages (codes are stable; tests and the API use them) ------------------------

MSG_REQUIRED = imports.MSG_REQUIRED
MSG_TOO_LONG = imports.MSG_TOO_LONG
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
MSG_ID_HIDDEN = _(
    "ID numbers are never handed out in full; write this person's full ID number again "
    "before uploading the row."
)

CODE_REQUIRED = imports.CODE_REQUIRED
CODE_TOO_LONG = imports.CODE_TOO_LONG
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

ROW_MESSAGES = {
    CODE_REQUIRED: MSG_REQUIRED,
    CODE_TOO_LONG: MSG_TOO_LONG,
    CODE_ID_AS_NUMBER: MSG_ID_AS_NUMBER,
    CODE_UNIT_UNKNOWN: MSG_UNIT_UNKNOWN,
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


def detail_limit() -> int:
    return int(getattr(settings, "ROSTER_REPORT_DETAIL_LIMIT", 1000))


def max_rows() -> int:
    return int(getattr(settings, "ROSTER_MAX_ROWS", 100_000))


def zero_counts() -> dict[str, int]:
    return dict.fromkeys(
        ("rows", "new", "updated", "unchanged", "transfers", "leaving", "errors", "error_rows"),
        0,
    )


# --- the report ---------------------------------------------------------------------------


@dataclass
class Report(imports.ImportReport):
    """A roster import's report: the engine's, plus who is new, changed, moved in and
    (sync mode) leaving."""

    sync: bool = False
    new: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    leaving: list[dict] = field(default_factory=list)
    transfers_applied: bool = False

    def __post_init__(self):
        if not self.counts:
            self.counts = zero_counts()


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
class Plan:
    new_rows: list[_Row] = field(default_factory=list)
    # (staff pk, {field: new value}, is_transfer)
    updates: list[tuple[int, dict[str, Any], bool]] = field(default_factory=list)
    leaver_ids: list[int] = field(default_factory=list)
    # Filled by the write: what was done (for the hooks and the password list).
    result: dict = field(default_factory=dict)


class Units:
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

    def resolve(self, text: str) -> tuple[dict | None, str, dict]:
        """(unit, error code, params) for a unit cell's text."""
        if text not in self._cache:
            self._cache[text] = self._resolve(text)
        return self._cache[text]

    def _resolve(self, text: str) -> tuple[dict | None, str, dict]:
        unit = self.by_code.get(compact(text).upper())
        if unit is None:
            named = self.by_name.get(clean_text(text), [])
            managed = [u for u in named if u["managed"]]
            if len(managed) > 1 or (not managed and len(named) > 1):
                return None, CODE_UNIT_AMBIGUOUS, {"value": text}
            unit = (managed or named or [None])[0]
        if unit is None:
            close = difflib.get_close_matches(clean_text(text), self.managed_names, n=1, cutoff=0.6)
            if close:
                return None, CODE_UNIT_UNKNOWN, {"value": text, "suggestion": close[0]}
            return None, CODE_UNIT_UNKNOWN, {"value": text}
        if not unit["managed"]:
            return None, CODE_UNIT_OUTSIDE, {"value": text}
        return unit, "", {}


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _masked_id(text: str) -> str:
    return mask_id_number(text)


class RosterRows(imports.RowDefinition):
    """The roster: one person a row (see the module doc)."""

    columns = reader.COLUMNS
    report_class = Report
    messages = ROW_MESSAGES
    masked = {FIELD_ID_NUMBER: _masked_id}
    masked_note = MSG_ID_HIDDEN
    fallback_field = FIELD_ID_NUMBER
    author = "roster"

    def __init__(self, *, acting_user, sync: bool = False, progress=None):
        self.acting_user = acting_user
        self.sync = sync
        self.progress = progress

    def max_rows(self) -> int:
        return max_rows()

    def labels(self) -> dict:
        return FIELD_LABELS

    def message(self, error: dict) -> str:
        if error.get("code") == CODE_UNIT_UNKNOWN and "suggestion" in (error.get("params") or {}):
            params = error["params"]
            return str(MSG_UNIT_SUGGEST % params)
        return super().message(error)

    def valid_rows(self, plan: Plan) -> int:
        return len(plan.new_rows) + len(plan.updates)

    # --- check -------------------------------------------------------------------------

    def check(self, table, report: Report, errors: imports.RowErrors) -> Plan:
        """Check every row against the file and the database. Reads only."""
        plan = Plan()
        units = Units(self.acting_user)
        progress = self.progress

        def add(row: _Row, field_name: str, code: str, params: dict | None = None):
            row.bad = True
            errors.add(row.number, field_name, code, params)

        rows: list[_Row] = []
        columns = table.columns
        has = {name: name in columns for name in FIELD_LABELS}
        value = table.value
        for done, (number, cells) in enumerate(table.rows, start=1):
            row = _Row(number=number)
            rows.append(row)
            row.name = clean_text(value(cells, FIELD_NAME))
            # ID number: a number cell has lost its last digits; never guess them.
            raw_id = value(cells, FIELD_ID_NUMBER)
            id_text = compact(raw_id).upper() if isinstance(raw_id, str) else ""
            stored_as_number = isinstance(raw_id, int | float) and not isinstance(raw_id, bool)
            if stored_as_number or _SCIENTIFIC.match(id_text):
                add(row, FIELD_ID_NUMBER, CODE_ID_AS_NUMBER)
            else:
                try:
                    row.id_number = validate_id_number(id_text)
                except ValidationError as exc:
                    if len(id_text) == 18 and id_text.isdigit() and id_text.endswith("000"):
                        add(row, FIELD_ID_NUMBER, CODE_ID_AS_NUMBER)
                    else:
                        add(row, FIELD_ID_NUMBER, exc.code, exc.params)
                else:
                    row.id_hash = hash_id_number(row.id_number)
            row.staff_number = compact(imports.to_text(value(cells, FIELD_STAFF_NUMBER)))
            for name, text in ((FIELD_NAME, row.name), (FIELD_STAFF_NUMBER, row.staff_number)):
                if not text:
                    add(row, name, CODE_REQUIRED, {"field": name})
                elif len(text) > MAX_LENGTHS[name]:
                    add(row, name, CODE_TOO_LONG, {"field": name, "limit": MAX_LENGTHS[name]})
            unit_text = imports.to_text(value(cells, FIELD_UNIT))
            if not unit_text:
                add(row, FIELD_UNIT, CODE_REQUIRED, {"field": FIELD_UNIT})
            else:
                unit, code, params = units.resolve(unit_text)
                if unit is None:
                    add(row, FIELD_UNIT, code, params)
                row.unit = unit
            if has[FIELD_POST]:
                row.post = clean_text(value(cells, FIELD_POST))
                if len(row.post) > MAX_LENGTHS[FIELD_POST]:
                    params = {"field": FIELD_POST, "limit": MAX_LENGTHS[FIELD_POST]}
                    add(row, FIELD_POST, CODE_TOO_LONG, params)
            if has[FIELD_WINDOW]:
                raw = value(cells, FIELD_WINDOW)
                text = imports.to_text(raw)
                if text == "":
                    row.is_window_staff = True
                else:
                    row.is_window_staff = imports.to_bool(
                        raw if isinstance(raw, int | float) else text
                    )
                    if row.is_window_staff is None:
                        add(row, FIELD_WINDOW, CODE_WINDOW_VALUE, {"value": text})
            if has[FIELD_MOBILE]:
                try:
                    row.mobile = validate_mobile(imports.to_text(value(cells, FIELD_MOBILE)))
                except ValidationError:
                    add(row, FIELD_MOBILE, CODE_MOBILE)
            if has[FIELD_HIRE_DATE]:
                raw = value(cells, FIELD_HIRE_DATE)
                row.has_hire_date = True
                if imports.to_text(raw):
                    row.hire_date = imports.to_date(raw)
                    if row.hire_date is None:
                        add(row, FIELD_HIRE_DATE, CODE_DATE_VALUE, {"value": imports.to_text(raw)})
            if progress and done % PROGRESS_EVERY == 0:
                progress(done // 2)

        # Duplicates within the file, reported on every row involved.
        for key, field_name, code in (
            ("id_hash", FIELD_ID_NUMBER, CODE_DUPLICATE_ID),
            ("staff_number", FIELD_STAFF_NUMBER, CODE_DUPLICATE_STAFF_NUMBER),
            ("mobile", FIELD_MOBILE, CODE_DUPLICATE_MOBILE),
        ):
            groups: dict[str, list[_Row]] = defaultdict(list)
            for row in rows:
                if getattr(row, key):
                    groups[getattr(row, key)].append(row)
            for group in groups.values():
                if len(group) > 1:
                    numbers = "、".join(str(r.number) for r in group)
                    for row in group:
                        add(row, field_name, code, {"rows": numbers})

        self._against_database(rows, plan, report, units, add)
        report.counts["rows"] = len(rows)
        if progress:
            progress(len(rows))
        return plan

    def _against_database(self, rows, plan: Plan, report: Report, units: Units, add) -> None:
        """Who exists already (by ID number), and who holds the staff numbers, mobiles
        and account names used: a chunk of rows at a time (memory stays flat)."""
        User = get_user_model()
        limit = detail_limit()
        counts = zero_counts()
        matched_ids: set[int] = set()
        covered_units: set[int] = set()
        by_hash: dict[str, dict] = {}
        by_number: dict[str, int] = {}
        by_mobile: dict[str, int] = {}
        accounts: set[str] = set()
        progress = self.progress
        for done, row in enumerate(rows):
            if done % _CHUNK == 0:
                chunk = [r for r in rows[done : done + _CHUNK] if not r.bad]
                by_hash = {
                    s["id_number_hash"]: s for s in existing_staff([r.id_hash for r in chunk])
                }
                # Staff numbers and mobiles held by someone: only those that are not
                # already this person's own (unique columns), in one query.
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
                # Account names: a new person's, or a changed staff number's (usernames
                # are staff numbers), must not belong to someone else's account.
                accounts = (
                    set(
                        User.objects.filter(**in_filter("username", numbers)).values_list(
                            "username", flat=True
                        )
                    )
                    if numbers
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
                add(row, FIELD_STAFF_NUMBER, CODE_STAFF_NUMBER_TAKEN, {"value": row.staff_number})
            holder = by_mobile.get(row.mobile) if row.mobile else None
            if holder is not None and holder != own_pk:
                add(row, FIELD_MOBILE, CODE_MOBILE_TAKEN, {"value": row.mobile})
            if row.staff_number in accounts and holder_number is None:
                add(row, FIELD_STAFF_NUMBER, CODE_ACCOUNT_TAKEN, {"value": row.staff_number})
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

        if self.sync and covered_units:
            leavers = Staff.objects.filter(
                department_id__in=covered_units, status=StaffStatus.ACTIVE
            ).values("pk", "name", "staff_number", "department_id")
            for staff in leavers.order_by("department_id", "staff_number").iterator(
                chunk_size=5000
            ):
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
        report.counts = counts

    # --- write -------------------------------------------------------------------------

    def write(self, plan: Plan, report: Report, *, confirm_transfers: bool = False) -> None:
        if not report.ok:
            # Valid rows only: a person on a rejected row is not a leaver.
            plan.leaver_ids = []
            report.leaving = []
            report.counts["leaving"] = 0
        plan.result = _write(plan, confirm_transfers=confirm_transfers)
        report.transfers_applied = bool(plan.result["transferred"])
        report.counts["applied_transfers"] = len(plan.result["transferred"])


def existing_staff(hashes: list[str]) -> list[dict]:
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


def _changes(current: dict, row: _Row, units: Units) -> tuple[dict[str, Any], dict]:
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


def _shown(name: str, value: Any, units: Units) -> Any:
    if name == "department":
        return units.by_id[value]["name"] if value in units.by_id else ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    if name == "status":
        return str(StaffStatus(value).label)
    return value


def _write(plan: Plan, *, confirm_transfers: bool) -> dict:
    User = get_user_model()
    now = timezone.now()
    today = timezone.localdate()
    passwords: list[list[str]] = []
    created: list[int] = []
    # New people: accounts first, then their staff records (COPY on PostgreSQL).
    for chunk in _chunks(plan.new_rows, 5_000):
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
        del staff
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
