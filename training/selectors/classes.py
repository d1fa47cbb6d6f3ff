"""Reads of in-person classes: the attendance list, a coordinator's classes, a
learner's upcoming classes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.models import Staff

from ..access import classes_visible_to
from ..models import ClassAttendance, TrainingClass


class Attendance:
    EXPECTED = "expected"
    PRESENT = "present"
    LATE = "late"
    ABSENT = "absent"
    EXCUSED = "excused"

    LABELS = {
        EXPECTED: _("Expected"),
        PRESENT: _("Present"),
        LATE: _("Late"),
        ABSENT: _("Absent"),
        EXCUSED: _("Excused"),
    }


def _grace() -> datetime.timedelta:
    from ..services.classes import late_minutes

    return datetime.timedelta(minutes=late_minutes())


def attendance_state(
    attendance: ClassAttendance, training_class: TrainingClass, now: datetime.datetime
) -> str:
    if attendance.checked_in_at is not None:
        late = attendance.checked_in_at > training_class.starts_at + _grace()
        return Attendance.LATE if late else Attendance.PRESENT
    if attendance.excuse_reason:
        return Attendance.EXCUSED
    if training_class.is_closed or now > training_class.starts_at + _grace():
        return Attendance.ABSENT
    return Attendance.EXPECTED


def left_early(attendance: ClassAttendance, training_class: TrainingClass) -> bool:
    """Checked out (by themselves) well before the end."""
    out = attendance.checked_out_at
    if out is None:
        return False
    if training_class.closed_at is not None and out >= min(
        training_class.closed_at, training_class.ends_at
    ):
        return False  # checked out by the close
    return out < training_class.ends_at - _grace()


@dataclass
class AttendanceRow:
    attendance: ClassAttendance
    staff: Staff
    state: str
    label: str
    left_early: bool


@dataclass
class AttendanceList:
    training_class: TrainingClass
    rows: list[AttendanceRow]

    def count(self, state: str) -> int:
        return sum(1 for r in self.rows if r.state == state)

    @property
    def counts(self) -> list[tuple[str, str, int]]:
        return [
            (state, label, self.count(state))
            for state, label in Attendance.LABELS.items()
            if state != Attendance.EXPECTED or self.count(state)
        ]


def attendance_list(
    *, training_class: TrainingClass, now: datetime.datetime | None = None
) -> AttendanceList:
    """Everyone expected, with their state (present, late, absent, excused), in two
    queries."""
    now = now or timezone.now()
    attendances = (
        ClassAttendance.objects.filter(training_class=training_class)
        .select_related("staff__department")
        .order_by("staff__department__path", "staff__staff_number")
    )
    rows = []
    for attendance in attendances:
        state = attendance_state(attendance, training_class, now)
        rows.append(
            AttendanceRow(
                attendance,
                attendance.staff,
                state,
                Attendance.LABELS[state],
                left_early(attendance, training_class),
            )
        )
    return AttendanceList(training_class, rows)


def classes_for_coordinator(*, user) -> QuerySet[TrainingClass]:
    """Classes the user can see, with the numbers expected and checked in."""
    return (
        classes_visible_to(user)
        .select_related("department", "trainer")
        .annotate(
            expected=Count("attendances", distinct=True),
            present=Count(
                "attendances", filter=Q(attendances__checked_in_at__isnull=False), distinct=True
            ),
        )
        .order_by("-starts_at", "-pk")
    )


@dataclass
class LearnerClass:
    training_class: TrainingClass
    attendance: ClassAttendance


def upcoming_classes_for(
    *, staff: Staff, now: datetime.datetime | None = None, limit: int = 5
) -> list[LearnerClass]:
    """The person's classes that have not ended (and are not closed), soonest first."""
    now = now or timezone.now()
    attendances = (
        ClassAttendance.objects.filter(
            staff=staff,
            training_class__ends_at__gte=now,
            training_class__closed_at__isnull=True,
        )
        .select_related("training_class__trainer")
        .order_by("training_class__starts_at")[:limit]
    )
    return [LearnerClass(a.training_class, a) for a in attendances]
