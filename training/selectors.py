"""Reads of the training cycle. Every department-scoped read takes a staff queryset
that the caller built through organisation.access (or the learner's own record)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organisation.access import departments_managed_by, departments_visible_to
from organisation.models import Department, Staff, StaffStatus

from . import certificates_adapter, exams_adapter
from .models import (
    Enrolment,
    EnrolmentStatus,
    GuidancePlan,
    GuidanceStatus,
    Lesson,
    LessonProgress,
    ModuleCompletion,
    MonthlyExam,
    Notification,
    Programme,
    StudyHourCredit,
    Track,
    WeeklyModule,
)

# --- Learner home ------------------------------------------------------------------


class StepKind:
    EXAM = "exam"
    GUIDANCE = "guidance"
    OVERDUE = "overdue"
    MODULE = "module"
    MISTAKES = "mistakes"
    DONE = "done"


@dataclass(frozen=True)
class NextStep:
    kind: str
    title: str
    url: str = ""
    detail: str = ""


@dataclass
class ModuleStatus:
    module: WeeklyModule
    lessons_total: int
    lessons_done: int
    completed_at: datetime.datetime | None
    quiz_passed: bool

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


@dataclass
class LearnerHome:
    staff: Staff
    next_step: NextStep
    current: list[ModuleStatus]
    overdue: list[ModuleStatus]
    modules_completed: int
    modules_due: int
    hours: Decimal
    hours_target: Decimal
    open_plan: GuidancePlan | None
    open_exams: list
    upcoming_exams: list
    results: list
    mistakes: int
    mistakes_url: str
    certificate: certificates_adapter.CertificateFact | None
    certificates_available: bool
    notifications: list[Notification] = field(default_factory=list)

    @property
    def hours_percent(self) -> int:
        if not self.hours_target:
            return 100
        return min(100, int(self.hours * 100 / self.hours_target))


def learner_modules(*, staff: Staff, today: datetime.date) -> list[ModuleStatus]:
    """Published modules of the person's active tracks that are due for them (weeks
    starting before today and due after their enrolment), with their progress."""
    enrolments = {
        e.track_id: e for e in Enrolment.objects.filter(staff=staff, status=EnrolmentStatus.ACTIVE)
    }
    if not enrolments:
        return []
    modules = list(
        WeeklyModule.objects.filter(
            track_id__in=enrolments,
            published_at__isnull=False,
            starts_on__lte=today,
            track__programme__is_active=True,
        )
        .annotate(lessons_total=Count("lessons", distinct=True))
        .select_related("track__programme")
        .order_by("due_on", "pk")
    )
    modules = [
        m
        for m in modules
        if m.due_on >= timezone.localtime(enrolments[m.track_id].enrolled_at).date()
    ]
    done_lessons = dict(
        LessonProgress.objects.filter(
            staff=staff, lesson__module__in=modules, completed_at__isnull=False
        )
        .values("lesson__module_id")
        .annotate(n=Count("pk"))
        .values_list("lesson__module_id", "n")
    )
    completions = {
        c.module_id: c for c in ModuleCompletion.objects.filter(staff=staff, module__in=modules)
    }
    statuses = []
    for module in modules:
        completion = completions.get(module.pk)
        statuses.append(
            ModuleStatus(
                module=module,
                lessons_total=module.lessons_total,
                lessons_done=done_lessons.get(module.pk, 0),
                completed_at=completion.completed_at if completion else None,
                quiz_passed=bool(completion and completion.quiz_passed_at),
            )
        )
    return statuses


def hours_for(*, staff: Staff, year: int) -> Decimal:
    total = StudyHourCredit.objects.filter(staff=staff, year=year).aggregate(t=Sum("hours"))["t"]
    return total or Decimal("0")


def hours_target_for(*, staff: Staff, year: int) -> Decimal:
    """The highest annual target among the programmes the person is enrolled in."""
    targets = Programme.objects.filter(
        year=year,
        tracks__enrolments__staff=staff,
        tracks__enrolments__status=EnrolmentStatus.ACTIVE,
    ).values_list("annual_hours_target", flat=True)
    return max(targets, default=Decimal("0"))


def learner_next_step(
    *,
    open_exams: list,
    open_plan: GuidancePlan | None,
    overdue: list[ModuleStatus],
    current: list[ModuleStatus],
    mistakes: int,
    mistakes_url: str,
) -> NextStep:
    """What the learner should do next, most urgent first: an open exam, their guidance
    plan, an overdue module, this week's module, the mistakes to review."""
    from django.urls import reverse

    if open_exams:
        exam = open_exams[0]
        return NextStep(StepKind.EXAM, _("Sit the exam that is open now"), exam.url, exam.title)
    if open_plan is not None:
        return NextStep(
            StepKind.GUIDANCE,
            _("Follow your guidance plan"),
            reverse("training:plan", args=[open_plan.public_id]),
            "、".join(open_plan.weak_point_names),
        )
    if overdue:
        module = overdue[0].module
        return NextStep(
            StepKind.OVERDUE,
            _("Catch up on an overdue module"),
            reverse("training:module", args=[module.pk]),
            str(module),
        )
    pending = [s for s in current if not s.is_completed]
    if pending:
        module = pending[0].module
        return NextStep(
            StepKind.MODULE,
            _("Study this week's module"),
            reverse("training:module", args=[module.pk]),
            str(module),
        )
    if mistakes:
        return NextStep(StepKind.MISTAKES, _("Review your mistakes"), mistakes_url, str(mistakes))
    return NextStep(StepKind.DONE, _("You are all caught up"))


