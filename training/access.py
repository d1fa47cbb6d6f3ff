"""Access to training objects, built on organisation.access. Missing and forbidden
look the same (Http404); the forbidden case is audited."""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.http import Http404

from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    learner_staff,
    record_denied,
)
from organisation.models import Staff

from .models import EnrolmentStatus, GuidancePlan, Lesson, Notification, Track, WeeklyModule
from .selectors import tracks_visible_to


def learner_staff_or_404(user) -> Staff:
    staff = learner_staff(user)
    if staff is None:
        raise Http404("Not a learner.")
    return staff


def get_module_for_learner(user, module_id) -> tuple[Staff, WeeklyModule]:
    """A published module of a track the user is actively enrolled in."""
    staff = learner_staff_or_404(user)
    module = (
        WeeklyModule.objects.select_related("track__programme")
        .filter(
            pk=_int(module_id),
            published_at__isnull=False,
            track__enrolments__staff=staff,
            track__enrolments__status=EnrolmentStatus.ACTIVE,
        )
        .first()
    )
    if module is None:
        if WeeklyModule.objects.filter(pk=_int(module_id)).exists():
            record_denied(user, "training.weeklymodule", module_id)
        raise Http404("No such module.")
    return staff, module


def get_lesson_for_learner(user, lesson_id) -> tuple[Staff, Lesson]:
    staff = learner_staff_or_404(user)
    lesson = (
        Lesson.objects.select_related("module__track__programme")
        .prefetch_related("attachments")
        .filter(
            pk=_int(lesson_id),
            module__published_at__isnull=False,
            module__track__enrolments__staff=staff,
            module__track__enrolments__status=EnrolmentStatus.ACTIVE,
        )
        .first()
    )
    if lesson is None:
        if Lesson.objects.filter(pk=_int(lesson_id)).exists():
            record_denied(user, "training.lesson", lesson_id)
        raise Http404("No such lesson.")
    return staff, lesson


def get_track_for(user, track_id) -> Track:
    track = tracks_visible_to(user).filter(pk=_int(track_id)).first()
    if track is None:
        if Track.objects.filter(pk=_int(track_id)).exists():
            record_denied(user, "training.track", track_id)
        raise Http404("No such track.")
    return track


def get_notification_for(user, notification_id) -> Notification:
    """One of the user's own notifications; anybody else's is missing (and audited)."""
    notification = Notification.objects.filter(pk=_int(notification_id), user_id=user.pk).first()
    if notification is None:
        if Notification.objects.filter(pk=_int(notification_id)).exists():
            record_denied(user, "training.notification", notification_id)
        raise Http404("No such notification.")
    return notification


def plans_visible_to(user):
    """Own plans, plans of people in the user's read subtrees, plans the user mentors."""
    if not user.is_authenticated:
        return GuidancePlan.objects.none()
    return GuidancePlan.objects.filter(
        Q(staff__user_id=user.pk)
        | Q(staff__department__in=departments_visible_to(user))
        | Q(mentor__user_id=user.pk)
        | Q(mentor_user_id=user.pk)
    )


def plans_recordable_by(user):
    """Plans whose mentor sessions the user may record: their coordinator subtree, or
    plans they mentor."""
    if not user.is_authenticated:
        return GuidancePlan.objects.none()
    return GuidancePlan.objects.filter(
        Q(staff__department__in=departments_managed_by(user))
        | Q(mentor__user_id=user.pk)
        | Q(mentor_user_id=user.pk)
    )


def get_plan_for(user, public_id, *, write: bool = False) -> GuidancePlan:
    queryset = plans_recordable_by(user) if write else plans_visible_to(user)
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such plan.") from None
    plan = (
        queryset.select_related(
            "staff__department", "mentor", "mentor_user", "monthly_exam__programme"
        )
        .filter(public_id=key)
        .first()
    )
    if plan is None:
        if GuidancePlan.objects.filter(public_id=key).exists():
            record_denied(user, "training.guidanceplan", key)
        raise Http404("No such plan.")
    return plan


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
