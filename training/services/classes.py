"""In-person classes (集中授课): scheduling, the rotating check-in code, check-in and
check-out, excuses, closing the class and crediting the hours of the time present.

- **The class code** on the trainer's screen is a `TimestampSigner` signature of
  (class id, 30-second window). A code is accepted in its own window and the next one
  only, so a photo sent to someone elsewhere stops working within a minute.
- **Check-in** opens `TRAINING_CLASS_CHECKIN_OPENS_MINUTES` (30) before the start and
  closes at the end (or when the class is closed). Arriving more than
  `TRAINING_CLASS_LATE_MINUTES` (5) after the start is late; checking out more than that
  before the end is leaving early.
- **Hours**: the time present (check-in to check-out, within the class's times, or to
  the close) by the programme's credit table (`hours.class_hours_for_seconds`), never
  more than the class is worth; one credit per person and class (`class:<id>`).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from core.text import clean_text
from organisation.access import departments_managed_by
from organisation.models import Department, Staff, StaffStatus

from ..hours import class_credit, class_hours_for_seconds
from ..models import (
    CheckInMethod,
    ClassAttendance,
    EnrolmentStatus,
    Programme,
    Track,
    TrainingClass,
)
from .common import (
    MSG_ALREADY_CHECKED_IN,
    MSG_ALREADY_CHECKED_OUT,
    MSG_CHECKIN_CODE_EXPIRED,
    MSG_CHECKIN_CODE_INVALID,
    MSG_CHECKIN_NOT_EXPECTED,
    MSG_CHECKIN_OUTSIDE,
    MSG_CHECKIN_PERSON_NOT_EXPECTED,
    MSG_CLASS_AUDIENCE_EMPTY,
    MSG_CLASS_AUDIENCE_NOBODY,
    MSG_CLASS_AUDIENCE_OUTSIDE,
    MSG_CLASS_CAPACITY,
    MSG_CLASS_CLOSED,
    MSG_CLASS_ENDS_BEFORE_START,
    MSG_CLASS_IN_PAST,
    MSG_CLASS_NOT_STARTED,
    MSG_CLASS_OVER_CAPACITY,
    MSG_CLASS_TITLE_REQUIRED,
    MSG_CLASS_TRAINER_REQUIRED,
    MSG_CLASS_VENUE_REQUIRED,
    MSG_EXCUSE_PRESENT,
    MSG_EXCUSE_REASON_REQUIRED,
    MSG_NOT_CHECKED_IN,
    MSG_PERSONAL_CODE_INVALID,
)
from .notifications import NotificationDraft, notifications_send_many

CODE_WINDOW_SECONDS = 30
_CODE_SALT = "training.class-checkin"
_PERSONAL_SALT = "training.personal-code"


def checkin_opens_minutes() -> int:
    return int(getattr(settings, "TRAINING_CLASS_CHECKIN_OPENS_MINUTES", 30))


def late_minutes() -> int:
    return int(getattr(settings, "TRAINING_CLASS_LATE_MINUTES", 5))


def checkin_opens_at(training_class: TrainingClass) -> datetime.datetime:
    return training_class.starts_at - datetime.timedelta(minutes=checkin_opens_minutes())


def checkin_is_open(training_class: TrainingClass, now: datetime.datetime) -> bool:
    return (
        not training_class.is_closed
        and checkin_opens_at(training_class) <= now <= training_class.ends_at
    )


# --- scheduling ------------------------------------------------------------------------


def class_audience(
    *,
    department: Department,
    audience_departments: Iterable[Department] = (),
    audience_posts: Iterable[str] = (),
    audience_staff: Iterable[Staff] = (),
    audience_track: Track | None = None,
) -> list[Staff]:
    """Active people of the organising unit's subtree who are expected: everyone in the
    chosen units (only the chosen posts, when posts are given; posts alone mean those
    posts across the organising unit), the named people, and the track's enrolled."""
    base = Staff.objects.filter(department.subtree_q("department__"), status=StaffStatus.ACTIVE)
    units = list(audience_departments)
    posts = [p for p in (clean_text(p) for p in audience_posts) if p]
    named = [s.pk for s in audience_staff]
    wanted = Q(pk__in=[])
    if units or posts:
        by_unit = Q()
        if units:
            by_unit = Q(pk__in=[])
            for unit in units:
                by_unit |= unit.subtree_q("department__")
        if posts:
            by_unit &= Q(post__in=posts)
        wanted |= by_unit
    if named:
        wanted |= Q(pk__in=named)
    if audience_track is not None:
        wanted |= Q(enrolments__track=audience_track, enrolments__status=EnrolmentStatus.ACTIVE)
    return list(base.filter(wanted).distinct().select_related("user").order_by("pk"))


