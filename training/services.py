"""Writes of the training cycle. Each service is one transaction and safe to repeat."""

from __future__ import annotations

import datetime
import logging
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.text import clean_text
from organisation.models import Department, Role, RoleAssignment, Staff, StaffStatus

from . import certificates_adapter, exams_adapter
from .content import sanitise_html
from .models import (
    CreditSource,
    Enrolment,
    EnrolmentStatus,
    GuidancePlan,
    GuidanceStatus,
    Lesson,
    LessonProgress,
    LevelHeld,
    MentorSession,
    ModuleCompletion,
    MonthlyExam,
    Notification,
    Programme,
    StudyHourCredit,
    Track,
    WeeklyModule,
)

logger = logging.getLogger(__name__)

MSG_NOT_ENROLLED = _("You are not enrolled in this module's track.")
MSG_NOT_PUBLISHED = _("This module has not been published yet.")
MSG_NO_VIDEO = _("This lesson has no video.")
MSG_BAD_POSITION = _("The playback position is not valid.")
MSG_TOPIC_REQUIRED = _("The topic is required.")
MSG_ATTENDEES_REQUIRED = _("Choose at least one attendee.")
MSG_SCORE_RANGE = _("A score is between 0 and 100.")
MSG_PLAN_CLOSED = _("This guidance plan is already closed.")


def heartbeat_seconds() -> int:
    """The interval at which the player sends heartbeats; also the most one heartbeat
    can ever credit."""
    return int(getattr(settings, "TRAINING_HEARTBEAT_SECONDS", 15))


# --- Enrolment ---------------------------------------------------------------------


def track_audience(*, track: Track, staff_ids: Iterable[int] | None = None):
    """Active staff matching the track's audience rules (within the programme's unit)."""
    programme = track.programme
    owner = Department.objects.get(pk=programme.department_id)
    queryset = Staff.objects.filter(owner.subtree_q("department__"), status=StaffStatus.ACTIVE)
    if staff_ids is not None:
        queryset = queryset.filter(pk__in=list(staff_ids))
    if track.window_staff_only:
        queryset = queryset.filter(is_window_staff=True)
    if track.posts:
        queryset = queryset.filter(post__in=track.posts)
    units = list(track.departments.all())
    if units:
        subtree = Q()
        for unit in units:
            subtree |= unit.subtree_q("department__")
        queryset = queryset.filter(subtree)
    if track.hired_within_days is not None:
        since = timezone.localdate() - datetime.timedelta(days=track.hired_within_days)
        queryset = queryset.filter(hire_date__gte=since)
    if track.level_held != LevelHeld.ANY:
        certified = certificates_adapter.certified_staff_ids(
            staff_ids=list(queryset.values_list("pk", flat=True))
        )
        if track.level_held == LevelHeld.CERTIFIED:
            queryset = queryset.filter(pk__in=certified)
        else:
            queryset = queryset.exclude(pk__in=certified)
    return queryset


@dataclass
class EnrolmentSyncResult:
    enrolled: int = 0
    reactivated: int = 0
    withdrawn: int = 0

    def as_dict(self) -> dict:
        return {
            "enrolled": self.enrolled,
            "reactivated": self.reactivated,
            "withdrawn": self.withdrawn,
        }


