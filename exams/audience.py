"""The audience rule, in one place: who a session is for.

A session is for the active staff who are named on it, or who work in a listed unit
or below it; with `window_staff_only` the unit part is limited to window staff (named
people always count). Read from the session's side (`audience_staff`: everyone it is
for, a set query over staff) or from the person's side (`audience_q`: the sessions a
person is in the audience of, a filter on sessions; `staff_in_audience`, the
learner's lists and `access.get_session_for_learner` are built on it).
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.lookups import StartsWith

from organisation.models import Department, Staff, StaffStatus

from .models import ExamSession

_NAMED = ExamSession.audience_staff.through
_UNITS = ExamSession.audience_departments.through


def audience_staff(*, session: ExamSession) -> QuerySet[Staff]:
    """Active staff the session is for (one query: the subtree test is an EXISTS on
    the materialised path)."""
    named = session.audience_staff.values("pk")
    in_listed_unit = Exists(
        session.audience_departments.filter(StartsWith(OuterRef("department__path"), F("path")))
    )
    queryset = Staff.objects.filter(in_listed_unit | Q(pk__in=named), status=StaffStatus.ACTIVE)
    if session.window_staff_only:
        queryset = queryset.filter(Q(is_window_staff=True) | Q(pk__in=named))
    return queryset


def _unit_path(staff: Staff) -> str:
    if "department" in staff._state.fields_cache:
        return staff.department.path
    return (
        Department.objects.filter(pk=staff.department_id).values_list("path", flat=True).first()
        or ""
    )


def audience_q(staff: Staff) -> Q:
    """The same rule from the person's side: a filter on ExamSession. The units
    containing the person are the prefixes of their unit's path, so the subtree test is
    a plain indexed `IN`."""
    if staff.status != StaffStatus.ACTIVE:
        return Q(pk__in=[])
    path, step = _unit_path(staff), Department.steplen
    ancestors = [path[:end] for end in range(step, len(path) + 1, step)]
    named = Exists(_NAMED.objects.filter(examsession_id=OuterRef("pk"), staff_id=staff.pk))
    in_listed_unit = Exists(
        _UNITS.objects.filter(examsession_id=OuterRef("pk"), department__path__in=ancestors)
    )
    if staff.is_window_staff:
        return Q(named) | Q(in_listed_unit)
    return Q(named) | (Q(in_listed_unit) & Q(window_staff_only=False))


def staff_in_audience(*, session: ExamSession, staff: Staff) -> bool:
    """Whether the session is for this person (one query, memoised on the session
    object for the request: the start of a mass exam asks it twice)."""
    memo = session.__dict__.setdefault("_audience_memo", {})
    if staff.pk not in memo:
        memo[staff.pk] = (
            ExamSession.objects.filter(pk=session.pk).filter(audience_q(staff)).exists()
        )
    return memo[staff.pk]


def audience_count(*, session: ExamSession) -> int:
    return audience_staff(session=session).count()
