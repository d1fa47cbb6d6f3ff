"""Reads for managers: completion rates by unit and annual records."""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from organisation.access import departments_visible_to
from organisation.models import Department, Staff, StaffStatus

from .. import certificates_adapter, exams_adapter
from ..models import (
    Enrolment,
    EnrolmentStatus,
    GuidancePlan,
    GuidanceStatus,
    ModuleCompletion,
    Programme,
    StudyHourCredit,
    WeeklyModule,
)

# --- Managers ----------------------------------------------------------------------


@dataclass
class UnitRate:
    department: Department
    people: int = 0
    due: int = 0
    completed: int = 0
    hours: Decimal = Decimal("0")
    target: Decimal = Decimal("0")
    plans: int = 0
    plans_closed: int = 0
    own_only: bool = False

    @property
    def completion_rate(self) -> int | None:
        return round(self.completed * 100 / self.due) if self.due else None

    @property
    def hours_rate(self) -> int | None:
        wanted = self.target * self.people
        return min(100, round(self.hours * 100 / wanted)) if wanted else None

    @property
    def guidance_rate(self) -> int | None:
        return round(self.plans_closed * 100 / self.plans) if self.plans else None


def unit_rates(
    *, user, year: int, parent: Department | None = None, today: datetime.date | None = None
) -> list[UnitRate]:
    """Per unit below `parent` (default: the user's top unit), each with its whole
    subtree's totals (never an average of rates): weekly completion (completed / due
    module assignments), study hours against the target, guidance plans closed. The
    parent's own row counts only the people directly in it. A fixed number of queries."""
    today = today or timezone.localdate()
    visible = departments_visible_to(user)
    active = Enrolment.objects.filter(
        status=EnrolmentStatus.ACTIVE,
        staff__status=StaffStatus.ACTIVE,
        staff__department__in=visible,
        track__programme__year=year,
    )
    people = dict(
        active.values("staff__department_id")
        .annotate(n=Count("staff_id", distinct=True))
        .values_list("staff__department_id", "n")
    )
    # Due module assignments: a published module of the track, due before today and not
    # before the day the person was enrolled. Counted per (unit, track, day enrolled)
    # group against each track's sorted due dates, instead of joining every enrolment
    # to every module (90,000 rows sorted on disk for the demo city).
    due_dates: dict[int, list[datetime.date]] = defaultdict(list)
    for track_id, due_on in (
        WeeklyModule.objects.filter(
            track__programme__year=year, published_at__isnull=False, due_on__lt=today
        )
        .order_by("due_on")
        .values_list("track_id", "due_on")
    ):
        due_dates[track_id].append(due_on)
    due: dict[int, int] = defaultdict(int)
    for department_id, track_id, day, n in (
        active.values("staff__department_id", "track_id", day=TruncDate("enrolled_at"))
        .annotate(n=Count("pk"))
        .values_list("staff__department_id", "track_id", "day", "n")
    ):
        dates = due_dates.get(track_id, [])
        due[department_id] += n * (len(dates) - bisect.bisect_left(dates, day))
    completed = dict(
        ModuleCompletion.objects.filter(
            # The person is (still) enrolled in the module's track: one indexed EXISTS
            # per completion (the join through the track to all its enrolments cost a
            # second on the demo city).
            Exists(
                Enrolment.objects.filter(
                    track_id=OuterRef("module__track_id"),
                    staff_id=OuterRef("staff_id"),
                    status=EnrolmentStatus.ACTIVE,
                )
            ),
            completed_at__isnull=False,
            module__due_on__lt=today,
            module__track__programme__year=year,
            staff__status=StaffStatus.ACTIVE,
            staff__department__in=visible,
        )
        .values("staff__department_id")
        .annotate(n=Count("pk"))
        .values_list("staff__department_id", "n")
    )
    hours = dict(
        StudyHourCredit.objects.filter(
            year=year, staff__status=StaffStatus.ACTIVE, staff__department__in=visible
        )
        .values("staff__department_id")
        .annotate(h=Sum("hours"))
        .values_list("staff__department_id", "h")
    )
    target = max(
        Programme.objects.filter(year=year, is_active=True).values_list(
            "annual_hours_target", flat=True
        ),
        default=Decimal("0"),
    )
    plans: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for dept_id, status, n in (
        GuidancePlan.objects.filter(
            staff__department__in=visible, monthly_exam__programme__year=year
        )
        .values("staff__department_id", "status")
        .annotate(n=Count("pk"))
        .values_list("staff__department_id", "status", "n")
    ):
        plans[dept_id][0] += n
        if status == GuidanceStatus.CLOSED:
            plans[dept_id][1] += n
    units = list(visible.only("pk", "path", "depth", "name", "code").order_by("path"))
    if parent is None:
        top = min((u.depth for u in units), default=0)
        shown = [u for u in units if u.depth == top]
        if len(shown) == 1:  # one root: show its children (and the root's own people)
            parent = shown[0]
    if parent is not None:
        shown = [parent] + [
            u for u in units if u.depth == parent.depth + 1 and u.path.startswith(parent.path)
        ]
    rows = []
    for unit in shown:
        own_only = parent is not None and unit.pk == parent.pk
        members = [unit.pk] if own_only else [u.pk for u in units if u.path.startswith(unit.path)]
        rate = UnitRate(department=unit, target=target, own_only=own_only)
        for d in members:
            rate.people += people.get(d, 0)
            rate.due += due.get(d, 0)
            rate.completed += completed.get(d, 0)
            rate.hours += hours.get(d) or Decimal("0")
            if d in plans:
                rate.plans += plans[d][0]
                rate.plans_closed += plans[d][1]
        if rate.people or rate.plans or not own_only:
            rows.append(rate)
    return rows