@transaction.atomic
def enrolment_sync(
    *, staff_ids: Iterable[int] | None = None, programme: Programme | None = None
) -> EnrolmentSyncResult:
    """Make enrolments match the roster: everyone matching a track of an active
    programme is enrolled, anyone who no longer matches (e.g. a leaver) is withdrawn.
    Withdrawn enrolments are kept (history); idempotent.

    `staff_ids` limits the work to those people (the roster hook passes the changed ones).
    """
    now = timezone.now()
    result = EnrolmentSyncResult()
    ids = None if staff_ids is None else list(staff_ids)
    tracks = Track.objects.filter(programme__is_active=True).select_related("programme")
    if programme is not None:
        tracks = tracks.filter(programme=programme)
    for track in tracks:
        wanted = set(track_audience(track=track, staff_ids=ids).values_list("pk", flat=True))
        existing = Enrolment.objects.filter(track=track)
        if ids is not None:
            existing = existing.filter(staff_id__in=ids)
        current = dict(existing.values_list("staff_id", "status"))
        new = [
            Enrolment(staff_id=staff_id, track=track, enrolled_at=now)
            for staff_id in wanted - current.keys()
        ]
        Enrolment.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        result.enrolled += len(new)
        back = [s for s in wanted if current.get(s) == EnrolmentStatus.WITHDRAWN]
        if back:
            result.reactivated += Enrolment.objects.filter(track=track, staff_id__in=back).update(
                status=EnrolmentStatus.ACTIVE,
                enrolled_at=now,
                withdrawn_at=None,
                withdrawn_reason="",
            )
        assigned = set(
            existing.filter(assigned_by__isnull=False).values_list("staff_id", flat=True)
        )
        gone = [s for s, status in current.items() if status == "active" and s not in wanted]
        if gone:
            left = set(
                Staff.objects.filter(pk__in=gone, status=StaffStatus.LEFT).values_list(
                    "pk", flat=True
                )
            )
            for reason, people in (
                ("left", [s for s in gone if s in left]),
                # People a coordinator assigned by hand stay until they leave.
                ("no longer in the audience", [s for s in gone if s not in left | assigned]),
            ):
                if people:
                    result.withdrawn += Enrolment.objects.filter(
                        track=track, staff_id__in=people
                    ).update(
                        status=EnrolmentStatus.WITHDRAWN, withdrawn_at=now, withdrawn_reason=reason
                    )
    if result.enrolled or result.reactivated or result.withdrawn:
        audit_record(action="training.enrolment_synced", data=result.as_dict())
    return result


MSG_ASSIGN_NOBODY = _("Choose units or staff numbers of people you look after.")
MSG_ASSIGN_UNKNOWN = _("Not among the people you look after: %(numbers)s")


def enrolment_assign(
    *, track: Track, staff: Iterable[Staff], acting_user, request=None
) -> EnrolmentSyncResult:
    """A coordinator assigns people to a track by hand (within their subtree, checked by
    the caller): new enrolments are made, withdrawn ones come back; audited."""
    now = timezone.now()
    result = EnrolmentSyncResult()
    people = {s.pk: s for s in staff}
    if not people:
        raise ValidationError(MSG_ASSIGN_NOBODY)
    with transaction.atomic():
        current = dict(
            Enrolment.objects.filter(track=track, staff_id__in=people).values_list(
                "staff_id", "status"
            )
        )
        new = [
            Enrolment(staff_id=pk, track=track, enrolled_at=now, assigned_by=acting_user)
            for pk in people.keys() - current.keys()
        ]
        Enrolment.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        result.enrolled = len(new)
        back = [pk for pk, status in current.items() if status == EnrolmentStatus.WITHDRAWN]
        if back:
            result.reactivated = Enrolment.objects.filter(track=track, staff_id__in=back).update(
                status=EnrolmentStatus.ACTIVE,
                enrolled_at=now,
                withdrawn_at=None,
                withdrawn_reason="",
                assigned_by=acting_user,
            )
        audit_record(
            action="training.assigned",
            actor=acting_user,
            target=track,
            request=request,
            data={**result.as_dict(), "people": len(people)},
        )
    return result


def enrolment_on_roster_import(
    *,
    import_id=None,
    created_staff_ids: Iterable[int] = (),
    updated_staff_ids: Iterable[int] = (),
    left_staff_ids: Iterable[int] = (),
    **kwargs,
) -> EnrolmentSyncResult:
    """Roster hook (settings.ROSTER_IMPORT_COMMITTED_HOOKS): sync the changed people.
    The nightly `enrolment_sync` command makes the same result without the hook."""
    ids = {*created_staff_ids, *updated_staff_ids, *left_staff_ids}
    if not ids:
        return EnrolmentSyncResult()
    return enrolment_sync(staff_ids=ids)


# --- Lessons, video accounting and completion --------------------------------------


@dataclass
class HeartbeatResult:
    credited_seconds: float
    watched_seconds: float
    lesson_completed: bool
    module_completed: bool
    reason: str = ""


def staff_can_study(*, staff: Staff, module: WeeklyModule) -> None:
    if not module.is_published:
        raise PermissionDenied(MSG_NOT_PUBLISHED)
    if not Enrolment.objects.filter(
        staff=staff, track_id=module.track_id, status=EnrolmentStatus.ACTIVE
    ).exists():
        raise PermissionDenied(MSG_NOT_ENROLLED)