def learner_home(*, staff: Staff, today: datetime.date | None = None) -> LearnerHome:
    today = today or timezone.localdate()
    modules = learner_modules(staff=staff, today=today)
    current = [s for s in modules if s.module.due_on >= today]
    overdue = [s for s in modules if s.module.due_on < today and not s.is_completed]
    open_plan = (
        GuidancePlan.objects.filter(staff=staff, status=GuidanceStatus.OPEN)
        .order_by("-created_at")
        .first()
    )
    open_exams = exams_adapter.open_exams(staff=staff)
    mistakes = exams_adapter.mistakes_to_review(staff=staff)
    mistakes_url = exams_adapter.mistakes_url()
    certificate = certificates_adapter.valid_certificates_by_staff(staff_ids=[staff.pk]).get(
        staff.pk
    )
    return LearnerHome(
        staff=staff,
        next_step=learner_next_step(
            open_exams=open_exams,
            open_plan=open_plan,
            overdue=overdue,
            current=current,
            mistakes=mistakes,
            mistakes_url=mistakes_url,
        ),
        current=current,
        overdue=overdue,
        modules_completed=sum(1 for s in modules if s.is_completed),
        modules_due=sum(1 for s in modules if s.module.due_on < today or s.is_completed),
        hours=hours_for(staff=staff, year=today.year),
        hours_target=hours_target_for(staff=staff, year=today.year),
        open_plan=open_plan,
        open_exams=open_exams,
        upcoming_exams=exams_adapter.upcoming_exams(staff=staff),
        results=exams_adapter.recent_results(staff=staff),
        mistakes=mistakes,
        mistakes_url=mistakes_url,
        certificate=certificate,
        certificates_available=certificates_adapter.certificates_available(),
        notifications=list(
            Notification.objects.filter(user_id=staff.user_id, read_at__isnull=True)[:5]
        ),
    )


def module_lessons(*, staff: Staff, module: WeeklyModule) -> list[tuple[Lesson, LessonProgress]]:
    lessons = list(module.lessons.prefetch_related("attachments"))
    progress = {
        p.lesson_id: p for p in LessonProgress.objects.filter(staff=staff, lesson__in=lessons)
    }
    return [(lesson, progress.get(lesson.pk)) for lesson in lessons]


# --- Coordinators: overdue list and completion matrix ------------------------------


@dataclass(frozen=True)
class OverdueRow:
    staff: Staff
    module: WeeklyModule
    days_overdue: int


def overdue_rows(*, staff_queryset: QuerySet[Staff], today: datetime.date) -> list[OverdueRow]:
    """People behind on a published module past its due date (constant queries)."""
    modules = list(
        WeeklyModule.objects.filter(
            published_at__isnull=False, due_on__lt=today, track__programme__is_active=True
        ).select_related("track__programme")
    )
    if not modules:
        return []
    by_track: dict[int, list[WeeklyModule]] = defaultdict(list)
    for module in modules:
        by_track[module.track_id].append(module)
    enrolments = Enrolment.objects.filter(
        track_id__in=by_track,
        status=EnrolmentStatus.ACTIVE,
        staff__status=StaffStatus.ACTIVE,
        staff__in=staff_queryset,
    ).select_related("staff__department", "staff__user")
    done = set(
        ModuleCompletion.objects.filter(
            module__in=modules, completed_at__isnull=False, staff__in=staff_queryset
        ).values_list("staff_id", "module_id")
    )
    rows = []
    for enrolment in enrolments:
        enrolled_on = timezone.localtime(enrolment.enrolled_at).date()
        for module in by_track[enrolment.track_id]:
            if module.due_on < enrolled_on or (enrolment.staff_id, module.pk) in done:
                continue
            rows.append(OverdueRow(enrolment.staff, module, (today - module.due_on).days))
    rows.sort(key=lambda r: (-r.days_overdue, r.staff.department_id, r.staff.staff_number))
    return rows


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


