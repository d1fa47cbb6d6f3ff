"""Monthly exams and their make-up sittings."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext

from audit.services import audit_record
from organisation.models import StaffStatus

from .. import exams_adapter
from ..models import (
    Enrolment,
    EnrolmentStatus,
    MonthlyExam,
    Programme,
)
from .notifications import notification_send

# --- Monthly exam, make-up sittings, special guidance ------------------------------


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def programme_audience_ids(*, programme: Programme) -> list[int]:
    return list(
        Enrolment.objects.filter(
            track__programme=programme,
            status=EnrolmentStatus.ACTIVE,
            staff__status=StaffStatus.ACTIVE,
        )
        .values_list("staff_id", flat=True)
        .distinct()
    )


def monthly_exam_create(
    *, programme: Programme, month: datetime.date, created_by=None
) -> MonthlyExam:
    """The programme's exam for a month, for everyone actively enrolled; once per month."""
    month = month_start(month)
    with transaction.atomic():
        exam, _created = MonthlyExam.objects.select_for_update().get_or_create(
            programme=programme, month=month
        )
        if exam.exam_session_id is None:
            session_id = exams_adapter.monthly_session_create(
                title=gettext("%(programme)s · monthly exam %(month)s")
                % {"programme": programme.name, "month": month.strftime("%Y-%m")},
                month=month,
                staff_ids=programme_audience_ids(programme=programme),
                department=programme.department,
                created_by=created_by,
            )
            if session_id is not None:
                exam.exam_session_id = session_id
                exam.save(update_fields=["exam_session_id"])
                audit_record(
                    action="training.monthly_exam_created",
                    actor=created_by,
                    target=exam,
                    data={"session": session_id},
                )
    return exam


def makeup_offer(*, monthly_exam: MonthlyExam, created_by=None) -> list[int]:
    """After the sitting is over, offer a make-up sitting to everyone in the audience
    without a result. Once per monthly exam. Returns the staff ids offered."""
    if monthly_exam.exam_session_id is None or monthly_exam.makeup_session_id is not None:
        return []
    if not exams_adapter.session_is_over(session_id=monthly_exam.exam_session_id):
        return []
    results = exams_adapter.session_results(session_id=monthly_exam.exam_session_id)
    audience = set(programme_audience_ids(programme=monthly_exam.programme))
    missed = sorted(audience - results.keys())
    if not missed:
        return []
    with transaction.atomic():
        locked = MonthlyExam.objects.select_for_update().get(pk=monthly_exam.pk)
        if locked.makeup_session_id is not None:
            return []
        session_id = exams_adapter.makeup_session_create(
            title=gettext("%(programme)s · make-up exam %(month)s")
            % {"programme": locked.programme.name, "month": locked.month.strftime("%Y-%m")},
            original_session_id=locked.exam_session_id,
            staff_ids=missed,
            created_by=created_by,
        )
        if session_id is None:
            return []
        locked.makeup_session_id = session_id
        locked.save(update_fields=["makeup_session_id"])
        monthly_exam.makeup_session_id = session_id
        audit_record(
            action="training.makeup_offered",
            actor=created_by,
            target=locked,
            data={"session": session_id, "people": len(missed)},
        )
    for user in _users_of(missed):
        notification_send(
            user=user,
            key=f"makeup:{locked.pk}",
            title=gettext("A make-up sitting of the monthly exam is open for you"),
            body=gettext("You missed the monthly exam of %(month)s.")
            % {"month": locked.month.strftime("%Y-%m")},
            url=reverse("home"),
        )
    return missed


def _users_of(staff_ids: Iterable[int]):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(staff__pk__in=list(staff_ids), is_active=True)
