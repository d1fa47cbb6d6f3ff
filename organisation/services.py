"""Writes on the organisation. Each service is one transaction with an audit entry."""

from __future__ import annotations

import datetime
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.services import user_set_initial_password
from audit.services import audit_record
from core.text import clean_text, compact

from .access import departments_managed_by, is_administrator, user_roles_forget
from .crypto import encrypt_id_number, hash_id_number
from .idnumbers import mask_id_number, validate_id_number
from .models import Department, Role, RoleAssignment, Staff, StaffStatus

MSG_MOBILE = _("A mobile number has 11 digits and starts with 1.")
MSG_ID_TAKEN = _("A staff member with this ID number already exists.")
MSG_STAFF_NUMBER_TAKEN = _("This staff number is already in use.")
MSG_MOBILE_TAKEN = _("This mobile number is already used by another staff member.")
MSG_PERSONAL_DATA_ERASED = _(
    "This person left long ago and their personal data has been erased; "
    "they cannot be given a sign-in account again."
)
MSG_UNIT_NOT_YOURS = _("You can only manage staff of your own unit and the units below it.")
MSG_ONLY_ADMINISTRATORS = _("Only administrators can do this.")
MSG_NAME_REQUIRED = _("The name is required.")
MSG_STAFF_NUMBER_REQUIRED = _("The staff number is required.")
MSG_EXAMINER_NEEDS_ACCOUNT = _(
    "Only an active staff member of your units with a sign-in account can be made an examiner."
)

_MOBILE = re.compile(r"^1\d{10}$")

STAFF_FIELDS = (
    "name",
    "staff_number",
    "mobile",
    "department",
    "post",
    "is_window_staff",
    "hire_date",
)


def validate_mobile(value: object) -> str:
    mobile = compact(value)
    if mobile and not _MOBILE.match(mobile):
        raise ValidationError(MSG_MOBILE, code="mobile")
    return mobile


def department_create(
    *, name: str, code: str, kind: str, parent: Department | None, acting_user=None
) -> Department:
    with transaction.atomic():
        fields = {"name": clean_text(name), "code": compact(code), "kind": kind}
        department = (
            Department.objects.add_child(parent, fields)
            if parent
            else Department.objects.add_root(fields)
        )
        if acting_user is not None:
            audit_record(
                action="department.created",
                actor=acting_user,
                target=department,
                data={"code": department.code, "name": department.name},
            )
    return department


def _check_can_manage(acting_user, department: Department) -> None:
    if acting_user is None:
        return  # system actions (commands run by an operator, demo data)
    if not departments_managed_by(acting_user).filter(pk=department.pk).exists():
        raise PermissionDenied(MSG_UNIT_NOT_YOURS)


def staff_create(
    *,
    name: str,
    id_number: str,
    staff_number: str,
    department: Department,
    mobile: str = "",
    post: str = "",
    is_window_staff: bool = True,
    hire_date: datetime.date | None = None,
    acting_user=None,
    request=None,
) -> Staff:
    name = clean_text(name)
    staff_number = compact(staff_number)
    errors: dict[str, list] = {}
    if not name:
        errors.setdefault("name", []).append(ValidationError(MSG_NAME_REQUIRED, code="required"))
    if not staff_number:
        errors.setdefault("staff_number", []).append(
            ValidationError(MSG_STAFF_NUMBER_REQUIRED, code="required")
        )
    try:
        number = validate_id_number(id_number)
    except ValidationError as exc:
        errors.setdefault("id_number", []).append(exc)
        number = ""
    try:
        mobile = validate_mobile(mobile)
    except ValidationError as exc:
        errors.setdefault("mobile", []).append(exc)
    if number and Staff.objects.filter(id_number_hash=hash_id_number(number)).exists():
        errors.setdefault("id_number", []).append(ValidationError(MSG_ID_TAKEN, code="taken"))
    if staff_number and Staff.objects.filter(staff_number=staff_number).exists():
        errors.setdefault("staff_number", []).append(
            ValidationError(MSG_STAFF_NUMBER_TAKEN, code="taken")
        )
    if mobile and not errors.get("mobile") and Staff.objects.filter(mobile=mobile).exists():
        errors.setdefault("mobile", []).append(ValidationError(MSG_MOBILE_TAKEN, code="taken"))
    if errors:
        raise ValidationError(errors)
    _check_can_manage(acting_user, department)
    with transaction.atomic():
        staff = Staff.objects.create(
            name=name,
            id_number_encrypted=encrypt_id_number(number),
            id_number_hash=hash_id_number(number),
            id_number_masked=mask_id_number(number),
            staff_number=staff_number,
            mobile=mobile,
            department=department,
            post=clean_text(post),
            is_window_staff=is_window_staff,
            hire_date=hire_date,
        )
        audit_record(
            action="staff.created",
            actor=acting_user,
            target=staff,
            request=request,
            data={"department": department.code, "staff_number": staff_number},
        )
    return staff