@dataclass
class CompletionMatrix:
    track: Track
    modules: list[WeeklyModule]
    rows: list[MatrixRow]


def completion_matrix(
    *, user, track: Track, today: datetime.date | None = None, department: Department | None = None
) -> CompletionMatrix:
    """People × published weeks for one track, scoped to the user's units. Five queries
    whatever the size."""
    today = today or timezone.localdate()
    modules = list(track.modules.filter(published_at__isnull=False).order_by("week"))
    staff_queryset = Staff.objects.filter(department__in=departments_visible_to(user))
    if department is not None:
        staff_queryset = staff_queryset.filter(department.subtree_q("department__"))
    enrolments = list(
        Enrolment.objects.filter(
            track=track, status=EnrolmentStatus.ACTIVE, staff__in=staff_queryset
        )
        .select_related("staff__department")
        .order_by("staff__department__path", "staff__staff_number")
    )
    staff_ids = [e.staff_id for e in enrolments]
    completions = {
        (c.staff_id, c.module_id): c.completed_at
        for c in ModuleCompletion.objects.filter(
            module__in=modules, staff_id__in=staff_ids, completed_at__isnull=False
        ).only("staff_id", "module_id", "completed_at")
    }
    started = set(
        LessonProgress.objects.filter(lesson__module__in=modules, staff_id__in=staff_ids)
        .values_list("staff_id", "lesson__module_id")
        .distinct()
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
            cells.append((state, Cell.LABELS[state]))
        rows.append(MatrixRow(enrolment.staff, cells, done))
    return CompletionMatrix(track, modules, rows)


def tracks_assignable_by(user) -> QuerySet[Track]:
    """Tracks of active programmes owned by a unit in the user's managed subtree or above
    it (a city programme is for every county): what a coordinator may assign people to."""
    roots = [d.path for d in departments_managed_by(user)]
    owners = Department.objects.filter(
        Q(pk__in=departments_managed_by(user).values("pk"))
        | Q(path__in={root[:n] for root in roots for n in range(1, len(root) + 1)})
    )
    return (
        Track.objects.filter(programme__is_active=True, programme__department__in=owners)
        .select_related("programme")
        .order_by("-programme__year", "programme__name", "pk")
    )


def tracks_visible_to(user) -> QuerySet[Track]:
    """Tracks of programmes owned by a unit the user can read, or above it (a city
    programme is visible to a county coordinator, who sees only their own people)."""
    visible = departments_visible_to(user)
    return (
        Track.objects.filter(
            Q(programme__department__in=visible) | Q(enrolments__staff__department__in=visible)
        )
        .distinct()
        .select_related("programme")
        .order_by("-programme__year", "programme__name", "pk")
    )


def guidance_plans_visible(*, user) -> QuerySet[GuidancePlan]:
    return (
        GuidancePlan.objects.filter(staff__department__in=departments_visible_to(user))
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
    due_q = Q(
        track__modules__published_at__isnull=False,
        track__modules__due_on__lt=today,
        track__modules__due_on__gte=F("enrolled_at__date"),
    )
    due = dict(
        active.values("staff__department_id")
        .annotate(n=Count("track__modules", filter=due_q))
        .values_list("staff__department_id", "n")
    )
    completed = dict(
        ModuleCompletion.objects.filter(
            completed_at__isnull=False,
            module__due_on__lt=today,
            module__track__programme__year=year,
            staff__status=StaffStatus.ACTIVE,
            staff__department__in=visible,
            module__track__enrolments__staff_id=F("staff_id"),
            module__track__enrolments__status=EnrolmentStatus.ACTIVE,
        )
        .values("staff__department_id")
        .annotate(n=Count("pk", distinct=True))
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
