"""Background tasks of the training cycle. Each is safe to run twice; each has a
management command that runs the same code by hand (see training/README.md for the
schedule)."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from . import exams_adapter, services
from .models import MonthlyExam, Programme


@task()
def enrolment_sync_task() -> dict:
    return services.enrolment_sync().as_dict()


@task()
def publish_modules_task() -> int:
    return services.modules_publish_due()


@task()
def reminders_task() -> dict:
    from .services.reminders import reminders_send

    result = reminders_send()
    return {"reminders": result.reminders, "digests": result.escalations}


def monthly_exams_create(*, month=None) -> int:
    """This month's exam of every active programme; how many sessions this run made
    (a second run the same month makes none)."""
    month = services.month_start(month or timezone.localdate())
    had = set(
        MonthlyExam.objects.filter(month=month, exam_session_id__isnull=False).values_list(
            "programme_id", flat=True
        )
    )
    created = 0
    for programme in Programme.objects.filter(is_active=True, year=month.year):
        exam = services.monthly_exam_create(programme=programme, month=month)
        created += exam.exam_session_id is not None and programme.pk not in had
    return created


@task()
def monthly_exams_task() -> int:
    return monthly_exams_create()


def guidance_cycle() -> dict:
    """For each monthly exam whose sitting is over: offer the make-up sitting, then (when
    the make-up is over too) generate guidance; collect follow-up quiz results."""
    makeups = plans = 0
    pending = MonthlyExam.objects.filter(
        exam_session_id__isnull=False, guidance_generated_at__isnull=True
    ).select_related("programme")
    for exam in pending:
        makeups += len(services.makeup_offer(monthly_exam=exam))
        if exam.makeup_session_id and not exams_adapter.session_is_over(
            session_id=exam.makeup_session_id
        ):
            continue
        if not exams_adapter.session_is_over(session_id=exam.exam_session_id):
            continue
        plans += len(services.guidance_generate(monthly_exam=exam).created)
    closed = services.guidance_followups_collect()
    quizzes = services.weekly_quizzes_collect()
    return {
        "makeup_offered": makeups,
        "plans": plans,
        "plans_closed": closed,
        "weekly_quiz_results": quizzes,
    }


@task()
def guidance_task() -> dict:
    return guidance_cycle()