def lesson_heartbeat(
    *,
    staff: Staff,
    lesson: Lesson,
    position: float,
    visible: bool,
    active: bool,
    playing: bool = True,
    now: datetime.datetime | None = None,
) -> HeartbeatResult:
    """Account one heartbeat of the video player.

    Credit = wall-clock time since the previous heartbeat, capped at the heartbeat
    interval, and only when: the page was visible, the user active, the video playing,
    and the position advanced by about the elapsed time (seeking ahead, playing fast
    or a paused player earn nothing). The first heartbeat only sets the baseline.
    """
    module = lesson.module
    staff_can_study(staff=staff, module=module)
    if not lesson.has_video:
        raise ValidationError(MSG_NO_VIDEO, code="no_video")
    try:
        position = float(position)
    except (TypeError, ValueError):
        raise ValidationError(MSG_BAD_POSITION, code="position") from None
    if math.isnan(position) or position < 0 or position > lesson.video_seconds + 5:
        raise ValidationError(MSG_BAD_POSITION, code="position")
    now = now or timezone.now()
    interval = heartbeat_seconds()
    with transaction.atomic():
        progress, _created = LessonProgress.objects.select_for_update().get_or_create(
            staff=staff, lesson=lesson
        )
        credit = 0.0
        reason = "baseline"
        if progress.last_heartbeat_at is not None:
            elapsed = (now - progress.last_heartbeat_at).total_seconds()
            advanced = position - progress.last_position
            tolerance = 2.0 + 0.1 * elapsed
            if not (visible and active and playing):
                reason = "inactive"
            elif elapsed <= 0:
                reason = "no time"
            elif elapsed > interval * 2 + 5:
                reason = "gap"  # the player was closed or stalled: restart the baseline
            elif advanced <= 0:
                reason = "no progress"
            elif advanced > elapsed + tolerance:
                reason = "seek"
            else:
                credit = min(elapsed, float(interval), advanced + tolerance)
                reason = "credited"
        progress.watched_seconds = min(
            progress.watched_seconds + credit, float(lesson.video_seconds)
        )
        progress.last_position = position
        progress.last_heartbeat_at = now
        fields = ["watched_seconds", "last_position", "last_heartbeat_at"]
        newly_completed = False
        if progress.completed_at is None and progress.watched_seconds >= lesson.required_seconds:
            progress.completed_at = now
            fields.append("completed_at")
            newly_completed = True
        progress.save(update_fields=fields)
        if credit:
            _credit_lesson_hours(staff=staff, lesson=lesson, progress=progress, now=now)
        module_done = False
        if newly_completed:
            completion = module_completion_refresh(staff=staff, module=module, now=now)
            module_done = completion.completed_at is not None
    return HeartbeatResult(
        credit, progress.watched_seconds, progress.is_completed, module_done, reason
    )


def lesson_mark_read(
    *, staff: Staff, lesson: Lesson, now: datetime.datetime | None = None
) -> LessonProgress:
    """A lesson without a video is completed by reading it (the learner confirms)."""
    staff_can_study(staff=staff, module=lesson.module)
    now = now or timezone.now()
    with transaction.atomic():
        progress, _created = LessonProgress.objects.select_for_update().get_or_create(
            staff=staff, lesson=lesson
        )
        if progress.read_at is None:
            progress.read_at = now
            fields = ["read_at"]
            if not lesson.has_video and progress.completed_at is None:
                progress.completed_at = now
                fields.append("completed_at")
            progress.save(update_fields=fields)
            module_completion_refresh(staff=staff, module=lesson.module, now=now)
    return progress


def _credit(
    *,
    staff_id: int,
    year: int,
    source: str,
    key: str,
    hours: Decimal,
    now: datetime.datetime,
) -> bool:
    """Credit study hours once per key. Returns whether this call credited them."""
    try:
        with transaction.atomic():
            StudyHourCredit.objects.create(
                staff_id=staff_id,
                year=year,
                source=source,
                source_key=key,
                hours=hours,
                credited_at=now,
            )
    except IntegrityError:
        return False
    return True


