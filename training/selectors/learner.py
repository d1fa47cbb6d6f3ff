"""Reads for the learner: home page, next step, modules, lessons, hours."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.models import Staff

from .. import certificates_adapter, exams_adapter
from ..models import (
    Enrolment,
    EnrolmentStatus,
    GuidancePlan,
    GuidanceStatus,
    Lesson,
    LessonProgress,
    ModuleCompletion,
    Notification,
    Programme,
    StudyHourCredit,
    WeeklyModule,
)
from .classes import upcoming_classes_for

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

    @property
    def quiz_left(self) -> bool:
        """Every lesson read (or none needed) and only the quiz stands between the
        learner and the module: the home page says so, not just "2/2"."""
        return (
            not self.is_completed
            and self.module.needs_quiz
            and not self.quiz_passed
            and (not self.module.needs_lessons or self.lessons_done >= self.lessons_total)
        )


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
    notifications: list[Notification] = field(default_factory=list)
    classes: list = field(default_factory=list)

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
    # Last year's unfinished modules are not this year's overdue work (the year, its
    # hours and its exams are closed), as on the coordinators' lists and in reminders.
    overdue = [
        s
        for s in modules
        if s.module.due_on < today
        and not s.is_completed
        and s.module.track.programme.year >= today.year
    ]
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
        notifications=list(
            Notification.objects.filter(user_id=staff.user_id, read_at__isnull=True)[:5]
        ),
        classes=upcoming_classes_for(staff=staff),
    )


def module_lessons(*, staff: Staff, module: WeeklyModule) -> list[tuple[Lesson, LessonProgress]]:
    lessons = list(module.lessons.prefetch_related("attachments"))
    progress = {
        p.lesson_id: p for p in LessonProgress.objects.filter(staff=staff, lesson__in=lessons)
    }
    return [(lesson, progress.get(lesson.pk)) for lesson in lessons]
