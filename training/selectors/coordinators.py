"""Reads for coordinators: overdue list, completion matrix, guidance plans."""

from __future__ import annotations

import bisect
import datetime
import heapq
import itertools
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organisation.access import departments_visible_to
from organisation.models import Department, Staff, StaffStatus

from ..access import plans_visible_to
from ..models import (
    Enrolment,
    EnrolmentStatus,
    GuidancePlan,
    GuidanceStatus,
    LessonProgress,
    ModuleCompletion,
    MonthlyExam,
    Programme,
    StudyHourCredit,
    Track,
    WeeklyModule,
)

# --- Coordinators: overdue list and completion matrix ------------------------------


@dataclass(frozen=True)
class OverdueRow:
    staff: Staff
    module: WeeklyModule
    days_overdue: int


def _due_modules(today: datetime.date) -> list[WeeklyModule]:
    """Published modules past their due date, of this year's active programmes: a
    programme is a year's (its hours, its exams), so when the year is over its modules
    leave the overdue list, the reminders and the digests (a city left last year's
    programme active would otherwise remind everyone weekly of last year's modules)."""
    return list(
        WeeklyModule.objects.filter(
            published_at__isnull=False,
            due_on__lt=today,
            track__programme__is_active=True,
            track__programme__year__gte=today.year,
        ).select_related("track__programme")
    )


def _active_enrolments(track_ids, staff_queryset: QuerySet[Staff]):
    return Enrolment.objects.filter(
        track_id__in=track_ids,
        status=EnrolmentStatus.ACTIVE,
        staff__status=StaffStatus.ACTIVE,
        staff__in=staff_queryset,
    ).values_list(
        "staff_id", "track_id", "enrolled_at", "staff__department_id", "staff__staff_number"
    )


def _completed(modules: list[WeeklyModule], staff_queryset: QuerySet[Staff]) -> set[tuple]:
    return set(
        ModuleCompletion.objects.filter(
            module__in=modules, completed_at__isnull=False, staff__in=staff_queryset
        ).values_list("staff_id", "module_id")
    )


def _completions_by_enrolled(
    modules: list[WeeklyModule], staff_queryset: QuerySet[Staff]
) -> dict[int, int]:
    """{module id: completions by people actively enrolled in its track on or before
    its due date}, counted by the database."""
    enrolled_in_time = Enrolment.objects.filter(
        staff_id=OuterRef("staff_id"),
        track_id=OuterRef("module__track_id"),
        status=EnrolmentStatus.ACTIVE,
        enrolled_at__date__lte=OuterRef("module__due_on"),
    )
    return dict(
        ModuleCompletion.objects.filter(
            Exists(enrolled_in_time),
            module__in=modules,
            completed_at__isnull=False,
            staff__in=staff_queryset,
            staff__status=StaffStatus.ACTIVE,
        )
        .values("module_id")
        .annotate(n=Count("pk"))
        .values_list("module_id", "n")
        .order_by()
    )


def _overdue_pairs(*, staff_queryset: QuerySet[Staff], today: datetime.date) -> list[tuple]:
    """(-days overdue, unit id, staff number, staff id, module) of everyone behind on a
    published module past its due date, in the order the pages show them. Reads plain
    values (no model instances): the city has tens of thousands of such pairs."""
    modules = _due_modules(today)
    if not modules:
        return []
    by_track: dict[int, list[WeeklyModule]] = defaultdict(list)
    for module in modules:
        by_track[module.track_id].append(module)
    enrolments = _active_enrolments(by_track, staff_queryset)
    done = _completed(modules, staff_queryset)
    zone = timezone.get_current_timezone()
    per_track = {
        track_id: [(m.pk, m.due_on, -(today - m.due_on).days, m) for m in track_modules]
        for track_id, track_modules in by_track.items()
    }
    pairs = []
    for staff_id, track_id, enrolled_at, department_id, number in enrolments:
        enrolled_on = enrolled_at.astimezone(zone).date()
        for module_id, due_on, minus_days, module in per_track[track_id]:
            if due_on < enrolled_on or (staff_id, module_id) in done:
                continue
            pairs.append((minus_days, department_id, number, staff_id, module))
    return pairs


def _order(pair: tuple) -> tuple:
    return pair[:3]  # most overdue first, then by unit and staff number


def _rows(pairs: list[tuple]) -> list[OverdueRow]:
    staff = Staff.objects.select_related("department", "user").in_bulk({p[3] for p in pairs})
    return [OverdueRow(staff[p[3]], p[4], -p[0]) for p in pairs]


def overdue_rows(*, staff_queryset: QuerySet[Staff], today: datetime.date) -> list[OverdueRow]:
    """People behind on a published module past its due date, most overdue first
    (constant queries)."""
    return _rows(sorted(_overdue_pairs(staff_queryset=staff_queryset, today=today), key=_order))