def class_schedule(
    *,
    actor,
    department: Department,
    programme: Programme,
    title: str,
    venue: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    capacity: int,
    trainer: Staff | None = None,
    trainer_name: str = "",
    knowledge_points: Iterable[tuple[int, str]] = (),
    audience_departments: Iterable[Department] = (),
    audience_posts: Iterable[str] = (),
    audience_staff: Iterable[Staff] = (),
    audience_track: Track | None = None,
    now: datetime.datetime | None = None,
    request=None,
) -> TrainingClass:
    """Schedule a class in the actor's subtree, invite the expected people (one
    attendance row each) and notify them. Refuses, changing nothing, a class in the
    past, one that ends before it starts, a capacity below 1 and an audience that is
    empty, outside the unit or larger than the room."""
    now = now or timezone.now()
    if not departments_managed_by(actor).filter(pk=department.pk).exists():
        raise PermissionDenied
    title, venue, trainer_name = clean_text(title), clean_text(venue), clean_text(trainer_name)
    errors: dict[str, list] = {}
    if not title:
        errors.setdefault("title", []).append(MSG_CLASS_TITLE_REQUIRED)
    if not venue:
        errors.setdefault("venue", []).append(MSG_CLASS_VENUE_REQUIRED)
    if trainer is None and not trainer_name:
        errors.setdefault("trainer", []).append(MSG_CLASS_TRAINER_REQUIRED)
    if starts_at <= now:
        errors.setdefault("starts_at", []).append(MSG_CLASS_IN_PAST)
    if ends_at <= starts_at:
        errors.setdefault("ends_at", []).append(MSG_CLASS_ENDS_BEFORE_START)
    if capacity is None or int(capacity) < 1:
        errors.setdefault("capacity", []).append(MSG_CLASS_CAPACITY)
    units = list(audience_departments)
    named = list(audience_staff)
    posts = list(audience_posts)
    if not (units or named or posts or audience_track):
        errors.setdefault("audience", []).append(MSG_CLASS_AUDIENCE_EMPTY)
    elif any(not unit.path.startswith(department.path) for unit in units) or any(
        not s.department.path.startswith(department.path) for s in named
    ):
        errors.setdefault("audience", []).append(MSG_CLASS_AUDIENCE_OUTSIDE)
    if errors:
        raise ValidationError(errors)
    people = class_audience(
        department=department,
        audience_departments=units,
        audience_posts=posts,
        audience_staff=named,
        audience_track=audience_track,
    )
    if not people:
        raise ValidationError({"audience": [MSG_CLASS_AUDIENCE_NOBODY]})
    if len(people) > int(capacity):
        raise ValidationError(
            {
                "capacity": [
                    ValidationError(
                        MSG_CLASS_OVER_CAPACITY,
                        params={"count": len(people), "capacity": capacity},
                    )
                ]
            }
        )
    points = list(knowledge_points)
    with transaction.atomic():
        training_class = TrainingClass.objects.create(
            department=department,
            programme=programme,
            title=title,
            trainer=trainer,
            trainer_name="" if trainer else trainer_name,
            venue=venue,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity=int(capacity),
            knowledge_point_ids=[int(pk) for pk, _name in points],
            knowledge_points=[name for _pk, name in points],
            hours=class_hours_for_seconds(programme, (ends_at - starts_at).total_seconds()),
            audience_posts=posts,
            audience_track=audience_track,
            created_by=actor,
        )
        training_class.audience_departments.set(units)
        ClassAttendance.objects.bulk_create(
            ClassAttendance(training_class=training_class, staff=s) for s in people
        )
        audit_record(
            action="training.class_scheduled",
            actor=actor,
            target=training_class,
            data={"expected": len(people), "starts_at": starts_at.isoformat()},
            request=request,
        )
        transaction.on_commit(lambda: _invite(training_class, people))
    return training_class


