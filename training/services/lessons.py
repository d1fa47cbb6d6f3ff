"""Lessons, video accounting, study hours and module completion."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.models import Staff

from ..content import sanitise_html
from ..hours import ReadingResult, lesson_credit, other_lesson_active
from ..models import (
    CreditSource,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonProgress,
    ModuleCompletion,
    StudyHourCredit,
    WeeklyModule,
)
from .common import (
    MSG_BAD_POSITION,
    MSG_NO_VIDEO,
    MSG_NOT_ENROLLED,
    MSG_NOT_PUBLISHED,
    MSG_SCORE_RANGE,
)


def heartbeat_seconds() -> int:
    """The interval at which the player sends heartbeats; also the most one heartbeat
    can ever credit."""
    return int(getattr(settings, "TRAINING_HEARTBEAT_SECONDS", 15))


# --- Lessons, video accounting and completion --------------------------------------


@dataclass
class HeartbeatResult:
    credited_seconds: float
    watched_seconds: float
    lesson_completed: bool
    module_completed: bool
    reason: str = ""


def staff_can_study(*, staff: Staff, module: WeeklyModule) -> None:
    if not module.is_published:
        raise PermissionDenied(MSG_NOT_PUBLISHED)
    if not Enrolment.objects.filter(
        staff=staff, track_id=module.track_id, status=EnrolmentStatus.ACTIVE
    ).exists():
        raise PermissionDenied(MSG_NOT_ENROLLED)


def lesson_heartbeat(
    *,
    staff: Staff,
    lesson: Lesson,
    position: float,
    visible: bool,
    active: bool,
    playing: bool = True,
    now: datetime.datetime | None = None,
) -> HeartbeatResult:
    """Account one heartbeat of the video player.

    Credit = wall-clock time since the previous heartbeat, capped at the heartbeat
    interval, and only when: the page was visible, the user active, the video playing,
    and the position advanced by about the elapsed time (seeking ahead, playing fast
    or a paused player earn nothing). The first heartbeat only sets the baseline.
    """
    module = lesson.module
    staff_can_study(staff=staff, module=module)
    if not lesson.has_video:
        raise ValidationError(MSG_NO_VIDEO, code="no_video")
    try:
        position = float(position)
    except (TypeError, ValueError):
        raise ValidationError(MSG_BAD_POSITION, code="position") from None
    if math.isnan(position) or position < 0 or position > lesson.video_seconds + 5:
        raise ValidationError(MSG_BAD_POSITION, code="position")
    now = now or timezone.now()
    interval = heartbeat_seconds()
    with transaction.atomic():
        # One person's heartbeats are taken one at a time (their row is the lock): one
        # lesson at a time earns, whatever number of tabs plays.
        Staff.objects.select_for_update().filter(pk=staff.pk).first()
        progress, _created = LessonProgress.objects.select_for_update().get_or_create(
            staff=staff, lesson=lesson
        )
        credit = 0.0
        reason = "baseline"
        parallel = False
        if progress.last_heartbeat_at is not None:
            elapsed = (now - progress.last_heartbeat_at).total_seconds()
            advanced = position - progress.last_position
            tolerance = 2.0 + 0.1 * elapsed
            if not (visible and active and playing):
                reason = "inactive"
            elif elapsed <= 0:
                reason = "no time"
            elif elapsed > interval * 2 + 5:
                reason = "gap"  # the player was closed or stalled: restart the baseline
            elif advanced <= 0:
                reason = "no progress"
            elif advanced > elapsed + tolerance:
                reason = "seek"
            elif other_lesson_active(staff=staff, lesson=lesson, now=now, interval=interval):
                reason, parallel = "parallel", True
            else:
                credit = min(elapsed, float(interval), advanced + tolerance)
                reason = "credited"
        progress.watched_seconds = min(
            progress.watched_seconds + credit, float(lesson.video_seconds)
        )
        progress.last_position = position
        # After a parallel heartbeat the next one only sets a new baseline, so that the
        # other tab's lesson earns meanwhile and the two never both count.
        progress.last_heartbeat_at = None if parallel else now
        fields = ["watched_seconds", "last_position", "last_heartbeat_at"]
        newly_completed = False
        if progress.completed_at is None and progress.watched_seconds >= lesson.required_seconds:
            progress.completed_at = now
            fields.append("completed_at")
            newly_completed = True
        progress.save(update_fields=fields)
        if credit:
            _credit_lesson_hours(staff=staff, lesson=lesson, progress=progress, now=now)
        module_done = False
        if newly_completed:
            completion = module_completion_refresh(staff=staff, module=module, now=now)
            module_done = completion.completed_at is not None
    return HeartbeatResult(
        credit, progress.watched_seconds, progress.is_completed, module_done, reason
    )


def lesson_mark_read(
    *, staff: Staff, lesson: Lesson, now: datetime.datetime | None = None
) -> LessonProgress:
    """A lesson without a video is completed by reading it (the learner confirms)."""
    staff_can_study(staff=staff, module=lesson.module)
    now = now or timezone.now()
    with transaction.atomic():
        progress, _created = LessonProgress.objects.select_for_update().get_or_create(
            staff=staff, lesson=lesson
        )
        if progress.read_at is None:
            progress.read_at = now
            fields = ["read_at"]
            if not lesson.has_video and progress.completed_at is None:
                progress.completed_at = now
                fields.append("completed_at")
            progress.save(update_fields=fields)
            module_completion_refresh(staff=staff, module=lesson.module, now=now)
    return progress


def _credit(
    *,
    staff_id: int,
    year: int,
    source: str,
    key: str,
    hours: Decimal,
    now: datetime.datetime,
) -> bool:
    """Credit study hours once per key. Returns whether this call credited them."""
    try:
        with transaction.atomic():
            StudyHourCredit.objects.create(
                staff_id=staff_id,
                year=year,
                source=source,
                source_key=key,
                hours=hours,
                credited_at=now,
            )
    except IntegrityError:
        return False
    return True


def _credit_lesson_hours(
    *, staff: Staff, lesson: Lesson, progress: LessonProgress, now: datetime.datetime
) -> Decimal:
    """The lesson's hours by the programme's credit table for the time spent on it
    (see training.hours.lesson_credit)."""
    return lesson_credit(staff=staff, lesson=lesson, progress=progress, now=now)


def module_completion_refresh(
    *, staff: Staff, module: WeeklyModule, now: datetime.datetime | None = None
) -> ModuleCompletion:
    """Apply the module's completion rule to the person's progress."""
    now = now or timezone.now()
    completion, _created = ModuleCompletion.objects.get_or_create(staff=staff, module=module)
    if completion.completed_at is not None:
        return completion
    lessons_done = True
    if module.needs_lessons:
        total = module.lessons.count()
        done = LessonProgress.objects.filter(
            staff=staff, lesson__module=module, completed_at__isnull=False
        ).count()
        lessons_done = done >= total
    quiz_done = (not module.needs_quiz) or completion.quiz_passed_at is not None
    if lessons_done and quiz_done:
        completion.completed_at = now
        completion.save(update_fields=["completed_at"])
    return completion


@transaction.atomic
def module_quiz_record(
    *, staff: Staff, module: WeeklyModule, score: Decimal | float, now=None
) -> ModuleCompletion:
    """Record a weekly quiz result (from the exam engine's practice set). A pass at or
    above the programme's pass score credits the quiz study hours, once."""
    score = Decimal(str(score))
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(MSG_SCORE_RANGE, code="score")
    now = now or timezone.now()
    programme = module.track.programme
    completion, _created = ModuleCompletion.objects.select_for_update().get_or_create(
        staff=staff, module=module
    )
    if completion.quiz_score is None or score > completion.quiz_score:
        completion.quiz_score = score
        fields = ["quiz_score"]
        if score >= programme.quiz_pass_score and completion.quiz_passed_at is None:
            completion.quiz_passed_at = now
            fields.append("quiz_passed_at")
        completion.save(update_fields=fields)
    if completion.quiz_passed_at is not None:
        _credit(
            staff_id=staff.pk,
            year=programme.year,
            source=CreditSource.QUIZ,
            key=f"quiz:{module.pk}",
            hours=programme.quiz_credit_hours,
            now=now,
        )
    return module_completion_refresh(staff=staff, module=module, now=now)


@transaction.atomic
def lesson_save(*, lesson: Lesson, body_html: str | None = None) -> Lesson:
    """Save a lesson with its text sanitised (used by the admin and demo data)."""
    if body_html is not None:
        lesson.body_html = body_html
    lesson.body_html = sanitise_html(lesson.body_html)
    lesson.save()
    return lesson


MSG_VIDEO_LESSON = _("This lesson is studied by watching its video.")


def reading_heartbeat(
    *,
    staff: Staff,
    lesson: Lesson,
    visible: bool,
    active: bool,
    now: datetime.datetime | None = None,
) -> ReadingResult:
    """Account one heartbeat of a text lesson's page (see the module docstring).

    Every open reading page posts one every interval, so this is the busiest write of
    the training side: six statements in the common case (the lesson with its
    programme, the enrolment, the person's lock, the progress row, the other-lesson
    check, the update); the credit row is read only when the time spent reaches a new
    tier of the credit table."""
    lesson = _with_programme(lesson)
    staff_can_study(staff=staff, module=lesson.module)
    if lesson.has_video:
        raise PermissionDenied(MSG_VIDEO_LESSON)
    now = now or timezone.now()
    interval = heartbeat_seconds()
    with transaction.atomic():
        # One person's heartbeats are taken one at a time (their row is the lock), so
        # two tabs cannot both see "no other lesson" and both earn.
        list(Staff.objects.select_for_update().filter(pk=staff.pk).values_list("pk"))
        progress, _created = LessonProgress.objects.select_for_update().get_or_create(
            staff=staff, lesson=lesson
        )
        spent_before = float(progress.watched_seconds or 0) + float(progress.read_seconds or 0)
        credit = 0.0
        if progress.last_read_at is None:
            reason = "baseline"
        elif not (visible and active):
            reason = "inactive"
        else:
            elapsed = (now - progress.last_read_at).total_seconds()
            if elapsed <= 0:
                reason = "no time"
            elif elapsed > interval * 2 + 5:
                reason = "gap"  # the page was closed or asleep: start again from here
            elif other_lesson_active(staff=staff, lesson=lesson, now=now, interval=interval):
                reason = "parallel"
            else:
                credit = min(elapsed, float(interval))
                reason = "credited"
        if reason == "parallel":
            # Not this lesson's time: keep the baseline so that it does not count later.
            progress.last_read_at = None
        else:
            progress.last_read_at = now if (visible and active) else None
        progress.read_seconds = float(progress.read_seconds or 0) + credit
        progress.save(update_fields=["read_seconds", "last_read_at"])
        hours = lesson_credit(
            staff=staff, lesson=lesson, progress=progress, now=now, spent_before=spent_before
        )
    return ReadingResult(credit, progress.read_seconds, hours, reason)


def _with_programme(lesson: Lesson) -> Lesson:
    """The lesson with its module, track and programme loaded (one query, not three),
    unless the caller already loaded them."""
    cached = Lesson.module.is_cached(lesson)
    if cached and WeeklyModule.track.is_cached(lesson.module):
        return lesson
    return Lesson.objects.select_related("module__track__programme").get(pk=lesson.pk)
