"""Reminders people can act on.

- A learner gets at most one reminder per overdue module per week (ISO week): the key
  names the module and the week, so a daily run sends nothing new until next week.
- A manager gets one weekly digest instead of one notice per person and module: how
  many people in how many units are overdue (on modules overdue for the programme's
  `escalate_after_days` or more), the units with the most, the modules concerned, and a
  link to the overdue list (scoped to the manager's subtree by that page).
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from audit.services import audit_record
from organisation.models import Department, Role, RoleAssignment, Staff

from ..models import ClassAttendance, Notification
from ..selectors import overdue_rows_where
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


DIGEST_UNITS_SHOWN = 5
DIGEST_MODULES_SHOWN = 3


def week_tag(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def reminders_send(*, today: datetime.date | None = None) -> ReminderResult:
    """Remind overdue learners (once per module and week) and send each manager with
    people overdue long enough one digest for the week. Safe to run daily."""
    today = today or timezone.localdate()
    tag = week_tag(today)
    result = ReminderResult()
    # A rolling week as well as the calendar week: nobody hears about the same module
    # (or gets a digest) twice within seven days, whatever day the command runs.
    since = timezone.now() - datetime.timedelta(days=7) + datetime.timedelta(minutes=1)
    recent = set(
        Notification.objects.filter(created_at__gt=since)
        .filter(Q(key__startswith="overdue:") | Q(key__startswith="digest:"))
        .values_list("user_id", "key")
    )
    reminded = {(u, k.split(":")[1]) for u, k in recent if k.startswith("overdue:")}
    digested = {u for u, k in recent if k.startswith("digest:")}
    by_path = manager_map()
    managers_cache: dict[int, list] = {}
    reminders: list[NotificationDraft] = []
    # manager id -> (manager, {staff id}, Counter(unit name), Counter(module title))
    digests: dict[int, tuple] = {}
    # Only the pairs this run can act on are read as objects: a reminder not yet sent
    # this week, or a pair overdue long enough while a manager still lacks a digest.
    users = dict(
        Staff.objects.filter(user__isnull=False, user__is_active=True).values_list("pk", "user_id")
    )
    all_digested = digested >= {u.pk for unit in by_path.values() for u in unit}

    def acts_on(staff_id: int, module, days_overdue: int) -> bool:
        user_id = users.get(staff_id)
        if user_id and (user_id, str(module.pk)) not in reminded:
            return True
        return not all_digested and days_overdue >= module.track.programme.escalate_after_days

    # On the six days of a week when every manager has had their digest, only people
    # who can be reminded (an active account) matter; the digest counts everyone.
    people = (
        Staff.objects.all()
        if not all_digested
        else Staff.objects.filter(user__isnull=False, user__is_active=True)
    )
    for row in overdue_rows_where(staff_queryset=people, today=today, keep=acts_on):
        staff, module = row.staff, row.module
        if (
            staff.user_id
            and staff.user.is_active
            and (staff.user_id, str(module.pk)) not in reminded
        ):
            reminders.append(
                NotificationDraft(
                    user=staff.user,
                    key=f"overdue:{module.pk}:{tag}",
                    title=gettext("Overdue: %(title)s") % {"title": module.title},
                    body=gettext("This weekly module was due on %(date)s. Please complete it.")
                    % {"date": module.due_on.isoformat()},
                    url=reverse("training:module", args=[module.pk]),
                )
            )
        if row.days_overdue < module.track.programme.escalate_after_days:
            continue
        if staff.department_id not in managers_cache:
            managers_cache[staff.department_id] = managers_of_unit(
                staff.department, by_path=by_path
            )
        for manager in managers_cache[staff.department_id]:
            if manager.pk in digested:
                continue
            entry = digests.setdefault(manager.pk, (manager, set(), Counter(), Counter()))
            if staff.pk not in entry[1]:
                entry[1].add(staff.pk)
                entry[2][staff.department.name] += 1
            entry[3][module.title] += 1
    # Absences from classes closed in the last week (not excused) join the same digest.
    absences: dict[int, Counter] = defaultdict(Counter)
    for attendance in class_absences(since=since):
        staff = attendance.staff
        if staff.department_id not in managers_cache:
            managers_cache[staff.department_id] = managers_of_unit(
                staff.department, by_path=by_path
            )
        for manager in managers_cache[staff.department_id]:
            if manager.pk in digested:
                continue
            digests.setdefault(manager.pk, (manager, set(), Counter(), Counter()))
            absences[manager.pk][attendance.training_class.title] += 1
    result.reminders = notifications_send_many(drafts=reminders)
    result.escalations = notifications_send_many(
        drafts=[
            _digest(*entry, tag=tag, absences=absences.get(pk)) for pk, entry in digests.items()
        ]
    )
    if result.reminders or result.escalations:
        audit_record(
            action="training.reminders_sent",
            data={"reminders": result.reminders, "digests": result.escalations, "week": tag},
        )
    return result


def class_absences(*, since: datetime.datetime):
    """Expected people who did not come to a class closed since then, not excused."""
    return ClassAttendance.objects.filter(
        training_class__closed_at__gte=since,
        checked_in_at__isnull=True,
        excuse_reason="",
        staff__status="active",
    ).select_related("staff__department", "training_class")


def _digest(
    manager,
    people: set,
    units: Counter,
    modules: Counter,
    *,
    tag: str,
    absences: Counter | None = None,
):
    title = ngettext(
        "Weekly digest: %(people)s person overdue in %(units)s unit(s)",
        "Weekly digest: %(people)s people overdue in %(units)s unit(s)",
        len(people),
    ) % {"people": len(people), "units": len(units)}
    lines = [
        gettext("%(unit)s: %(count)s") % {"unit": unit, "count": count}
        for unit, count in units.most_common(DIGEST_UNITS_SHOWN)
    ]
    if len(units) > DIGEST_UNITS_SHOWN:
        lines.append(
            gettext("and %(count)s more units") % {"count": len(units) - DIGEST_UNITS_SHOWN}
        )
    if modules:
        overdue = "、".join(title for title, _n in modules.most_common(DIGEST_MODULES_SHOWN))
        lines.append(gettext("Most overdue modules: %(modules)s") % {"modules": overdue})
    if absences:
        missed = "、".join(
            gettext("%(title)s (%(count)s)") % {"title": title, "count": count}
            for title, count in absences.most_common(DIGEST_MODULES_SHOWN)
        )
        lines.append(gettext("Absent from classes: %(classes)s") % {"classes": missed})
    return NotificationDraft(
        user=manager,
        key=f"digest:{tag}",
        title=title,
        body="\n".join(lines),
        url=reverse("training:overdue"),
    )