def _invite(training_class: TrainingClass, people: list[Staff]) -> int:
    when = timezone.localtime(training_class.starts_at)
    body = gettext("%(when)s, %(venue)s. Trainer: %(trainer)s.") % {
        "when": when.strftime("%Y-%m-%d %H:%M"),
        "venue": training_class.venue,
        "trainer": training_class.trainer_label,
    }
    url = reverse("training:class_mine", args=[training_class.public_id])
    return notifications_send_many(
        drafts=[
            NotificationDraft(
                user=s.user,
                key=f"class-invite:{training_class.pk}",
                title=gettext("Class: %(title)s") % {"title": training_class.title},
                body=body,
                url=url,
            )
            for s in people
            if s.user_id and s.user.is_active
        ]
    )


# --- the rotating class code -------------------------------------------------------------


def _window(now: datetime.datetime) -> int:
    return int(now.timestamp()) // CODE_WINDOW_SECONDS


class _WindowSigner(signing.TimestampSigner):
    """A TimestampSigner whose clock is the service's `now` (so that the code follows
    the same clock as every rule about the class)."""

    def __init__(self, *, now: datetime.datetime):
        super().__init__(salt=_CODE_SALT)
        self._now = now

    def timestamp(self):
        return signing.b62_encode(int(self._now.timestamp()))


def class_code(*, training_class: TrainingClass, now: datetime.datetime | None = None) -> str:
    """The check-in code for the current 30-second window."""
    now = now or timezone.now()
    return _WindowSigner(now=now).sign(f"{training_class.pk}.{_window(now)}")


