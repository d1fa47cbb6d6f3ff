"""Reminders to learners behind schedule and escalation to their managers."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from organisation.models import Department, Role, RoleAssignment, Staff

from ..selectors import overdue_rows
from .notifications import NotificationDraft, notifications_send_many


@dataclass
class ReminderResult:
    reminders: int = 0
    escalations: int = 0


def managers_of_unit(department: Department, *, by_path: dict | None = None) -> list:
    """The managers responsible for a unit: those bound to the nearest unit at or above
    it that has a manager. `by_path` (from `manager_map()`) avoids a query per unit."""
    if by_path is None:
        by_path = manager_map()
    steplen = department.steplen
    for end in range(len(department.path), 0, -steplen):
        users = by_path.get(department.path[:end])
        if users:
            return users
    return []


def manager_map() -> dict[str, list]:
    """Active managers by the path of the unit they are bound to (one query)."""
    by_path: dict[str, list] = defaultdict(list)
    for assignment in RoleAssignment.objects.filter(
        role=Role.MANAGER, user__is_active=True
    ).select_related("user", "department"):
        by_path[assignment.department.path].append(assignment.user)
    return dict(by_path)


def overdue_enrolments(*, today: datetime.date):
    """(module, staff) pairs overdue: a published module past its due date, an active
    enrolment in its track, and no completion."""
    return overdue_rows(staff_queryset=Staff.objects.all(), today=today)


def reminders_send(*, today: datetime.date | None = None) -> ReminderResult:
    """Remind overdue learners; escalate to the unit's manager when overdue for
    `escalate_after_days` or more. Each reminder and escalation is sent once."""
    today = today or timezone.localdate()
    result = ReminderResult()
    managers_cache: dict[int, list] = {}
    by_path = manager_map()
    reminders: list[NotificationDraft] = []
    escalations: list[NotificationDraft] = []
    overdue_url = reverse("training:overdue")
    for row in overdue_enrolments(today=today):
        staff, module = row.staff, row.module
        if staff.user_id and staff.user.is_active:
            reminders.append(
                NotificationDraft(
                    user=staff.user,
                    key=f"overdue:{module.pk}",
                    title=gettext("Overdue: %(title)s") % {"title": module.title},
                    body=gettext("This weekly module was due on %(date)s. Please complete it.")
                    % {"date": module.due_on.isoformat()},
                    url=reverse("training:module", args=[module.pk]),
                )
            )
        if row.days_overdue >= module.track.programme.escalate_after_days:
            if staff.department_id not in managers_cache:
                managers_cache[staff.department_id] = managers_of_unit(
                    staff.department, by_path=by_path
                )
            for manager in managers_cache[staff.department_id]:
                escalations.append(
                    NotificationDraft(
                        user=manager,
                        key=f"escalation:{module.pk}:{staff.pk}",
                        title=gettext("%(name)s is %(days)s days overdue")
                        % {"name": staff.name, "days": row.days_overdue},
                        body=gettext(
                            "%(name)s (%(unit)s) has not completed “%(title)s”, due %(date)s."
                        )
                        % {
                            "name": staff.name,
                            "unit": staff.department.name,
                            "title": module.title,
                            "date": module.due_on.isoformat(),
                        },
                        url=overdue_url,
                    )
                )
    result.reminders = notifications_send_many(drafts=reminders)
    result.escalations = notifications_send_many(drafts=escalations)
    if result.reminders or result.escalations:
        audit_record(
            action="training.reminders_sent",
            data={"reminders": result.reminders, "escalations": result.escalations},
        )
    return result
