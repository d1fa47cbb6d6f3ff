"""Study hours (学时) by the programme's credit table, from time really spent.

- `lesson_credit(...)`: a lesson's hours follow the credit table
  (`Programme.credit_for_seconds`) applied to the time spent on it (video watched plus
  text read); one credit row per person and lesson (key `lesson:<id>`) that only ever
  grows as the time reaches a higher tier.
- `services.reading_heartbeat(...)` (in services/lessons.py): the reading page posts a
  heartbeat every interval while it is open. The time since the previous heartbeat
  counts (capped at the interval) when the page was visible and the user active, and
  only for one lesson at a time per person: a heartbeat within the interval of another
  lesson's heartbeat (a second tab) earns nothing. Video heartbeats take part in the
  same rule (`other_lesson_active`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q

from organisation.models import Staff

from .models import CreditSource, Lesson, LessonProgress, StudyHourCredit


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


def lesson_credit(
    *,
    staff: Staff,
    lesson: Lesson,
    progress: LessonProgress,
    now,
    spent_before: float | None = None,
) -> Decimal:
    """Credit (or raise) the lesson's hours to what the table gives for the time spent.
    Returns the hours the lesson now holds.

    `spent_before`: the time spent before this heartbeat, when the caller knows it.
    If the table gives the same hours for it, the credit row already holds them (it
    was written when the time reached that tier) and is not read again."""
    programme = lesson.module.track.programme
    spent = float(progress.watched_seconds or 0) + float(progress.read_seconds or 0)
    hours = programme.credit_for_seconds(spent)
    if not hours:
        return Decimal(0)
    if spent_before is not None and programme.credit_for_seconds(spent_before) == hours:
        return hours
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


def class_hours_for_seconds(programme, seconds: float) -> Decimal:
    """Study hours of time present in a class by the programme's credit table: each
    whole `lesson_minutes_per_credit` block earns `lesson_credit_hours`, the rest the
    hours of the highest tier it reaches (a 150-minute class on the default table: 5 h;
    100 minutes: 3 + 0.25 h)."""
    block = int(programme.lesson_minutes_per_credit) * 60
    full, rest = divmod(max(0, int(seconds or 0)), block)
    return Decimal(full) * Decimal(programme.lesson_credit_hours) + programme.credit_for_seconds(
        rest
    )


def class_credit(*, staff_id: int, training_class, hours: Decimal, now) -> None:
    """Credit (or set) the class's hours for one person, once per class (`class:<id>`)."""
    key = f"class:{training_class.pk}"
    if not hours:
        StudyHourCredit.objects.filter(staff_id=staff_id, source_key=key).delete()
        return
    StudyHourCredit.objects.update_or_create(
        staff_id=staff_id,
        source_key=key,
        defaults={
            "year": training_class.programme.year,
            "source": CreditSource.CLASS,
            "hours": hours,
            "credited_at": now,
        },
    )