def staff_update(*, staff: Staff, acting_user=None, request=None, **changes) -> Staff:
    """Change ordinary fields of a staff member. Returns the staff member."""
    unknown = set(changes) - set(STAFF_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    _check_can_manage(acting_user, staff.department)
    if "department" in changes:
        _check_can_manage(acting_user, changes["department"])
    if "mobile" in changes:
        changes["mobile"] = validate_mobile(changes["mobile"])
        if (
            changes["mobile"]
            and Staff.objects.filter(mobile=changes["mobile"]).exclude(pk=staff.pk).exists()
        ):
            raise ValidationError({"mobile": [ValidationError(MSG_MOBILE_TAKEN, code="taken")]})
    changed = {}
    for field, value in changes.items():
        old = getattr(staff, field)
        if old != value:
            changed[field] = [
                str(old) if old is not None else None,
                str(value) if value is not None else None,
            ]
            setattr(staff, field, value)
    if not changed:
        return staff
    with transaction.atomic():
        staff.save(update_fields=[*changes.keys(), "updated_at"])
        audit_record(
            action="staff.updated",
            actor=acting_user,
            target=staff,
            request=request,
            data={"changes": changed},
        )
    return staff


def staff_mark_left(
    *, staff: Staff, left_on: datetime.date, acting_user=None, request=None
) -> Staff:
    """A leaver keeps their history; their account can no longer sign in."""
    _check_can_manage(acting_user, staff.department)
    with transaction.atomic():
        staff.status = StaffStatus.LEFT
        staff.left_on = left_on
        staff.save(update_fields=["status", "left_on", "updated_at"])
        if staff.user_id:
            get_user_model().objects.filter(pk=staff.user_id).update(is_active=False)
        audit_record(
            action="staff.left",
            actor=acting_user,
            target=staff,
            request=request,
            data={"left_on": left_on.isoformat()},
        )
    return staff


def staff_create_account(*, staff: Staff, acting_user=None, request=None) -> str:
    """Create (or reset) the staff member's sign-in account with a one-time password.

    Returns the initial password in clear, to be handed over once.
    """
    if acting_user is not None:
        _check_can_manage(acting_user, staff.department)
    if staff.personal_data_erased_at is not None:
        audit_record(
            action="account.initial_password_denied",
            actor=acting_user,
            target=staff,
            data={"reason": "personal_data_erased"},
            request=request,
        )
        raise ValidationError(MSG_PERSONAL_DATA_ERASED, code="erased")
    User = get_user_model()
    with transaction.atomic():
        user = staff.user
        if user is None:
            user = User.objects.create(username=staff.staff_number, first_name=staff.name)
            staff.user = user
            staff.save(update_fields=["user", "updated_at"])
            user_roles_forget(user.pk)
        code = user_set_initial_password(user=user)
        audit_record(
            action="account.initial_password_issued",
            actor=acting_user,
            target=staff,
            request=request,
        )
    return code


def staff_reveal_id_number(*, staff: Staff, acting_user, request=None) -> str:
    """The full ID number, for administrators only; every reveal is audited."""
    if not is_administrator(acting_user):
        audit_record(
            action="staff.id_number_reveal_denied", actor=acting_user, target=staff, request=request
        )
        raise PermissionDenied(MSG_ONLY_ADMINISTRATORS)
    audit_record(
        action="staff.id_number_revealed", actor=acting_user, target=staff, request=request
    )
    return staff.reveal_id_number()


def role_assign(
    *, user, role: str, department: Department, acting_user=None, request=None
) -> RoleAssignment:
    if acting_user is not None and not is_administrator(acting_user):
        raise PermissionDenied(MSG_ONLY_ADMINISTRATORS)
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=role, department=department
        )
        if role == Role.ADMINISTRATOR and not user.is_staff:
            user.is_staff = True  # lets administrators into the Django admin
            user.save(update_fields=["is_staff"])
        user_roles_forget(user.pk)
        if created:
            audit_record(
                action="role.assigned",
                actor=acting_user,
                target=user,
                request=request,
                data={"role": role, "department": department.code},
            )
    return assignment


def role_grant_examiner(*, staff: Staff, acting_user=None, request=None) -> RoleAssignment:
    """Make a staff member an examiner (考评员). A coordinator may do it for people of
    their own units: the role reads no unit's data, only the rooms a sitting assigns
    them. It is bound to the person's own unit, which is then never examined by them
    (organisation.access.examiner_conflict_units). Audited `role.assigned`."""
    _check_can_manage(acting_user, staff.department)
    user = staff.user
    if user is None or not user.is_active or staff.status != StaffStatus.ACTIVE:
        raise ValidationError(MSG_EXAMINER_NEEDS_ACCOUNT, code="no_account")
    with transaction.atomic():
        assignment, created = RoleAssignment.objects.get_or_create(
            user=user, role=Role.EXAMINER, department=staff.department
        )
        user_roles_forget(user.pk)
        if created:
            audit_record(
                action="role.assigned",
                actor=acting_user,
                target=user,
                request=request,
                data={"role": Role.EXAMINER, "department": staff.department.code},
            )
    return assignment


def role_revoke(*, assignment: RoleAssignment, acting_user=None, request=None) -> None:
    if acting_user is not None and not is_administrator(acting_user):
        raise PermissionDenied(MSG_ONLY_ADMINISTRATORS)
    with transaction.atomic():
        data = {"role": assignment.role, "department": assignment.department.code}
        user = assignment.user
        assignment.delete()
        user_roles_forget(user.pk)
        if (
            data["role"] == Role.ADMINISTRATOR
            and not RoleAssignment.objects.filter(user=user, role=Role.ADMINISTRATOR).exists()
        ):
            user.is_staff = False
            user.save(update_fields=["is_staff"])
        audit_record(
            action="role.revoked", actor=acting_user, target=user, request=request, data=data
        )
