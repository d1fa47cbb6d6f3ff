"""Who may see and change what. Every selector, API queryset and admin queryset
that touches department-scoped data goes through this module.

Rules:
- a coordinator, manager or administrator role is bound to a unit and covers its
  whole subtree; a user may hold several roles;
- coordinators and administrators may change data in their subtrees, managers only read;
- a learner (any staff member) sees only their own records;
- a call made above a reader's units (a city's assessment sitting) is visible to them
  (`departments_above_readers`), never the data of the units above;
- `get_<thing>_for(user, id)` raises Http404 alike for "missing" and "not yours";
  each is a thin call of `get_scoped_or_404`, which audits every refusal;
- role checks are `require_*` (one function serves the HTML view and the API: DRF turns
  Http404 into its 404 answer), each refusal audited by `record_denied`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.lookups import StartsWith
from django.http import Http404

from audit.services import audit_record

from .models import Department, Role, RoleAssignment, Staff

READ_ROLES = (Role.COORDINATOR, Role.MANAGER, Role.ADMINISTRATOR)
WRITE_ROLES = (Role.COORDINATOR, Role.ADMINISTRATOR)


def _subtrees_of_roles(user, roles: Iterable[str], *, above: bool = False) -> QuerySet[Department]:
    """Departments inside any subtree the user holds one of `roles` on (with `above`:
    the departments at or above such a role's unit instead).

    One lazy query: the role check is an EXISTS subquery on the path prefix, so
    callers can nest it (`department__in=...`) without a round trip.
    """
    if user is None or not user.is_authenticated or not user.is_active:
        return Department.objects.none()
    if user.is_superuser and not above:
        return Department.objects.all()
    unit, role_unit = OuterRef("path"), F("department__path")
    covering = RoleAssignment.objects.filter(
        StartsWith(role_unit, unit) if above else StartsWith(unit, role_unit),
        user_id=user.pk,
        role__in=list(roles),
    )
    return Department.objects.filter(Exists(covering))


def departments_visible_to(user) -> QuerySet[Department]:
    """Units whose data the user may read (coordinator, manager, administrator)."""
    return _subtrees_of_roles(user, READ_ROLES)


def departments_above_readers(user) -> QuerySet[Department]:
    """Units at or above a unit the user reads (coordinator, manager, administrator):
    those whose calls reach the user's people (a city's assessment sitting, to which a
    township's coordinator proposes their own). Seeing such a unit's call is not
    reading its data: the callers scope what is shown within it."""
    return _subtrees_of_roles(user, READ_ROLES, above=True)


def departments_managed_by(user) -> QuerySet[Department]:
    """Units whose data the user may change (coordinator, administrator)."""
    return _subtrees_of_roles(user, WRITE_ROLES)


def staff_visible_to(user) -> QuerySet[Staff]:
    """Staff in the user's read subtrees, plus the user's own staff record."""
    if user is None or not user.is_authenticated:
        return Staff.objects.none()
    return Staff.objects.filter(Q(department__in=departments_visible_to(user)) | Q(user_id=user.pk))


def staff_managed_by(user) -> QuerySet[Staff]:
    return Staff.objects.filter(department__in=departments_managed_by(user))


_MISSING = object()


def learner_staff(user) -> Staff | None:
    """The signed-in person's own staff record with their unit, in one query, kept on
    the user object for the rest of the request (None for accounts without one)."""
    if not user.is_authenticated:
        return None
    # getattr, not __dict__: request.user is a lazy proxy that forwards attributes.
    staff = getattr(user, "_learner_staff", _MISSING)
    if staff is _MISSING:
        staff = Staff.objects.select_related("department").filter(user_id=user.pk).first()
        user._learner_staff = staff
    return staff


def record_denied(user, kind: str, identifier: object) -> None:
    """Audit a refusal: `kind` names what was asked for (`exams.attempt`, `role:coordinator`)."""
    audit_record(
        action="access.denied",
        actor=user if user is not None and user.is_authenticated else None,
        target_type=kind,
        target_id=str(identifier)[:64],
    )


def get_scoped_or_404(queryset: QuerySet, *, user, kind: str, **lookup):
    """The one row of `queryset` (already limited to what `user` may see or change)
    matching `lookup`, or Http404.

    "Missing" and "not yours" answer the same (Zulip's rule); when the row exists
    outside the user's scope the refusal is audited. A malformed key (a string where a
    UUID or an integer belongs) is simply missing.
    """
    identifier = next(iter(lookup.values()), "") if len(lookup) == 1 else lookup
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError, ValidationError):
        pass
    try:
        exists = queryset.model._default_manager.filter(**lookup).exists()
    except (ValueError, TypeError, ValidationError):
        exists = False
    if exists:
        record_denied(user, kind, identifier)
    raise Http404


def uuid_or_none(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        return None


def get_department_for(user, department_id: int | str, *, write: bool = False) -> Department:
    queryset = departments_managed_by(user) if write else departments_visible_to(user)
    return get_scoped_or_404(
        queryset, user=user, kind="organisation.department", pk=_int_or_none(department_id)
    )


def get_department_by_code_for(user, code: str, *, write: bool = False) -> Department:
    queryset = departments_managed_by(user) if write else departments_visible_to(user)
    return get_scoped_or_404(queryset, user=user, kind="organisation.department", code=code)


def get_staff_for(user, public_id: uuid.UUID | str, *, write: bool = False) -> Staff:
    """The staff member with this public id, if the user may see (or change) them."""
    queryset = staff_managed_by(user) if write else staff_visible_to(user)
    return get_scoped_or_404(
        queryset.select_related("department", "user"),
        user=user,
        kind="organisation.staff",
        public_id=uuid_or_none(public_id),
    )


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@dataclass(frozen=True)
class UserRoles:
    """What a user is, for navigation and policy decisions (one query)."""

    roles: frozenset[str]
    is_learner: bool
    is_superuser: bool

    @property
    def is_administrator(self) -> bool:
        return self.is_superuser or Role.ADMINISTRATOR in self.roles

    @property
    def is_coordinator(self) -> bool:
        return self.is_administrator or Role.COORDINATOR in self.roles

    @property
    def is_manager(self) -> bool:
        return self.is_administrator or Role.MANAGER in self.roles

    @property
    def is_examiner(self) -> bool:
        return Role.EXAMINER in self.roles

    @property
    def can_read_units(self) -> bool:
        return self.is_superuser or bool(self.roles & set(READ_ROLES))


ROLES_CACHE_SECONDS = 60


def _roles_cache_key(user_id: int) -> str:
    return f"user-roles:{user_id}"


def user_roles_forget(user_id: int) -> None:
    """Call after changing a user's roles or staff link (services do)."""
    cache.delete(_roles_cache_key(user_id))


def user_roles(user) -> UserRoles:
    """The user's roles: cached on the user object for the request and in the cache
    for a minute, so that hot endpoints (saving exam answers) run no query for it."""
    if user is None or not user.is_authenticated:
        return UserRoles(frozenset(), False, False)
    cached = getattr(user, "_user_roles_cache", None)
    if cached is not None:
        return cached
    stored = cache.get(_roles_cache_key(user.pk))
    if stored is None:
        roles = tuple(
            sorted(
                set(RoleAssignment.objects.filter(user_id=user.pk).values_list("role", flat=True))
            )
        )
        is_learner = Staff.objects.filter(user_id=user.pk).exists()
        stored = (roles, is_learner)
        cache.set(_roles_cache_key(user.pk), stored, ROLES_CACHE_SECONDS)
    result = UserRoles(frozenset(stored[0]), stored[1], user.is_superuser)
    user._user_roles_cache = result
    return result


def is_administrator(user) -> bool:
    return user_roles(user).is_administrator


# --- role checks: one policy for pages and API alike ------------------------------------
# Each raises Http404 (DRF answers it as its 404) and audits the refusal, so a person
# without the role learns nothing about what the address would show.


def _require(user, allowed: bool, role: str) -> None:
    if not allowed:
        record_denied(user, f"role:{role}", getattr(user, "pk", "") or "anonymous")
        raise Http404


def require_unit_reader(user) -> None:
    """Coordinator, manager or administrator somewhere (reads of units' data)."""
    _require(user, user_roles(user).can_read_units, "reader")


def require_coordinator(user) -> None:
    """Coordinator or administrator (changes within a subtree)."""
    _require(user, user_roles(user).is_coordinator, "coordinator")


def require_administrator(user) -> None:
    _require(user, user_roles(user).is_administrator, "administrator")


def require_examiner(user) -> None:
    """Holds the examiner role (考评员) somewhere; which rooms they examine is the
    assessment sitting's own access rule (certificates.access)."""
    _require(user, user_roles(user).is_examiner, "examiner")


def examiner_units(user) -> QuerySet[Department]:
    """The units an examiner belongs to: their own staff record's unit and the units
    their examiner roles are bound to. They never score people of these units."""
    if user is None or not user.is_authenticated:
        return Department.objects.none()
    return Department.objects.filter(
        Q(staff__user_id=user.pk)
        | Q(
            pk__in=RoleAssignment.objects.filter(user_id=user.pk, role=Role.EXAMINER).values(
                "department_id"
            )
        )
    ).distinct()


def units_in_line_with(units: Iterable[Department]) -> QuerySet[Department]:
    """Units on one line of the tree with any of `units`: the unit itself, every unit
    below it and every unit above it, except the root of the tree. The root (the whole
    city) contains everyone, so it counts only as itself: a person of the root unit is
    in line with the root unit alone, and a unit's line stops below the root."""
    condition = Q(pk__in=[])
    for unit in units:
        step = unit.steplen
        condition |= Q(pk=unit.pk)
        if unit.depth > 1:
            condition |= Q(path__startswith=unit.path) | Q(
                path__in=[unit.path[:end] for end in range(2 * step, len(unit.path), step)]
            )
    return Department.objects.filter(condition)


def examiner_conflict_units(user) -> QuerySet[Department]:
    """The units whose people the examiner may not examine: their own units
    (`examiner_units`) with the units above and below them (`units_in_line_with`)."""
    return units_in_line_with(list(examiner_units(user)))


def require_unit_manager(user) -> None:
    """Holds a write role on at least one unit (coordinator or administrator)."""
    _require(user, departments_managed_by(user).exists(), "unit_manager")