def class_code_seconds_left(now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return CODE_WINDOW_SECONDS - int(now.timestamp()) % CODE_WINDOW_SECONDS


def _check_code(*, training_class: TrainingClass, token: str, now: datetime.datetime) -> None:
    try:
        value = _WindowSigner(now=now).unsign(str(token or ""))
        class_id, window = (int(part) for part in value.split("."))
    except (signing.BadSignature, ValueError):
        raise ValidationError(MSG_CHECKIN_CODE_INVALID, code="code_invalid") from None
    if class_id != training_class.pk:
        raise ValidationError(MSG_CHECKIN_CODE_INVALID, code="code_invalid")
    if window not in (_window(now), _window(now) - 1):
        raise ValidationError(MSG_CHECKIN_CODE_EXPIRED, code="code_expired")


def class_code_check(
    *, training_class: TrainingClass, token: str, now: datetime.datetime | None = None
) -> None:
    """Whether a scanned code is this class's and still current (raises the reason)."""
    _check_code(training_class=training_class, token=token, now=now or timezone.now())


# --- check-in, check-out ------------------------------------------------------------------


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _check_open(training_class: TrainingClass, now: datetime.datetime) -> None:
    if training_class.is_closed:
        raise ValidationError(MSG_CLASS_CLOSED, code="closed")
    if not checkin_is_open(training_class, now):
        raise ValidationError(
            MSG_CHECKIN_OUTSIDE,
            code="outside",
            params={
                "opens": _local(checkin_opens_at(training_class)),
                "ends": _local(training_class.ends_at),
            },
        )


def _check_in(
    *,
    training_class: TrainingClass,
    staff: Staff,
    method: str,
    now: datetime.datetime,
    actor,
    not_expected_message,
) -> ClassAttendance:
    with transaction.atomic():
        attendance = (
            ClassAttendance.objects.select_for_update()
            .filter(training_class=training_class, staff=staff)
            .first()
        )
        if attendance is None:
            raise ValidationError(
                not_expected_message, code="not_expected", params={"name": staff.name}
            )
        if attendance.checked_in_at is not None:
            raise ValidationError(
                MSG_ALREADY_CHECKED_IN,
                code="already",
                params={"time": timezone.localtime(attendance.checked_in_at).strftime("%H:%M")},
            )
        attendance.checked_in_at = now
        attendance.check_in_method = method
        fields = ["checked_in_at", "check_in_method"]
        if attendance.excuse_reason:  # came after all
            attendance.excuse_reason, attendance.excused_by = "", None
            fields += ["excuse_reason", "excused_by"]
        attendance.save(update_fields=fields)
        audit_record(
            action="training.class_checked_in",
            actor=actor,
            target=training_class,
            data={"staff": str(staff.public_id), "method": method},
        )
    return attendance


def class_check_in(
    *,
    training_class: TrainingClass,
    staff: Staff,
    token: str,
    now: datetime.datetime | None = None,
) -> ClassAttendance:
    """A learner checks in with the code from the trainer's screen."""
    now = now or timezone.now()
    _check_code(training_class=training_class, token=token, now=now)
    _check_open(training_class, now)
    return _check_in(
        training_class=training_class,
        staff=staff,
        method=CheckInMethod.QR,
        now=now,
        actor=staff.user,
        not_expected_message=MSG_CHECKIN_NOT_EXPECTED,
    )


def class_check_in_by_trainer(
    *,
    training_class: TrainingClass,
    staff: Staff,
    actor,
    now: datetime.datetime | None = None,
) -> ClassAttendance:
    """The trainer checks a person in by scanning their personal code."""
    now = now or timezone.now()
    _check_open(training_class, now)
    return _check_in(
        training_class=training_class,
        staff=staff,
        method=CheckInMethod.TRAINER,
        now=now,
        actor=actor,
        not_expected_message=MSG_CHECKIN_PERSON_NOT_EXPECTED,
    )


def _settle(
    attendance: ClassAttendance, training_class: TrainingClass, now: datetime.datetime
) -> None:
    """Seconds present and the hours they earn, credited (one credit per class)."""
    start = max(attendance.checked_in_at, training_class.starts_at)
    end = min(attendance.checked_out_at or now, training_class.ends_at)
    seconds = max(0, int((end - start).total_seconds()))
    hours = min(
        Decimal(training_class.hours),
        class_hours_for_seconds(training_class.programme, seconds),
    )
    attendance.seconds_present = seconds
    attendance.hours_credited = hours
    attendance.save(update_fields=["checked_out_at", "seconds_present", "hours_credited"])
    class_credit(staff_id=attendance.staff_id, training_class=training_class, hours=hours, now=now)


def class_check_out(
    *,
    training_class: TrainingClass,
    staff: Staff,
    now: datetime.datetime | None = None,
) -> ClassAttendance:
    """A learner leaves: the time present is settled and credited now."""
    now = now or timezone.now()
    if training_class.is_closed:
        raise ValidationError(MSG_CLASS_CLOSED, code="closed")
    with transaction.atomic():
        attendance = (
            ClassAttendance.objects.select_for_update()
            .filter(training_class=training_class, staff=staff)
            .first()
        )
        if attendance is None or attendance.checked_in_at is None:
            raise ValidationError(MSG_NOT_CHECKED_IN, code="not_checked_in")
        if attendance.checked_out_at is not None:
            raise ValidationError(
                MSG_ALREADY_CHECKED_OUT,
                code="already",
                params={"time": timezone.localtime(attendance.checked_out_at).strftime("%H:%M")},
            )
        attendance.checked_out_at = min(now, training_class.ends_at)
        _settle(attendance, training_class, now)
        audit_record(
            action="training.class_checked_out",
            actor=staff.user,
            target=training_class,
            data={"staff": str(staff.public_id), "hours": str(attendance.hours_credited)},
        )
    return attendance


def class_close(
    *,
    training_class: TrainingClass,
    actor,
    now: datetime.datetime | None = None,
    request=None,
) -> TrainingClass:
    """The trainer closes the class: everyone still present is checked out (at the
    close, or at the class's end if that came first) and credited; the absent who were
    not excused are told, and count in their managers' weekly digest."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = TrainingClass.objects.select_for_update().get(pk=training_class.pk)
        if locked.is_closed:
            raise ValidationError(MSG_CLASS_CLOSED, code="closed")
        if now < locked.starts_at:
            raise ValidationError(MSG_CLASS_NOT_STARTED, code="not_started")
        locked.closed_at = now
        locked.save(update_fields=["closed_at"])
        training_class.closed_at = now
        attendances = list(
            ClassAttendance.objects.select_for_update(of=("self",))
            .filter(training_class=locked)
            .select_related("staff__user")
        )
        present = absent = 0
        for attendance in attendances:
            if attendance.checked_in_at is None:
                if not attendance.excuse_reason:
                    absent += 1
                continue
            present += 1
            if attendance.checked_out_at is None:
                attendance.checked_out_at = min(now, locked.ends_at)
                _settle(attendance, training_class, now)
        audit_record(
            action="training.class_closed",
            actor=actor,
            target=locked,
            data={"present": present, "absent": absent},
            request=request,
        )
        absentees = [
            a.staff
            for a in attendances
            if a.checked_in_at is None and not a.excuse_reason and a.staff.user_id
        ]
        attendees = [a.staff for a in attendances if a.checked_in_at and a.staff.user_id]
        transaction.on_commit(lambda: _tell_absent(training_class, absentees))
        transaction.on_commit(lambda: _ask_to_rate(training_class, attendees))
    return training_class


def _ask_to_rate(training_class: TrainingClass, people: list[Staff]) -> int:
    """Those present are asked for their (anonymous) opinion of the class."""
    return notifications_send_many(
        drafts=[
            NotificationDraft(
                user=s.user,
                key=f"class-rate:{training_class.pk}",
                title=gettext("Rate the class: %(title)s") % {"title": training_class.title},
                body=gettext(
                    "Tell us what you thought of it: a few ratings and a comment, anonymously."
                ),
                url=reverse("training:class_rate", args=[training_class.public_id]),
                email=False,
            )
            for s in people
            if s.user.is_active
        ]
    )


def _tell_absent(training_class: TrainingClass, people: list[Staff]) -> int:
    return notifications_send_many(
        drafts=[
            NotificationDraft(
                user=s.user,
                key=f"class-absent:{training_class.pk}",
                title=gettext("Absent from the class: %(title)s") % {"title": training_class.title},
                body=gettext(
                    "You were expected at this class on %(when)s and did not check in. If "
                    "you had a reason, tell your training coordinator."
                )
                % {"when": _local(training_class.starts_at)},
                url=reverse("training:class_mine", args=[training_class.public_id]),
            )
            for s in people
            if s.user.is_active
        ]
    )


def class_excuse(
    *,
    training_class: TrainingClass,
    staff: Staff,
    reason: str,
    actor,
    request=None,
) -> ClassAttendance:
    """The coordinator records why an expected person is absent (excused)."""
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": [MSG_EXCUSE_REASON_REQUIRED]})
    with transaction.atomic():
        attendance = (
            ClassAttendance.objects.select_for_update()
            .filter(training_class=training_class, staff=staff)
            .first()
        )
        if attendance is None:
            raise ValidationError(
                MSG_CHECKIN_PERSON_NOT_EXPECTED, code="not_expected", params={"name": staff.name}
            )
        if attendance.checked_in_at is not None:
            raise ValidationError(MSG_EXCUSE_PRESENT, code="present", params={"name": staff.name})
        attendance.excuse_reason = reason[:200]
        attendance.excused_by = actor
        attendance.save(update_fields=["excuse_reason", "excused_by"])
        audit_record(
            action="training.class_excused",
            actor=actor,
            target=training_class,
            data={"staff": str(staff.public_id)},
            request=request,
        )
    return attendance


# --- the learner's personal code ----------------------------------------------------------


def personal_code(*, staff: Staff) -> str:
    """The signed code of a person's own QR (their home page): the trainer scans it."""
    return signing.Signer(salt=_PERSONAL_SALT).sign(str(staff.public_id))


def staff_for_personal_code(code: str) -> Staff:
    try:
        public_id = signing.Signer(salt=_PERSONAL_SALT).unsign(str(code or ""))
        return Staff.objects.select_related("department", "user").get(public_id=public_id)
    except (signing.BadSignature, Staff.DoesNotExist, ValueError, ValidationError):
        raise ValidationError(MSG_PERSONAL_CODE_INVALID, code="personal_invalid") from None
