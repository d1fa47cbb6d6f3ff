"""Weekly modules: publishing them when due, their quiz material and results."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from organisation.models import Staff, StaffStatus

from .. import exams_adapter
from ..models import (
    Enrolment,
    EnrolmentStatus,
    ModuleCompletion,
    WeeklyModule,
)
from .lessons import module_quiz_record
from .notifications import NotificationDraft, notifications_send_many


def modules_publish_due(*, today: datetime.date | None = None) -> int:
    """Publish every module whose week has started and tell its enrolled learners.
    Safe to run twice: publication and each notice happen once."""
    today = today or timezone.localdate()
    published = 0
    modules = WeeklyModule.objects.filter(
        starts_on__lte=today, published_at__isnull=True, track__programme__is_active=True
    ).select_related("track")
    for module in modules:
        with transaction.atomic():
            if not WeeklyModule.objects.filter(pk=module.pk, published_at__isnull=True).update(
                published_at=timezone.now()
            ):
                continue
            published += 1
            module_exam_material_ensure(module=module)
            audit_record(action="training.module_published", target=module)
        url = reverse("training:module", args=[module.pk])
        title = gettext("New weekly module: %(title)s") % {"title": module.title}
        body = gettext("Due on %(date)s.") % {"date": module.due_on.isoformat()}
        notifications_send_many(
            drafts=[
                NotificationDraft(
                    user=user,
                    key=f"module:{module.pk}",
                    title=title,
                    body=body,
                    url=url,
                    email=False,
                )
                for user in _enrolled_users(module.track_id)
            ]
        )
    return published


def module_exam_material_ensure(*, module: WeeklyModule) -> None:
    """The week's practice set and quiz in the exam engine, for the module's knowledge
    points (ids, or names looked up in the bank)."""
    point_ids = list(
        module.knowledge_point_ids or []
    ) or exams_adapter.knowledge_point_ids_for_names(module.knowledge_points or [])
    if not point_ids:
        return
    fields = []
    if module.practice_set_id is None:
        module.practice_set_id = exams_adapter.practice_set_for_points(
            title=gettext("Week %(week)s practice: %(title)s")
            % {"week": module.week, "title": module.title},
            knowledge_point_ids=point_ids,
        )
        fields.append("practice_set_id")
    if module.quiz_session_id is None and module.needs_quiz:
        module.quiz_session_id = exams_adapter.weekly_quiz_create(
            title=gettext("Week %(week)s quiz: %(title)s")
            % {"week": module.week, "title": module.title},
            knowledge_point_ids=point_ids,
            staff_ids=list(
                Enrolment.objects.filter(
                    track_id=module.track_id, status=EnrolmentStatus.ACTIVE
                ).values_list("staff_id", flat=True)
            ),
            opens_on=module.starts_on,
            closes_on=module.due_on,
            department=module.track.programme.department,
        )
        fields.append("quiz_session_id")
    if fields:
        module.save(update_fields=fields)


QUIZ_COLLECT_DAYS = 14


def weekly_quizzes_collect() -> int:
    """Record the weekly quiz results from the exam engine (best attempt counts);
    repeat-safe: a result is only ever raised, hours credited once. Only quizzes still
    open or closed within `QUIZ_COLLECT_DAYS` are read: a closed quiz's results no longer
    change, and the daily run has collected them (a fortnight covers a run that did not
    happen for days), so a run does not grow with the year."""
    recorded = 0
    modules = list(
        WeeklyModule.objects.filter(
            quiz_session_id__isnull=False, track__programme__is_active=True
        ).select_related("track__programme")
    )
    counting = exams_adapter.sessions_closing_since(
        session_ids=[m.quiz_session_id for m in modules],
        since=timezone.now() - datetime.timedelta(days=QUIZ_COLLECT_DAYS),
    )
    for module in modules:
        if module.quiz_session_id not in counting:
            continue
        scores = exams_adapter.session_scores(session_id=module.quiz_session_id)
        done = dict(
            ModuleCompletion.objects.filter(
                module=module, staff_id__in=list(scores), quiz_score__isnull=False
            ).values_list("staff_id", "quiz_score")
        )
        new = {
            staff_id: score
            for staff_id, score in scores.items()
            if done.get(staff_id) is None or done[staff_id] < score
        }
        staff_by_id = Staff.objects.in_bulk(list(new))
        for staff_id, score in new.items():
            module_quiz_record(staff=staff_by_id[staff_id], module=module, score=score)
            recorded += 1
    return recorded


def _enrolled_users(track_id: int):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(
        staff__enrolments__track_id=track_id,
        staff__enrolments__status=EnrolmentStatus.ACTIVE,
        staff__status=StaffStatus.ACTIVE,
        is_active=True,
    )
