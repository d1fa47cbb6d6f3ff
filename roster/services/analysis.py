"""The check: every row against the file and the database, in named steps. Reads only."""

from __future__ import annotations

import datetime
import difflib
import operator
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from core import imports
from organisation.access import departments_managed_by
from organisation.crypto import hash_id_number
from organisation.idnumbers import mask_id_number, validate_id_number
from organisation.models import Department, Staff, StaffStatus
from organisation.services import validate_mobile

from .. import reader
from ..lookups import in_filter
from ..reader import (
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
    CODE_STAFF_NUMBER_OF_ERASED,
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
    MSG_ID_AS_NUMBER,
    MSG_ID_ERASED,
    MSG_MOBILE_TAKEN,
    MSG_REQUIRED,
    MSG_STAFF_NUMBER_OF_ERASED,
    MSG_STAFF_NUMBER_TAKEN,
    MSG_TOO_LONG,
    MSG_UNIT_AMBIGUOUS,
    MSG_UNIT_OUTSIDE,
    MSG_UNIT_SUGGEST,
    MSG_UNIT_UNKNOWN,
    MSG_WINDOW_VALUE,
)
from .report import Report, _zero_counts, detail_limit

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


# --- the plan: what a commit would do ------------------------------------------------------


@dataclass(slots=True)
class _Row:
    number: int
    name: str = ""
    id_number: str = ""
    id_hash: str = ""
    staff_number: str = ""
    unit: dict | None = None
    unit_text: str = ""
    post: str | None = None
    is_window_staff: bool | None = None
    mobile: str | None = None
    hire_date: datetime.date | None = None
    has_hire_date: bool = False
    bad: bool = False


@dataclass
class _Plan:
    report: Report
    rows: list[_Row] = field(default_factory=list)  # every row of the file, as read
    new_rows: list[_Row] = field(default_factory=list)
    # (staff pk, {field: new value}, is_transfer)
    updates: list[tuple[int, dict[str, Any], bool]] = field(default_factory=list)
    leaver_ids: list[int] = field(default_factory=list)
    # Staff pk -> ID number of people returning after their personal data was erased
    # (the retention period after leaving): matched by staff number and name, they get
    # their ID number back and a new initial password.
    returning: dict[int, str] = field(default_factory=dict)


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


class _Errors:
    """The row errors found so far, through the import engine's `RowErrors` (each
    placed at the cell it is about); adding one marks the row bad."""

    def __init__(self, errors: imports.RowErrors):
        self.engine = errors

    def add(self, row: _Row, field_name: str, code: str, message, params: dict | None = None):
        row.bad = True
        # Kept with the field's name, so the message can be shown in the reader's language.
        params = {k: field_name if k == "field" else v for k, v in (params or {}).items()}
        self.engine.add(row.number, field_name, code, params, message=message)


def _analyse(
    table: Table,
    *,
    acting_user,
    sync: bool,
    report: Report,
    errors: imports.RowErrors,
    progress=None,
    parsed: list[_Row] | None = None,
) -> _Plan:
    """Check every row against the file and the database. Reads only.

    Steps: read and check each row's cells; mark duplicates within the file; compare
    with the database a chunk at a time (taken numbers, new, changed, transferred);
    in sync mode find the leavers; finish the report.

    `parsed`: the rows as an earlier check of the same file read them, all without
    errors (`roster.services.parsed`); the file is then not read again, only the
    units are looked up again (they may have changed since).
    """
    plan = _Plan(report=report)
    units = _Units(acting_user)
    errors = _Errors(errors)
    if parsed is None:
        rows = _read_rows(table, units, errors, progress)
    else:
        rows = parsed
        _resolve_units(rows, units, errors)
    plan.rows = rows
    _mark_duplicates(rows, errors)
    counts = _zero_counts()
    counts["rows"] = len(rows)
    matched_ids, covered_units = _compare_with_database(
        rows, plan=plan, units=units, errors=errors, counts=counts, progress=progress
    )
    if sync and covered_units:
        _find_leavers(plan, covered_units, matched_ids, units=units, counts=counts)
    report.counts = counts  # the engine adds the error counts
    if progress:
        progress(len(rows))
    return plan


# --- step 1: each row's cells -------------------------------------------------------------

# Columns whose cells repeat (a roster names a few hundred units, a few posts, 是/否 and
# some thousand dates): each distinct cell is parsed once and its result reused.
_MEMO_LIMIT = 10_000


