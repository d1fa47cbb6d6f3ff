"""The audience rule, in one place: who a session is for.

A session is for the active staff who are named on it, or who work in a listed unit
or below it; with `window_staff_only` the unit part is limited to window staff (named
people always count). Read from the session's side (`audience_staff`: everyone it is
for, a set query over staff) or from the person's side (`audience_q`: the sessions a
person is in the audience of, a filter on sessions; `staff_in_audience`, the
learner's lists and `access.get_session_for_learner` are built on it).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

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


@dataclass(frozen=True)
class StartFacts:
    """What a start needs to know about a session besides its row: who is named, the
    listed units' paths, and who has extra time."""

    named: frozenset[int]
    paths: tuple[str, ...]
    extra_minutes: dict[int, int]


# Per process, for a few seconds: a mass start asks for the same session's facts
# thousands of times a minute. A change made in this process is seen at once
# (`forget_start_facts`, on commit of a session change); in other processes within
# START_FACTS_SECONDS. Once a session has opened its audience cannot change; a later
# closing time or new extra time reaches other processes within that delay.
START_FACTS_SECONDS = 15.0
_start_facts: dict[uuid.UUID, tuple[float, StartFacts]] = {}


def start_facts(session: ExamSession) -> StartFacts:
    hit = _start_facts.get(session.public_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    facts = StartFacts(
        named=frozenset(
            _NAMED.objects.filter(examsession_id=session.pk).values_list("staff_id", flat=True)
        ),
        paths=tuple(session.audience_departments.values_list("path", flat=True)),
        extra_minutes=dict(session.extra_times.values_list("staff_id", "minutes")),
    )
    _start_facts[session.public_id] = (time.monotonic() + START_FACTS_SECONDS, facts)
    return facts


def forget_start_facts(public_id: uuid.UUID) -> None:
    _start_facts.pop(public_id, None)


def staff_in_audience(*, session: ExamSession, staff: Staff) -> bool:
    """Whether the session is for this person: the rule of `audience_q`, from the
    session's cached facts (no query once they are cached and the person's unit is
    loaded): the start of a mass exam asks it for everyone."""
    if staff.status != StaffStatus.ACTIVE:
        return False
    facts = start_facts(session)
    if staff.pk in facts.named:
        return True
    if session.window_staff_only and not staff.is_window_staff:
        return False
    path = _unit_path(staff)
    return bool(path) and any(path.startswith(p) for p in facts.paths)


def audience_count(*, session: ExamSession) -> int:
    return audience_staff(session=session).count()