@dataclass
class AnnualRecord:
    staff: Staff
    tracks: str
    hours: Decimal
    target: Decimal
    modules_completed: int
    modules_due: int
    exams: str
    plans: int
    plans_closed: int
    certificate: str


def annual_records(*, user, year: int, today: datetime.date | None = None) -> list[AnnualRecord]:
    """One row per person the user can read who was enrolled that year (for appraisal)."""
    today = today or timezone.localdate()
    end = min(today, datetime.date(year, 12, 31))
    staff_queryset = Staff.objects.filter(department__in=departments_visible_to(user))
    enrolments = list(
        Enrolment.objects.filter(track__programme__year=year, staff__in=staff_queryset)
        .select_related("staff__department", "track__programme")
        .order_by("staff__department__path", "staff__staff_number")
    )
    staff_ids = sorted({e.staff_id for e in enrolments})
    hours = dict(
        StudyHourCredit.objects.filter(year=year, staff_id__in=staff_ids)
        .values("staff_id")
        .annotate(h=Sum("hours"))
        .values_list("staff_id", "h")
    )
    modules_by_track = defaultdict(list)
    for module in WeeklyModule.objects.filter(
        track__programme__year=year, published_at__isnull=False, due_on__lte=end
    ).only("pk", "track_id", "due_on"):
        modules_by_track[module.track_id].append(module)
    completed = defaultdict(int)
    for staff_id, _module_id in ModuleCompletion.objects.filter(
        staff_id__in=staff_ids, completed_at__isnull=False, module__track__programme__year=year
    ).values_list("staff_id", "module_id"):
        completed[staff_id] += 1
    plans = defaultdict(lambda: [0, 0, []])
    for plan in GuidancePlan.objects.filter(
        staff_id__in=staff_ids, monthly_exam__programme__year=year
    ).select_related("monthly_exam"):
        entry = plans[plan.staff_id]
        entry[0] += 1
        entry[1] += plan.status == GuidanceStatus.CLOSED
        if plan.exam_score is not None:
            entry[2].append(f"{plan.monthly_exam.month:%m}: {plan.exam_score}")
    exam_scores = exams_adapter.year_results(staff_ids=staff_ids, year=year)
    certificates = certificates_adapter.valid_certificates_by_staff(staff_ids=staff_ids)
    records: dict[int, AnnualRecord] = {}
    for enrolment in enrolments:
        staff = enrolment.staff
        record = records.get(staff.pk)
        if record is None:
            certificate = certificates.get(staff.pk)
            record = records[staff.pk] = AnnualRecord(
                staff=staff,
                tracks="",
                hours=hours.get(staff.pk) or Decimal("0"),
                target=Decimal("0"),
                modules_completed=completed.get(staff.pk, 0),
                modules_due=0,
                exams="; ".join(exam_scores.get(staff.pk, []) or plans[staff.pk][2]),
                plans=plans[staff.pk][0],
                plans_closed=plans[staff.pk][1],
                certificate=f"{certificate.number} ({certificate.level})" if certificate else "",
            )
        record.tracks = "、".join(filter(None, [record.tracks, enrolment.track.name]))
        record.target = max(record.target, enrolment.track.programme.annual_hours_target)
        enrolled_on = timezone.localtime(enrolment.enrolled_at).date()
        record.modules_due += sum(
            1 for m in modules_by_track[enrolment.track_id] if m.due_on >= enrolled_on
        )
    return list(records.values())