def overdue_rows_where(
    *, staff_queryset: QuerySet[Staff], today: datetime.date, keep
) -> list[OverdueRow]:
    """`overdue_rows` of only the pairs `keep(staff_id, module, days_overdue)` accepts:
    the pairs are read as plain values and only the people kept are read as objects (a
    daily reminder run acts on few of the city's tens of thousands of pairs)."""
    pairs = [
        p
        for p in _overdue_pairs(staff_queryset=staff_queryset, today=today)
        if keep(p[3], p[4], -p[0])
    ]
    return _rows(sorted(pairs, key=_order))


def overdue_page(
    *, staff_queryset: QuerySet[Staff], today: datetime.date, limit: int
) -> tuple[list[OverdueRow], int]:
    """The first `limit` of `overdue_rows` and how many there are in all, in a fixed
    number of queries. A city has tens of thousands of (person, module) pairs: they are
    counted per module (people enrolled by its due date, less the completions the
    database counts), and only the most overdue modules, as many as fill `limit` rows,
    are walked person by person; only those people are read as objects."""
    modules = _due_modules(today)
    if not modules:
        return [], 0
    zone = timezone.get_current_timezone()
    by_track: dict[int, list[tuple]] = defaultdict(list)  # (unit id, staff number, staff id)
    for staff_id, track_id, enrolled_at, department_id, number in _active_enrolments(
        {m.track_id for m in modules}, staff_queryset
    ):
        by_track[track_id].append(
            (department_id, number, staff_id, enrolled_at.astimezone(zone).date())
        )
    days = {track_id: sorted(e[3] for e in rows) for track_id, rows in by_track.items()}
    completed = _completions_by_enrolled(modules, staff_queryset)
    behind = {
        m.pk: bisect.bisect_right(days.get(m.track_id, ()), m.due_on) - completed.get(m.pk, 0)
        for m in modules
    }
    groups = [
        (due_on, list(group))
        for due_on, group in itertools.groupby(
            sorted(modules, key=lambda m: m.due_on), key=lambda m: m.due_on
        )
    ]
    needed, rows_so_far = [], 0  # the most overdue groups that fill the page
    for due_on, group in groups:
        if rows_so_far >= limit:
            break
        needed.append((due_on, group))
        rows_so_far += sum(behind[m.pk] for m in group)
    done = _completed([m for _due, group in needed for m in group], staff_queryset)
    picked: list[tuple] = []
    for due_on, group in needed:
        minus_days = -(today - due_on).days
        pairs = [
            (minus_days, department_id, number, staff_id, module)
            for module in group
            for department_id, number, staff_id, day in by_track.get(module.track_id, ())
            if day <= due_on and (staff_id, module.pk) not in done
        ]
        picked += heapq.nsmallest(limit - len(picked), pairs, key=_order)
    return _rows(picked), sum(behind.values())


class Cell:
    DONE = "done"
    LATE = "late"
    IN_PROGRESS = "in_progress"
    OVERDUE = "overdue"
    OPEN = "open"
    NOT_DUE = "not_due"

    LABELS = {
        DONE: _("Done"),
        LATE: _("Done late"),
        IN_PROGRESS: pgettext_lazy("training module", "In progress"),
        OVERDUE: _("Overdue"),
        OPEN: _("Not started"),
        NOT_DUE: _("—"),
    }


@dataclass
class MatrixRow:
    staff: Staff
    cells: list[tuple[str, str]]  # (state, label)
    done: int
    hours: Decimal = Decimal("0")  # study hours of the programme's year (lessons, classes...)


@dataclass
class CompletionMatrix:
    track: Track
    modules: list[WeeklyModule]
    rows: list[MatrixRow]
    total: int = 0  # people in the matrix (`rows` may hold only the first `limit`)


def staff_in_units_of(user) -> QuerySet[Staff]:
    """Staff of the units the user may read, scoped by the units' ids read first (one
    small query): given the subtree test as a subquery, PostgreSQL expects a couple of
    units where a city coordinator has 311, and reads thousands of enrolments through
    nested loops (the matrix's people: 44 ms -> 16 ms on the demo city)."""
    unit_ids = list(departments_visible_to(user).values_list("pk", flat=True))
    return Staff.objects.filter(department_id__in=unit_ids)