def _credit_lesson_hours(
    *, staff: Staff, lesson: Lesson, progress: LessonProgress, now: datetime.datetime
) -> int:
    """Every full `lesson_minutes_per_credit` minutes watched in a lesson earn one
    credit of `lesson_credit_hours`; each block has its own key, so it counts once."""
    programme = lesson.module.track.programme
    block = programme.lesson_minutes_per_credit * 60
    blocks = int(progress.watched_seconds // block)
    credited = 0
    for n in range(1, blocks + 1):
        credited += _credit(
            staff_id=staff.pk,
            year=programme.year,
            source=CreditSource.LESSON,
            key=f"lesson:{lesson.pk}:{n}",
            hours=programme.lesson_credit_hours,
            now=now,
        )
    return credited


def module_completion_refresh(
    *, staff: Staff, module: WeeklyModule, now: datetime.datetime | None = None
) -> ModuleCompletion:
    """Apply the module's completion rule to the person's progress."""
    now = now or timezone.now()
    completion, _created = ModuleCompletion.objects.get_or_create(staff=staff, module=module)
    if completion.completed_at is not None:
        return completion
    lessons_done = True
    if module.needs_lessons:
        total = module.lessons.count()
        done = LessonProgress.objects.filter(
            staff=staff, lesson__module=module, completed_at__isnull=False
        ).count()
        lessons_done = done >= total
    quiz_done = (not module.needs_quiz) or completion.quiz_passed_at is not None
    if lessons_done and quiz_done:
        completion.completed_at = now
        completion.save(update_fields=["completed_at"])
    return completion


@transaction.atomic
def module_quiz_record(
    *, staff: Staff, module: WeeklyModule, score: Decimal | float, now=None
) -> ModuleCompletion:
    """Record a weekly quiz result (from the exam engine's practice set). A pass at or
    above the programme's pass score credits the quiz study hours, once."""
    score = Decimal(str(score))
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(MSG_SCORE_RANGE, code="score")
    now = now or timezone.now()
    programme = module.track.programme
    completion, _created = ModuleCompletion.objects.select_for_update().get_or_create(
        staff=staff, module=module
    )
    if completion.quiz_score is None or score > completion.quiz_score:
        completion.quiz_score = score
        fields = ["quiz_score"]
        if score >= programme.quiz_pass_score and completion.quiz_passed_at is None:
            completion.quiz_passed_at = now
            fields.append("quiz_passed_at")
        completion.save(update_fields=fields)
    if completion.quiz_passed_at is not None:
        _credit(
            staff_id=staff.pk,
            year=programme.year,
            source=CreditSource.QUIZ,
            key=f"quiz:{module.pk}",
            hours=programme.quiz_credit_hours,
            now=now,
        )
    return module_completion_refresh(staff=staff, module=module, now=now)


@transaction.atomic
def lesson_save(*, lesson: Lesson, body_html: str | None = None) -> Lesson:
    """Save a lesson with its text sanitised (used by the admin and demo data)."""
    if body_html is not None:
        lesson.body_html = body_html
    lesson.body_html = sanitise_html(lesson.body_html)
    lesson.save()
    return lesson


# --- Notifications, publication, reminders, escalation -----------------------------


def notification_send(
    *, user, key: str, title: str, body: str = "", url: str = "", email: bool = True
) -> bool:
    """An in-app notification (and an email when the user has an address), sent once
    per (user, key). Returns whether it was sent now."""
    try:
        with transaction.atomic():
            note = Notification.objects.create(user=user, key=key, title=title, body=body, url=url)
    except IntegrityError:
        return False
    if email and user.email:
        link = f"{settings.CERTIFICATE_PUBLIC_BASE_URL}{url}" if url else ""
        try:
            send_mail(title, f"{body}\n\n{link}".strip(), None, [user.email])
            Notification.objects.filter(pk=note.pk).update(emailed=True)
        except Exception:  # mail trouble must not undo the in-app notice
            logger.exception("training notification email failed")
    return True


@dataclass
class NotificationDraft:
    user: object
    key: str
    title: str
    body: str = ""
    url: str = ""
    email: bool = True


def notifications_send_many(*, drafts: list[NotificationDraft], chunk: int = 1000) -> int:
    """Send many notifications, each (user, key) once: the ones already sent are skipped
    with one query per chunk, the new ones are inserted in bulk (the unique constraint
    settles races), and each email is claimed (emailed=False -> True) before it is sent,
    so two concurrent runs never email twice. Returns how many were new."""
    sent = 0
    for start in range(0, len(drafts), chunk):
        part = drafts[start : start + chunk]
        keys = {d.key for d in part}
        existing = set(
            Notification.objects.filter(
                key__in=keys, user_id__in={d.user.pk for d in part}
            ).values_list("user_id", "key")
        )
        fresh: dict[tuple[int, str], NotificationDraft] = {}
        for draft in part:
            ident = (draft.user.pk, draft.key)
            if ident not in existing and ident not in fresh:
                fresh[ident] = draft
        if not fresh:
            continue
        Notification.objects.bulk_create(
            [
                Notification(user=d.user, key=d.key, title=d.title, body=d.body, url=d.url)
                for d in fresh.values()
            ],
            ignore_conflicts=True,
        )
        sent += len(fresh)
        wanted = {ident for ident, d in fresh.items() if d.email and d.user.email}
        if not wanted:
            continue
        rows = Notification.objects.filter(
            key__in={k for _u, k in wanted},
            user_id__in={u for u, _k in wanted},
            emailed=False,
        ).values_list("pk", "user_id", "key")
        for pk, user_id, key in rows:
            draft = fresh.get((user_id, key))
            if draft is None or (user_id, key) not in wanted:
                continue
            if not Notification.objects.filter(pk=pk, emailed=False).update(emailed=True):
                continue  # another run claimed this email
            link = f"{settings.CERTIFICATE_PUBLIC_BASE_URL}{draft.url}" if draft.url else ""
            try:
                send_mail(draft.title, f"{draft.body}\n\n{link}".strip(), None, [draft.user.email])
            except Exception:  # mail trouble must not stop the other notices
                logger.exception("training notification email failed")
    return sent


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> int:
    return Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


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


def weekly_quizzes_collect() -> int:
    """Record the weekly quiz results from the exam engine (best attempt counts);
    repeat-safe: a result is only ever raised, hours credited once."""
    recorded = 0
    modules = WeeklyModule.objects.filter(
        quiz_session_id__isnull=False, track__programme__is_active=True
    ).select_related("track__programme")
    for module in modules:
        results = exams_adapter.session_results(session_id=module.quiz_session_id)
        done = dict(
            ModuleCompletion.objects.filter(
                module=module, staff_id__in=list(results), quiz_score__isnull=False
            ).values_list("staff_id", "quiz_score")
        )
        staff_by_id = Staff.objects.in_bulk(list(results))
        for staff_id, result in results.items():
            if done.get(staff_id) is not None and done[staff_id] >= result.score:
                continue
            module_quiz_record(staff=staff_by_id[staff_id], module=module, score=result.score)
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
    from .selectors import overdue_rows

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


def weak_points_of(result: exams_adapter.ExamResult, threshold: float) -> list[dict]:
    """The knowledge points where this result is below the threshold, weakest first."""
    weak = [
        {"id": kp_id, "name": name, "score": round(float(pct), 1)}
        for kp_id, (name, pct) in result.points.items()
        if float(pct) < threshold
    ]
    return sorted(weak, key=lambda p: (p["score"], p["name"]))


def mentor_for(*, staff: Staff, weak_ids: set[int], certified: set[int], coordinators) -> dict:
    """An experienced certified colleague in the same unit (longest service first), else
    the unit's nearest coordinator."""
    colleagues = (
        Staff.objects.filter(
            department_id=staff.department_id, status=StaffStatus.ACTIVE, pk__in=certified
        )
        .exclude(pk=staff.pk)
        .order_by(F("hire_date").asc(nulls_last=True), "pk")
    )
    colleague = colleagues.first()
    if colleague is not None:
        return {"mentor": colleague}
    coordinator = coordinators(staff.department)
    return {"mentor_user": coordinator}


def _nearest_coordinator_factory():
    cache: dict[int, object] = {}

    def nearest(department: Department):
        if department.pk not in cache:
            steplen = department.steplen
            ancestors = [department.path[:i] for i in range(len(department.path), 0, -steplen)]
            assignment = (
                RoleAssignment.objects.filter(role=Role.COORDINATOR, department__path__in=ancestors)
                .select_related("user")
                .order_by("-department__depth", "pk")
                .first()
            )
            cache[department.pk] = assignment.user if assignment else None
        return cache[department.pk]

    return nearest


@dataclass
class GuidanceResult:
    created: list[GuidancePlan] = field(default_factory=list)
    continued: int = 0


def guidance_generate(
    *,
    monthly_exam: MonthlyExam,
    results: dict[int, exams_adapter.ExamResult] | None = None,
    created_by=None,
) -> GuidanceResult:
    """Special guidance after a monthly exam.

    For every person with a result: the weak knowledge points (below the programme's
    threshold). Whoever failed, or has a weak point, or still has an open plan from an
    earlier cycle gets a plan (the open plan is marked "continued" and linked): targeted
    lessons (modules covering the weak points), a targeted practice set, a mentor and a
    follow-up quiz. Safe to run twice (one plan per person and monthly exam).
    """
    programme = monthly_exam.programme
    if results is None:
        if monthly_exam.exam_session_id is None:
            return GuidanceResult()
        results = exams_adapter.session_results(session_id=monthly_exam.exam_session_id)
        if monthly_exam.makeup_session_id:
            results = {
                **exams_adapter.session_results(session_id=monthly_exam.makeup_session_id),
                **results,
            }
    threshold = float(programme.weak_point_threshold)
    done = set(
        GuidancePlan.objects.filter(monthly_exam=monthly_exam).values_list("staff_id", flat=True)
    )
    open_before = {
        plan.staff_id: plan
        for plan in GuidancePlan.objects.filter(
            monthly_exam__programme=programme,
            status=GuidanceStatus.OPEN,
            monthly_exam__month__lt=monthly_exam.month,
        ).order_by("created_at")
    }
    staff_by_id = Staff.objects.select_related("department").in_bulk(
        [*results.keys(), *open_before.keys()]
    )
    certified = certificates_adapter.certified_staff_ids(
        staff_ids=None
    )  # mentors may come from the whole unit
    coordinators = _nearest_coordinator_factory()
    lessons_by_point = _lessons_by_knowledge_point(programme=programme)
    outcome = GuidanceResult()
    for staff_id in sorted(set(results) | set(open_before)):
        staff = staff_by_id.get(staff_id)
        if staff is None or staff_id in done or staff.status != StaffStatus.ACTIVE:
            continue
        result = results.get(staff_id)
        weak = weak_points_of(result, threshold) if result else []
        failed = bool(result and not result.passed)
        previous = open_before.get(staff_id)
        if previous is not None:
            known = {p["id"] for p in weak}
            weak += [p for p in previous.weak_points if p["id"] not in known]
        if not (failed or weak or previous):
            continue
        if failed and not weak and result:
            weak = sorted(
                (
                    {"id": k, "name": n, "score": round(float(s), 1)}
                    for k, (n, s) in result.points.items()
                ),
                key=lambda p: p["score"],
            )[:3]
        weak_ids = {p["id"] for p in weak}
        with transaction.atomic():
            plan = GuidancePlan.objects.create(
                staff=staff,
                monthly_exam=monthly_exam,
                previous=previous,
                failed_exam=failed,
                exam_score=result.score if result else None,
                weak_points=weak,
                practice_set_id=exams_adapter.practice_set_for_points(
                    title=gettext("Targeted practice: %(name)s") % {"name": staff.name},
                    knowledge_point_ids=sorted(weak_ids),
                ),
                followup_session_id=exams_adapter.followup_session_create(
                    title=gettext("Follow-up quiz %(month)s")
                    % {"month": monthly_exam.month.strftime("%Y-%m")},
                    knowledge_point_ids=sorted(weak_ids),
                    staff_ids=[staff_id],
                    department=programme.department,
                    created_by=created_by,
                ),
                **mentor_for(
                    staff=staff, weak_ids=weak_ids, certified=certified, coordinators=coordinators
                ),
            )
            lesson_ids = sorted({i for p in weak_ids for i in lessons_by_point.get(p, ())})
            if lesson_ids:
                plan.lessons.set(lesson_ids)
            if previous is not None:
                GuidancePlan.objects.filter(pk=previous.pk, status=GuidanceStatus.OPEN).update(
                    status=GuidanceStatus.CONTINUED
                )
                outcome.continued += 1
        outcome.created.append(plan)
        if staff.user_id:
            notification_send(
                user=staff.user,
                key=f"guidance:{plan.pk}",
                title=gettext("Your guidance plan is ready"),
                body=", ".join(p["name"] for p in weak),
                url=reverse("training:plan", args=[plan.public_id]),
                email=False,
            )
    MonthlyExam.objects.filter(pk=monthly_exam.pk).update(guidance_generated_at=timezone.now())
    if outcome.created:
        audit_record(
            action="training.guidance_generated",
            actor=created_by,
            target=monthly_exam,
            data={"plans": len(outcome.created), "continued": outcome.continued},
        )
    return outcome


def _lessons_by_knowledge_point(*, programme: Programme) -> dict[int, list[int]]:
    mapping: dict[int, list[int]] = defaultdict(list)
    rows = Lesson.objects.filter(module__track__programme=programme).values_list(
        "pk", "module__knowledge_point_ids"
    )
    for lesson_id, point_ids in rows:
        for point_id in point_ids or ():
            mapping[int(point_id)].append(lesson_id)
    return mapping


@transaction.atomic
def guidance_followup_record(
    *, plan: GuidancePlan, score: Decimal | float, passed: bool | None = None, actor=None
) -> GuidancePlan:
    """Record the follow-up quiz: a pass closes the plan; otherwise it stays open and
    continues into the next cycle at the next guidance generation."""
    plan = GuidancePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != GuidanceStatus.OPEN:
        raise ValidationError(MSG_PLAN_CLOSED, code="closed")
    score = Decimal(str(score))
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(MSG_SCORE_RANGE, code="score")
    if passed is None:
        passed = score >= plan.monthly_exam.programme.monthly_exam_pass_score
    plan.followup_score = score
    fields = ["followup_score"]
    if passed:
        plan.status = GuidanceStatus.CLOSED
        plan.closed_at = timezone.now()
        fields += ["status", "closed_at"]
    plan.save(update_fields=fields)
    audit_record(
        action="training.guidance_followup",
        actor=actor,
        target=plan,
        data={"score": str(score), "passed": passed},
    )
    return plan


def guidance_followups_collect() -> int:
    """Read the follow-up quiz results from the exam engine for open plans."""
    closed = 0
    plans = GuidancePlan.objects.filter(
        status=GuidanceStatus.OPEN, followup_session_id__isnull=False, followup_score__isnull=True
    ).select_related("monthly_exam__programme")
    for plan in plans:
        result = exams_adapter.session_results(session_id=plan.followup_session_id).get(
            plan.staff_id
        )
        if result is not None:
            plan = guidance_followup_record(plan=plan, score=result.score, passed=result.passed)
            closed += plan.status == GuidanceStatus.CLOSED
    return closed


MSG_MENTOR_NOT_COLLEAGUE = _("The mentor must be an active colleague of the same unit.")


@transaction.atomic
def guidance_plan_set_mentor(
    *, plan: GuidancePlan, mentor: Staff | None = None, mentor_user=None, actor
) -> GuidancePlan:
    """A coordinator chooses the mentor: a colleague of the same unit, or a user
    (normally the coordinator themself)."""
    if mentor is not None and (
        mentor.department_id != plan.staff.department_id
        or mentor.status != StaffStatus.ACTIVE
        or mentor.pk == plan.staff_id
    ):
        raise ValidationError({"mentor": MSG_MENTOR_NOT_COLLEAGUE})
    plan.mentor = mentor
    plan.mentor_user = None if mentor is not None else mentor_user
    plan.save(update_fields=["mentor", "mentor_user"])
    audit_record(
        action="training.guidance_mentor_set",
        actor=actor,
        target=plan,
        data={"mentor": str(mentor.public_id) if mentor else None, "user": plan.mentor_user_id},
    )
    return plan


@transaction.atomic
def mentor_session_record(
    *,
    plan: GuidancePlan,
    held_on: datetime.date,
    topic: str,
    attendees: Iterable[Staff],
    notes: str = "",
    actor,
) -> MentorSession:
    topic = clean_text(topic or "")
    attendees = list(attendees)
    errors = {}
    if not topic:
        errors["topic"] = ValidationError(MSG_TOPIC_REQUIRED, code="required")
    if not attendees:
        errors["attendees"] = ValidationError(MSG_ATTENDEES_REQUIRED, code="required")
    if errors:
        raise ValidationError(errors)
    session = MentorSession.objects.create(
        plan=plan, held_on=held_on, topic=topic, notes=(notes or "").strip(), recorded_by=actor
    )
    session.attendees.set(attendees)
    audit_record(
        action="training.mentor_session_recorded",
        actor=actor,
        target=plan,
        data={"session": session.pk, "attendees": len(attendees)},
    )
    return session
