"""Demo data: two past roster imports by the demo county coordinator, made through the
real services (one imported with a few changes, one with row errors to correct)."""

from __future__ import annotations

import datetime
import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from organisation.models import Department, Role, RoleAssignment, Staff, StaffStatus

from . import services
from .exports import TEMPLATE_FIELDS, TEMPLATE_HEADERS
from .models import RosterImport


def _workbook(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append(["2026年综窗人员花名册"])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TEMPLATE_FIELDS))
    sheet.append([TEMPLATE_HEADERS[f] for f in TEMPLATE_FIELDS])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(staff: Staff, unit: Department) -> list:
    return [
        staff.name,
        staff.reveal_id_number(),
        staff.staff_number,
        unit.code,
        staff.post,
        "是" if staff.is_window_staff else "否",
        staff.mobile,
        staff.hire_date.isoformat() if staff.hire_date else "",
    ]


def seed_roster(*, rng: random.Random) -> int:
    """Create the imports; returns how many. Needs the demo organisation."""
    assignment = (
        RoleAssignment.objects.filter(role=Role.COORDINATOR, department__depth=2)
        .select_related("user", "department")
        .order_by("department__path")
        .first()
    )
    if assignment is None:
        return 0
    user, county = assignment.user, assignment.department
    units = list(
        Department.objects.filter(path__startswith=county.path, depth=county.depth + 1).order_by(
            "path"
        )[:2]
    )
    if not units:
        return 0
    unit = units[0]
    staff = list(
        Staff.objects.filter(
            department=unit, status=StaffStatus.ACTIVE, user__isnull=True
        ).order_by("staff_number")[:12]
    )
    rows = [_row(s, unit) for s in staff]
    # A change of post (no new hire: the demo city stays deterministic, uuids and all).
    if rows:
        rows[rng.randrange(len(rows))][4] = "帮办代办"
    first = services.roster_upload(
        file=SimpleUploadedFile("花名册-10月.xlsx", _workbook(rows)),
        filename="花名册-10月.xlsx",
        acting_user=user,
        background=False,
    )
    if first.status == "ready":
        services.roster_commit(roster_import=first, acting_user=user)
    # A second file with typical mistakes, waiting to be corrected.
    bad = [list(r) for r in rows[:6]]
    if len(bad) >= 4:
        bad[1][1] = float(bad[1][1][:15] + "000")  # ID number stored as a number
        bad[2][3] = unit.name[:-1]  # a near-miss unit name
        bad[3][2] = bad[0][2]  # a duplicated staff number
    second = services.roster_upload(
        file=SimpleUploadedFile("花名册-11月.xlsx", _workbook(bad)),
        filename="花名册-11月.xlsx",
        acting_user=user,
        background=False,
    )
    now = timezone.now()
    RosterImport.objects.filter(pk=first.pk).update(
        created_at=now - datetime.timedelta(days=24), committed_at=now - datetime.timedelta(days=24)
    )
    RosterImport.objects.filter(pk=second.pk).update(created_at=now - datetime.timedelta(days=2))
    return 2
