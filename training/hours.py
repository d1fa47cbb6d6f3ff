"""Study hours (学时) by the programme's credit table, from time really spent.

- `lesson_credit(...)`: a lesson's hours follow the credit table
  (`Programme.credit_for_seconds`) applied to the time spent on it (video watched plus
  text read); one credit row per person and lesson (key `lesson:<id>`) that only ever
  grows as the time reaches a higher tier.
- `reading_heartbeat(...)`: the reading page posts a heartbeat every interval while it
  is open. The time since the previous heartbeat counts (capped at the interval) when
  the page was visible and the user active, and only for one lesson at a time per
  person: a heartbeat within the interval of another lesson's heartbeat (a second tab)
  earns nothing. Video heartbeats take part in the same rule (`other_lesson_active`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.models import Staff

from .models import CreditSource, Lesson, LessonProgress, StudyHourCredit

MSG_VIDEO_LESSON = _("This lesson is studied by watching its video.")


@dataclass
class ReadingResult:
    credited_seconds: float
    read_seconds: float
    hours: Decimal
    reason: str


def other_lesson_active(
    *, staff: Staff, lesson: Lesson, now: datetime.datetime, interval: int
) -> bool:
    """Whether the person studied another lesson within the last interval."""
    since = now - datetime.timedelta(seconds=interval)
    return (
        LessonProgress.objects.filter(staff=staff)
        .exclude(lesson=lesson)
        .filter(Q(last_read_at__gt=since) | Q(last_heartbeat_at__gt=since))
        .exists()
    )


def lesson_credit(*, staff: Staff, lesson: Lesson, progress: LessonProgress, now) -> Decimal:
    """Credit (or raise) the lesson's hours to what the table gives for the time spent.
    Returns the hours the lesson now holds."""
    programme = lesson.module.track.programme
    spent = float(progress.watched_seconds or 0) + float(progress.read_seconds or 0)
    hours = programme.credit_for_seconds(spent)
    if not hours:
        return Decimal(0)
    key = f"lesson:{lesson.pk}"
    credit = StudyHourCredit.objects.filter(staff=staff, source_key=key).first()
    if credit is None:
        try:
            with transaction.atomic():
                StudyHourCredit.objects.create(
                    staff=staff,
                    year=programme.year,
                    source=CreditSource.LESSON,
                    source_key=key,
                    hours=hours,
                    credited_at=now,
                )
            return hours
        except IntegrityError:  # a concurrent heartbeat credited it a moment ago
            credit = StudyHourCredit.objects.get(staff=staff, source_key=key)
    if hours > credit.hours:
        StudyHourCredit.objects.filter(pk=credit.pk, hours__lt=hours).update(
            hours=hours, credited_at=now
        )
        return hours
    return credit.hours


def reading_heartbeat(
    *,
    staff: Staff,
    lesson: Lesson,
    visible: bool,
    active: bool,
    now: datetime.datetime | None = None,
) -> ReadingResult:
    """Account one heartbeat of a text lesson's page (see the module docstring)."""
    from .services import heartbeat_seconds, staff_can_study

    staff_can_study(staff=staff, module=lesson.module)
    if lesson.has_video:
        raise PermissionDenied(MSG_VIDEO_LESSON)
    now = now or timezone.now()
    interval = heartbeat_seconds()
    with transaction.atomic():
        # One person's heartbeats are taken one at a time (their row is the lock), so
        # two tabs cannot both see "no other lesson" and both earn.
        Staff.objects.select_for_update().filter(pk=staff.pk).first()
        progress, _created = LessonProgress.objects.select_for_update().get_or_create(
            staff=staff, lesson=lesson
        )
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
        hours = lesson_credit(staff=staff, lesson=lesson, progress=progress, now=now)
    return ReadingResult(credit, progress.read_seconds, hours, reason)
