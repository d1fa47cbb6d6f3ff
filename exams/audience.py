"""The audience rule, in one place: who a session is for.

A session is for the active staff who are named on it, or who work in a listed unit
or below it; with `window_staff_only` the unit part is limited to window staff (named
people always count). Read from the session's side (`audience_staff`: everyone it is
for, a set query over staff) or from the person's side (`audience_q`: the sessions a
person is in the audience of, a filter on sessions; `staff_in_audience`, the
learner's lists and `access.get_session_for_learner` are built on it).
"""

from __future__ import annotations

import datetime
import functools
import operator
import uuid
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from organisation.models import Department, Staff, StaffStatus

from .models import ExamSession

_NAMED = ExamSession.audience_staff.through
_UNITS = ExamSession.audience_departments.through


def audience_staff(*, session: ExamSession) -> QuerySet[Staff]:
    """Active staff the session is for. The listed units' paths are read first (a few
    rows), so the subtree test is a set of constant path prefixes the database can
    join on, not a correlated EXISTS per staff row (238 ms for one named person in a
    city of 6,000 on PostgreSQL, against a few milliseconds)."""
    named = session.audience_staff.values("pk")
    prefixes = _outermost(session.audience_departments.values_list("path", flat=True))
    if prefixes:
        in_listed_unit = functools.reduce(
            operator.or_, (Q(department__path__startswith=p) for p in prefixes)
        )
        queryset = Staff.objects.filter(in_listed_unit | Q(pk__in=named))
    else:
        queryset = Staff.objects.filter(pk__in=named)
    queryset = queryset.filter(status=StaffStatus.ACTIVE)
    if session.window_staff_only:
        queryset = queryset.filter(Q(is_window_staff=True) | Q(pk__in=named))
    return queryset


def _outermost(paths) -> list[str]:
    """The paths none of whose ancestors is also listed (a unit below a listed unit
    adds nobody)."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


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
    """What a start needs to know about a session, kept in the cache for its open
    window: its settings (the lean start path, `exams/api/fastpath.py`, reads no session
    row), who is named, the listed units' paths, and who has extra time."""

    session_pk: int
    title: str
    published: bool
    doors_open_at: datetime.datetime
    closes_at: datetime.datetime
    duration_minutes: int
    window_staff_only: bool
    one_device: bool
    leave_limit: int | None
    leave_auto_submit: bool
    no_copy: bool
    named: frozenset[int]
    paths: tuple[str, ...]
    extra_minutes: dict[int, int]

    def is_open_for_start(self, now: datetime.datetime) -> bool:
        return self.published and self.doors_open_at <= now < self.closes_at


# In the shared cache (Redis in production), so that every process sees a change at
# once: a mass start asks for the same session's facts thousands of times a minute.
# Kept until the session closes; every change of a session, its audience or its extra
# time forgets them (`forget_start_facts`, on commit: the services and the admin).
# The version in the key keeps a deploy from reading facts pickled by older code.
_FACTS_KEY = "exams:start-facts:v2:{}"
_FACTS_MIN_SECONDS = 60
_FACTS_MAX_SECONDS = 24 * 3600


def _facts_of(session: ExamSession) -> StartFacts:
    return StartFacts(
        session_pk=session.pk,
        title=session.title,
        published=session.published,
        doors_open_at=session.doors_open_at,
        closes_at=session.closes_at,
        duration_minutes=session.duration_minutes,
        window_staff_only=session.window_staff_only,
        one_device=session.one_device,
        leave_limit=session.leave_limit,
        leave_auto_submit=session.leave_auto_submit,
        no_copy=session.no_copy,
        named=frozenset(
            _NAMED.objects.filter(examsession_id=session.pk).values_list("staff_id", flat=True)
        ),
        paths=tuple(session.audience_departments.values_list("path", flat=True)),
        extra_minutes=dict(session.extra_times.values_list("staff_id", "minutes")),
    )


def _remember(public_id: uuid.UUID, facts: StartFacts) -> None:
    left = (facts.closes_at - timezone.now()).total_seconds()
    seconds = int(min(max(left, _FACTS_MIN_SECONDS), _FACTS_MAX_SECONDS))
    cache.set(_FACTS_KEY.format(public_id), facts, seconds)


def start_facts(session: ExamSession) -> StartFacts:
    """The session's start facts, from the cache (read and cached on a miss)."""
    facts = cache.get(_FACTS_KEY.format(session.public_id))
    if facts is None:
        facts = _facts_of(session)
        _remember(session.public_id, facts)
    return facts


def start_facts_by_id(public_id: uuid.UUID) -> StartFacts | None:
    """The same by the session's public id, for the lean start path: None when there
    is no such session (the full stack then answers)."""
    facts = cache.get(_FACTS_KEY.format(public_id))
    if facts is None:
        session = ExamSession.objects.filter(public_id=public_id).first()
        if session is None:
            return None
        facts = _facts_of(session)
        _remember(public_id, facts)
    return facts


def forget_start_facts(public_id: uuid.UUID) -> None:
    cache.delete(_FACTS_KEY.format(public_id))


def in_audience(facts: StartFacts, *, staff_id: int, active: bool, window: bool, path: str) -> bool:
    """The audience rule of `audience_q` from the session's cached facts and the
    person's own row: no query."""
    if not active:
        return False
    if staff_id in facts.named:
        return True
    if facts.window_staff_only and not window:
        return False
    return bool(path) and any(path.startswith(p) for p in facts.paths)


def staff_in_audience(*, session: ExamSession, staff: Staff) -> bool:
    """Whether the session is for this person: the rule of `audience_q`, from the
    session's cached facts (no query once they are cached and the person's unit is
    loaded): the start of a mass exam asks it for everyone."""
    if staff.status != StaffStatus.ACTIVE:
        return False
    facts = start_facts(session)
    if staff.pk in facts.named:
        return True
    if facts.window_staff_only and not staff.is_window_staff:
        return False
    path = _unit_path(staff)
    return bool(path) and any(path.startswith(p) for p in facts.paths)


def audience_count(*, session: ExamSession) -> int:
    return audience_staff(session=session).count()