def completion_matrix(
    *,
    user,
    track: Track,
    today: datetime.date | None = None,
    department: Department | None = None,
    limit: int | None = None,
) -> CompletionMatrix:
    """People × published weeks for one track, scoped to the user's units, in unit and
    staff-number order. Six queries whatever the size (seven with `limit`: the count);
    with `limit` only the first people are read and built, so a page of a city-wide
    track costs what a unit's does (the xlsx export takes everyone). One more query
    reads the ids of the user's units (`staff_in_units_of`)."""
    today = today or timezone.localdate()
    modules = list(track.modules.filter(published_at__isnull=False).order_by("week"))
    staff_queryset = staff_in_units_of(user)
    if department is not None:
        staff_queryset = staff_queryset.filter(department.subtree_q("department__"))
    enrolled = (
        Enrolment.objects.filter(
            track=track, status=EnrolmentStatus.ACTIVE, staff__in=staff_queryset
        )
        .select_related("staff__department")
        .order_by("staff__department__path", "staff__staff_number")
    )
    enrolments = list(enrolled[:limit] if limit is not None else enrolled)
    total = enrolled.count() if limit is not None and len(enrolments) == limit else len(enrolments)
    staff_ids = [e.staff_id for e in enrolments]
    completions = {
        (staff_id, module_id): completed_at
        for staff_id, module_id, completed_at in ModuleCompletion.objects.filter(
            module__in=modules, staff_id__in=staff_ids, completed_at__isnull=False
        ).values_list("staff_id", "module_id", "completed_at")
    }
    labels = {state: str(label) for state, label in Cell.LABELS.items()}  # once, not per cell
    started = set(
        LessonProgress.objects.filter(lesson__module__in=modules, staff_id__in=staff_ids)
        .values_list("staff_id", "lesson__module_id")
        .distinct()
    )
    hours = dict(
        StudyHourCredit.objects.filter(staff_id__in=staff_ids, year=track.programme.year)
        .values("staff_id")
        .annotate(h=Sum("hours"))
        .values_list("staff_id", "h")
        .order_by()
    )
    rows = []
    for enrolment in enrolments:
        cells = []
        done = 0
        enrolled_on = timezone.localtime(enrolment.enrolled_at).date()
        for module in modules:
            key = (enrolment.staff_id, module.pk)
            completed_at = completions.get(key)
            if completed_at is not None:
                late = timezone.localtime(completed_at).date() > module.due_on
                state = Cell.LATE if late else Cell.DONE
                done += 1
            elif module.due_on < enrolled_on:
                state = Cell.NOT_DUE
            elif module.due_on < today:
                state = Cell.OVERDUE
            elif key in started:
                state = Cell.IN_PROGRESS
            else:
                state = Cell.OPEN
            cells.append((state, labels[state]))
        rows.append(
            MatrixRow(enrolment.staff, cells, done, hours.get(enrolment.staff_id) or Decimal(0))
        )
    return CompletionMatrix(track, modules, rows, total)


def guidance_plans_visible(*, user) -> QuerySet[GuidancePlan]:
    return (
        plans_visible_to(user)
        .select_related("staff__department", "mentor", "mentor_user", "monthly_exam__programme")
        .annotate(session_count=Count("sessions"))
    )


def monthly_exams_visible(*, user):
    """Monthly exams of programmes the user can see, with plan counts in their units."""
    visible = departments_visible_to(user)
    in_units = Q(guidance_plans__staff__department__in=visible)
    return (
        MonthlyExam.objects.filter(
            programme__in=Programme.objects.filter(
                Q(department__in=visible) | Q(tracks__enrolments__staff__department__in=visible)
            ).distinct()
        )
        .select_related("programme")
        .annotate(
            plan_count=Count("guidance_plans", filter=in_units),
            closed_count=Count(
                "guidance_plans",
                filter=in_units & Q(guidance_plans__status=GuidanceStatus.CLOSED),
            ),
        )
        .order_by("-month", "programme__name")
    )


@dataclass
class GuidanceGroup:
    points: tuple[str, ...]
    plans: list[GuidancePlan]


def guidance_groups(*, plans: list[GuidancePlan], min_size: int = 2) -> list[GuidanceGroup]:
    """Proposed groups: people whose weakest knowledge point is the same, and (larger
    groups first) anyone sharing any weak point with them."""
    by_point: dict[str, list[GuidancePlan]] = defaultdict(list)
    for plan in plans:
        for name in plan.weak_point_names:
            by_point[name].append(plan)
    groups = [
        GuidanceGroup((name,), members)
        for name, members in by_point.items()
        if len(members) >= min_size
    ]
    groups.sort(key=lambda g: (-len(g.plans), g.points))
    return groups


def weak_points_by_unit(*, plans: list[GuidancePlan]) -> list[tuple[Department, list]]:
    """Per unit: each weak knowledge point and how many people are weak on it."""
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    units: dict[int, Department] = {}
    for plan in plans:
        units[plan.staff.department_id] = plan.staff.department
        for name in plan.weak_point_names:
            counts[plan.staff.department_id][name] += 1
    return [
        (units[d], sorted(points.items(), key=lambda item: (-item[1], item[0])))
        for d, points in sorted(counts.items(), key=lambda item: units[item[0]].path)
    ]
