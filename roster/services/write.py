"""The commit's one transaction: new staff, changes, transfers and leavers."""

from __future__ import annotations

import os
import uuid
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.services import initial_codes_generate, initial_password_hashes
from core.bulk import insert_rows
from organisation.crypto import encrypt_id_number, hash_id_number
from organisation.idnumbers import mask_id_number
from organisation.models import Staff, StaffStatus

from .analysis import _chunks, _Plan


def _uuid4s(count: int) -> list[uuid.UUID]:
    """`count` random (version 4) UUIDs, as `uuid.uuid4()` makes them, from one
    urandom call."""
    data = os.urandom(16 * count)
    return [uuid.UUID(bytes=data[i : i + 16], version=4) for i in range(0, 16 * count, 16)]


def _write(plan: _Plan, *, acting_user, confirm_transfers: bool) -> dict:
    User = get_user_model()
    now = timezone.now()
    today = timezone.localdate()
    passwords: list[list[str]] = []
    created: list[int] = []
    # New people: accounts first, then their staff records (COPY on PostgreSQL, one
    # executemany on SQLite), 5,000 at a time; codes, salts and public ids come from a
    # few urandom calls per chunk.
    status = StaffStatus.ACTIVE.value
    for chunk in _chunks(plan.new_rows, 5_000):
        codes = initial_codes_generate(len(chunk))
        passwords.extend(
            [row.staff_number, row.name, row.unit["name"], code]
            for row, code in zip(chunk, codes, strict=True)
        )
        users = [
            {
                "username": row.staff_number,
                "first_name": row.name[:150],
                "password": hashed,
                "must_change_password": True,
                "date_joined": now,
            }
            for row, hashed in zip(chunk, initial_password_hashes(codes), strict=True)
        ]
        del codes
        user_ids = insert_rows(User, users)
        del users
        staff = [
            {
                "public_id": public_id,
                "name": row.name,
                "id_number_encrypted": encrypt_id_number(row.id_number),
                "id_number_hash": row.id_hash,
                "id_number_masked": mask_id_number(row.id_number),
                "staff_number": row.staff_number,
                "mobile": row.mobile or "",
                "department_id": row.unit["pk"],
                "post": row.post or "",
                "is_window_staff": True if row.is_window_staff is None else row.is_window_staff,
                "status": status,
                "hire_date": row.hire_date,
                "left_on": None,
                "user_id": user_id,
                "created_at": now,
                "updated_at": now,
            }
            for row, user_id, public_id in zip(chunk, user_ids, _uuid4s(len(chunk)), strict=True)
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
    returned = _returning(plan, applied={pk for pk, _c in updates}, passwords=passwords)
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
        "returned": returned,
        "updated": updated,
        "transferred": transferred,
        "left": list(plan.leaver_ids),
        "passwords": passwords,
    }


def _returning(plan: _Plan, *, applied: set[int], passwords: list[list[str]]) -> list[int]:
    """People back after their personal data was erased: their ID number is stored
    again and their account gets a new one-time initial password (the erasure made the
    old one unusable)."""
    User = get_user_model()
    pks = [pk for pk in plan.returning if pk in applied]
    if not pks:
        return []
    staff = Staff.objects.select_related("department").in_bulk(pks)
    codes = initial_codes_generate(len(pks))
    hashes = initial_password_hashes(codes)
    for pk, code, hashed in zip(pks, codes, hashes, strict=True):
        person = staff[pk]
        id_number = plan.returning[pk]
        Staff.objects.filter(pk=pk).update(
            id_number_encrypted=encrypt_id_number(id_number),
            id_number_hash=hash_id_number(id_number),
            id_number_masked=mask_id_number(id_number),
            personal_data_erased_at=None,
        )
        if person.user_id:
            User.objects.filter(pk=person.user_id).update(
                password=hashed, must_change_password=True, is_active=True
            )
            passwords.append([person.staff_number, person.name, person.department.name, code])
    return pks