def _read_rows(table: Table, units: _Units, errors: _Errors, progress) -> list[_Row]:
    rows: list[_Row] = []
    index = {name: table.columns.get(name) for name in FIELD_LABELS}
    width = max(i for i in index.values() if i is not None) + 1
    today = datetime.date.today()
    memos: dict[str, dict] = {FIELD_POST: {}, FIELD_WINDOW: {}, FIELD_HIRE_DATE: {}}
    unit_memo: dict = {}
    parsers = {
        FIELD_POST: _parse_post,
        FIELD_WINDOW: _parse_window,
        FIELD_HIRE_DATE: _parse_hire_date,
    }
    repeated = [
        (name, index[name], memos[name], parsers[name]) for name in memos if index[name] is not None
    ]
    i_name, i_id, i_number, i_unit, i_mobile = (
        index[FIELD_NAME],
        index[FIELD_ID_NUMBER],
        index[FIELD_STAFF_NUMBER],
        index[FIELD_UNIT],
        index[FIELD_MOBILE],
    )
    for done, (number, cells) in enumerate(table.rows, start=1):
        if len(cells) < width:
            cells = [*cells, *([None] * (width - len(cells)))]
        row = _Row(number=number)
        rows.append(row)
        row.name = clean_text(cells[i_name])
        _read_id_number(row, cells[i_id], errors, today)
        raw = cells[i_number]
        row.staff_number = compact(raw if raw.__class__ is str else reader.to_text(raw))
        for field_name, text in ((FIELD_NAME, row.name), (FIELD_STAFF_NUMBER, row.staff_number)):
            if not text:
                label = FIELD_LABELS[field_name]
                errors.add(row, field_name, CODE_REQUIRED, MSG_REQUIRED, {"field": label})
            elif len(text) > MAX_LENGTHS[field_name]:
                label = FIELD_LABELS[field_name]
                params = {"field": label, "limit": MAX_LENGTHS[field_name]}
                errors.add(row, field_name, CODE_TOO_LONG, MSG_TOO_LONG, params)
        raw = cells[i_unit]
        key = (raw.__class__, raw)
        parsed = unit_memo.get(key)
        if parsed is None:
            parsed = _parse_unit(reader.to_text(raw), units)
            if len(unit_memo) < _MEMO_LIMIT:
                unit_memo[key] = parsed
        (row.unit, row.unit_text), found = parsed
        for code, message, params in found:
            errors.add(row, FIELD_UNIT, code, message, params)
        if i_mobile is not None:
            raw = cells[i_mobile]
            try:
                row.mobile = validate_mobile(raw if raw.__class__ is str else reader.to_text(raw))
            except ValidationError as exc:
                errors.add(row, FIELD_MOBILE, CODE_MOBILE, exc.message)
        for field_name, i, memo, parse in repeated:
            raw = cells[i]
            key = (raw.__class__, raw)
            parsed = memo.get(key)
            if parsed is None:
                parsed = parse(raw)
                if len(memo) < _MEMO_LIMIT:
                    memo[key] = parsed
            value, found = parsed
            setattr(row, field_name, value)
            for code, message, params in found:
                errors.add(row, field_name, code, message, params)
        if progress and done % PROGRESS_EVERY == 0:
            progress(done // 2)
    if index[FIELD_HIRE_DATE] is not None:
        for row in rows:
            row.has_hire_date = True
    return rows


def _read_id_number(row: _Row, raw_id, errors: _Errors, today: datetime.date) -> None:
    """A number cell has lost its last digits; never guess them."""
    if isinstance(raw_id, int | float) and not isinstance(raw_id, bool):
        errors.add(row, FIELD_ID_NUMBER, CODE_ID_AS_NUMBER, MSG_ID_AS_NUMBER)
        return
    id_text = compact(raw_id).upper() if isinstance(raw_id, str) else ""
    try:
        row.id_number = validate_id_number(id_text, today=today)
    except ValidationError as exc:
        if _SCIENTIFIC.match(id_text) or (
            len(id_text) == 18 and id_text.isdigit() and id_text.endswith("000")
        ):
            errors.add(row, FIELD_ID_NUMBER, CODE_ID_AS_NUMBER, MSG_ID_AS_NUMBER)
        else:
            errors.add(row, FIELD_ID_NUMBER, exc.code, exc.message, exc.params)
    else:
        row.id_hash = hash_id_number(row.id_number)


# The parsers of the repeating columns: (value, [(error code, message, params)]).


def _parse_unit(unit_text: str, units: _Units) -> tuple[tuple[dict | None, str], list]:
    if not unit_text:
        params = {"field": FIELD_LABELS[FIELD_UNIT]}
        return (None, unit_text), [(CODE_REQUIRED, MSG_REQUIRED, params)]
    unit, code, message, params = units.resolve(unit_text)
    return (unit, unit_text), ([(code, message, params)] if unit is None else [])


def _resolve_units(rows: list[_Row], units: _Units, errors: _Errors) -> None:
    """The units of rows read earlier, looked up again in the current database."""
    memo: dict[str, tuple] = {}
    for row in rows:
        parsed = memo.get(row.unit_text)
        if parsed is None:
            parsed = memo[row.unit_text] = _parse_unit(row.unit_text, units)
        (row.unit, _text), found = parsed
        for code, message, params in found:
            errors.add(row, FIELD_UNIT, code, message, params)


def _parse_post(raw) -> tuple[str, list]:
    post = clean_text(raw)
    if len(post) > MAX_LENGTHS[FIELD_POST]:
        params = {"field": FIELD_LABELS[FIELD_POST], "limit": MAX_LENGTHS[FIELD_POST]}
        return post, [(CODE_TOO_LONG, MSG_TOO_LONG, params)]
    return post, []


def _parse_window(raw) -> tuple[bool | None, list]:
    text = reader.to_text(raw)
    if text == "":
        return True, []
    value = reader.to_bool(raw if isinstance(raw, int | float) else text)
    if value is None:
        return None, [(CODE_WINDOW_VALUE, MSG_WINDOW_VALUE, {"value": text})]
    return value, []


def _parse_hire_date(raw) -> tuple[datetime.date | None, list]:
    text = reader.to_text(raw)
    if not text:
        return None, []
    value = reader.to_date(raw)
    if value is None:
        return None, [(CODE_DATE_VALUE, MSG_DATE_VALUE, {"value": text})]
    return value, []


# --- step 2: duplicates within the file -----------------------------------------------------


def _mark_duplicates(rows: list[_Row], errors: _Errors) -> None:
    """Duplicates within the file, reported on every row involved."""
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
        # The first row with each value; groups only for values seen again (few).
        first: dict[str, _Row] = {}
        groups: dict[str, list[_Row]] = {}
        for row, value in zip(rows, map(operator.attrgetter(key), rows), strict=True):
            if value:
                seen = first.setdefault(value, row)
                if seen is not row:
                    groups.setdefault(value, [seen]).append(row)
        for group in sorted(groups.values(), key=lambda g: g[0].number):
            numbers = "、".join(str(r.number) for r in group)
            for row in group:
                errors.add(row, field_name, code, message, {"rows": numbers})


# --- step 3: the database, a chunk of rows at a time --------------------------------------


@dataclass
class _Holders:
    """For one chunk of rows: the staff already known by ID number, and who holds the
    staff numbers, mobiles and account names the chunk uses."""

    by_hash: dict[str, dict] = field(default_factory=dict)
    by_number: dict[str, int] = field(default_factory=dict)
    by_mobile: dict[str, int] = field(default_factory=dict)
    accounts: set[str] = field(default_factory=set)
    # Staff numbers of people whose personal data was erased (no ID number to match).
    erased: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def load(cls, chunk: list[_Row]) -> _Holders:
        holders = cls()
        holders.by_hash = {
            s["id_number_hash"]: s for s in _existing_staff([r.id_hash for r in chunk])
        }
        # Staff numbers and mobiles held by someone: only those that are not already
        # this person's own (unique columns), in one query.
        numbers, mobiles = [], []
        for r in chunk:
            own = holders.by_hash.get(r.id_hash) or {}
            if own.get("staff_number") != r.staff_number:
                numbers.append(r.staff_number)
            if r.mobile and own.get("mobile") != r.mobile:
                mobiles.append(r.mobile)
        # One query per column, unordered, so each uses its unique index (the mobile's
        # is partial: `NOT mobile = ''` lets the database use it).
        if numbers:
            held = Staff.objects.filter(**in_filter("staff_number", numbers)).order_by()
            holders.by_number = dict(held.values_list("staff_number", "pk"))
            holders.erased = {
                staff["staff_number"]: staff
                for staff in Staff.objects.filter(
                    **in_filter("staff_number", numbers), personal_data_erased_at__isnull=False
                )
                .order_by()
                .values(*_STAFF_FIELDS)
            }
        if mobiles:
            held = Staff.objects.filter(**in_filter("mobile", mobiles)).exclude(mobile="")
            holders.by_mobile = dict(held.order_by().values_list("mobile", "pk"))
        # Account names: a new person's, or a changed staff number's (usernames are
        # staff numbers), must not belong to someone else's account.
        if numbers:
            holders.accounts = set(
                get_user_model()
                .objects.filter(**in_filter("username", numbers))
                .order_by()
                .values_list("username", flat=True)
            )
        return holders


def _compare_with_database(
    rows: list[_Row], *, plan: _Plan, units: _Units, errors: _Errors, counts: dict, progress
) -> tuple[set[int], set[int]]:
    """Who exists already (by ID number) and what the file would change; memory stays
    flat. Returns the matched staff pks and the units the file covers."""
    limit = detail_limit()
    matched_ids: set[int] = set()
    covered_units: set[int] = set()
    holders = _Holders()
    for done, row in enumerate(rows):
        if done % _CHUNK == 0:
            holders = _Holders.load([r for r in rows[done : done + _CHUNK] if not r.bad])
            if progress:
                progress(len(rows) // 2 + done // 2)
        if row.unit:
            covered_units.add(row.unit["pk"])
        if row.bad:
            continue
        current = holders.by_hash.get(row.id_hash)
        returning = False
        if current is None:
            erased = holders.erased.get(row.staff_number)
            if erased is not None and erased["name"] == row.name:
                current, returning = erased, True
        _check_taken(row, current, holders, errors)
        if row.bad:
            continue
        if current is None:
            counts["new"] += 1
            plan.new_rows.append(row)
            if len(plan.report.new) < limit:
                plan.report.new.append(
                    {
                        "row": row.number,
                        "name": row.name,
                        "staff_number": row.staff_number,
                        "unit": row.unit["name"],
                    }
                )
            continue
        matched_ids.add(current["pk"])
        if returning:
            plan.returning[current["pk"]] = row.id_number
        _plan_update(
            row, current, plan=plan, units=units, counts=counts, limit=limit, returning=returning
        )
    return matched_ids, covered_units


def _check_taken(row: _Row, current: dict | None, holders: _Holders, errors: _Errors) -> None:
    """Staff number, mobile and account name must not belong to someone else."""
    own_pk = current["pk"] if current else None
    holder = holder_number = holders.by_number.get(row.staff_number)
    if holder is not None and holder != own_pk:
        erased = holders.erased.get(row.staff_number)
        if erased is not None:
            params = {"value": row.staff_number, "name": erased["name"]}
            errors.add(
                row,
                FIELD_STAFF_NUMBER,
                CODE_STAFF_NUMBER_OF_ERASED,
                MSG_STAFF_NUMBER_OF_ERASED,
                params,
            )
        else:
            params = {"value": row.staff_number}
            errors.add(
                row, FIELD_STAFF_NUMBER, CODE_STAFF_NUMBER_TAKEN, MSG_STAFF_NUMBER_TAKEN, params
            )
    holder = holders.by_mobile.get(row.mobile) if row.mobile else None
    if holder is not None and holder != own_pk:
        errors.add(row, FIELD_MOBILE, CODE_MOBILE_TAKEN, MSG_MOBILE_TAKEN, {"value": row.mobile})
    if row.staff_number in holders.accounts and holder_number is None:
        params = {"value": row.staff_number}
        errors.add(row, FIELD_STAFF_NUMBER, CODE_ACCOUNT_TAKEN, MSG_ACCOUNT_TAKEN, params)


def _plan_update(
    row: _Row,
    current: dict,
    *,
    plan: _Plan,
    units: _Units,
    counts: dict,
    limit: int,
    returning: bool = False,
) -> None:
    """A known person: a transfer (from outside the user's units), a change, or nothing.
    A person returning after their personal data was erased gets the ID number back."""
    report = plan.report
    changes, display = _changes(current, row, units)
    if returning:
        display = {"id_number": [str(MSG_ID_ERASED), mask_id_number(row.id_number)], **display}
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


# --- step 4: leavers (sync mode) ------------------------------------------------------------


def _find_leavers(
    plan: _Plan, covered_units: set[int], matched_ids: set[int], *, units: _Units, counts: dict
) -> None:
    """Active staff of the covered units whom the file does not name."""
    limit = detail_limit()
    leavers = Staff.objects.filter(
        department_id__in=covered_units, status=StaffStatus.ACTIVE
    ).values("pk", "name", "staff_number", "department_id")
    for staff in leavers.order_by("department_id", "staff_number").iterator(chunk_size=5000):
        if staff["pk"] in matched_ids:
            continue
        counts["leaving"] += 1
        plan.leaver_ids.append(staff["pk"])
        if len(plan.report.leaving) < limit:
            plan.report.leaving.append(
                {
                    "name": staff["name"],
                    "staff_number": staff["staff_number"],
                    "unit": units.by_id[staff["department_id"]]["name"],
                }
            )


_STAFF_FIELDS = (
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


def _existing_staff(hashes: list[str]) -> list[dict]:
    if not hashes:
        return []
    return [
        staff
        for chunk in _chunks(hashes)
        for staff in Staff.objects.filter(**in_filter("id_number_hash", chunk))
        .order_by()
        .values(*_STAFF_FIELDS)
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
