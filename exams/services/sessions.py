"""Exam sessions: create, change and publish, with the edit policy (before and
after the window opens). Preparing papers is enqueued on commit; the task is imported
lazily (the tasks module imports the services, never the other way round)."""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ..audience import forget_start_facts
from ..messages import (
    MSG_CLOSE_NOT_EARLIER,
    MSG_CLOSED,
    MSG_LOCKED_AFTER_OPENING,
    MSG_NO_QUESTIONS,
    MSG_PUBLISH_BLOCKED,
)
from ..models import Attempt, AttemptStatus, BlueprintRule, ExamSession, ExtraTime, FixedQuestion
from .papers import blueprint_check

# Settings of a session a coordinator edits (audience, paper and extra time apart).
SESSION_FIELDS = (
    "title",
    "kind",
    "department",
    "window_staff_only",
    "opens_at",
    "closes_at",
    "duration_minutes",
    "doors_open_minutes",
    "attempts_allowed",
    "counting",
    "pass_mark",
    "partial_credit",
    "shuffle_questions",
    "shuffle_options",
    "show_score",
    "show_answers",
    # integrity options (exams.services.taking: one device, leaving the page, copying)
    "one_device",
    "leave_limit",
    "leave_auto_submit",
    "no_copy",
)
INTEGRITY_FIELDS = ("one_device", "leave_limit", "leave_auto_submit", "no_copy")
# What may still change once the window has opened: nothing that alters a paper, a
# deadline already given or a score. Started attempts are never touched.
FIELDS_AFTER_OPENING = {"title", "closes_at", "show_score", "show_answers"}
# Changes that make prepared (not yet started) papers stale.
PAPER_FIELDS = {"window_staff_only", "shuffle_questions", "shuffle_options"}


def _set_paper(session: ExamSession, *, rules, fixed) -> None:
    """Replace the blueprint rules and / or the fixed paper (None: unchanged)."""
    if rules is not None:
        session.rules.all().delete()
        BlueprintRule.objects.bulk_create(
            [
                BlueprintRule(session=session, order=order, **rule)
                for order, rule in enumerate(rules)
            ]
        )
    if fixed is not None:
        session.fixed_questions.all().delete()
        FixedQuestion.objects.bulk_create(
            [
                FixedQuestion(session=session, position=position, question_id=qid, points=points)
                for position, (qid, points) in enumerate(fixed, 1)
            ]
        )


def _set_extra_times(session: ExamSession, extra_times: dict[int, int]) -> None:
    """Replace the extra time per person. Deadlines already given stay as they are:
    the extra time counts when an attempt starts."""
    session.extra_times.all().delete()
    ExtraTime.objects.bulk_create(
        [
            ExtraTime(session=session, staff_id=pk, minutes=minutes)
            for pk, minutes in extra_times.items()
            if minutes
        ]
    )


def _enqueue_prepare_papers(session_id: int) -> None:
    from ..tasks import prepare_papers  # lazy: the tasks module imports the services

    prepare_papers.enqueue(session_id)


def exam_session_create(
    *,
    title: str,
    kind: str,
    department,
    opens_at,
    closes_at,
    duration_minutes: int = 60,
    staff_ids=(),
    department_ids=(),
    rules: list[dict] | None = None,
    pass_mark=60,
    created_by=None,
    publish: bool = True,
    window_staff_only: bool = True,
    options: dict | None = None,
    fixed: list[tuple[int, Decimal]] | None = None,
    extra_times: dict[int, int] | None = None,
    request=None,
) -> ExamSession:
    """Create a session for an audience with blueprint rules
    ([{"type", "count", "points", "knowledge_point_id"?, "difficulty"?}]) or a fixed
    paper ([(question id, points)]), other settings in `options`, and audit it."""
    with transaction.atomic():
        session = ExamSession(
            title=title,
            kind=kind,
            department=department,
            opens_at=opens_at,
            closes_at=closes_at,
            duration_minutes=duration_minutes,
            pass_mark=pass_mark,
            created_by=created_by,
            published=publish,
            window_staff_only=window_staff_only,
        )
        for name, value in (options or {}).items():
            if name not in SESSION_FIELDS:
                raise ValueError(name)
            setattr(session, name, value)
        session.save()
        if staff_ids:
            session.audience_staff.set(list(staff_ids))
        if department_ids:
            session.audience_departments.set(list(department_ids))
        _set_paper(session, rules=rules or [], fixed=fixed)
        if extra_times:
            _set_extra_times(session, extra_times)
        audit_record(
            action="exam.session_created",
            actor=created_by,
            target=session,
            request=request,
            data={"title": title, "kind": kind},
        )
    return session


def exam_session_update(
    *,
    session: ExamSession,
    fields: dict,
    acting_user,
    department_ids=None,
    staff_ids=None,
    rules: list[dict] | None = None,
    fixed: list[tuple[int, Decimal]] | None = None,
    extra_times: dict[int, int] | None = None,
    request=None,
    now=None,
) -> ExamSession:
    """Change a session's settings (None: leave that part as it is).

    Before the window opens everything may change; papers already prepared for a
    published session are dropped and drawn again, after a new blueprint check. Once
    it has opened only FIELDS_AFTER_OPENING and extra time (for attempts not yet
    started) may change, and the closing time only later. Started attempts are never
    altered.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = ExamSession.objects.select_for_update().get(pk=session.pk)
        changed = {
            name: value
            for name, value in fields.items()
            if name in SESSION_FIELDS and getattr(current, name) != value
        }
        audience_changed = (
            department_ids is not None
            and set(department_ids)
            != set(current.audience_departments.values_list("pk", flat=True))
        ) or (
            staff_ids is not None
            and set(staff_ids) != set(current.audience_staff.values_list("pk", flat=True))
        )
        paper_changed = rules is not None or fixed is not None
        if current.doors_open_at <= now:
            if set(changed) - FIELDS_AFTER_OPENING or audience_changed or paper_changed:
                raise ValidationError(MSG_LOCKED_AFTER_OPENING)
            if "closes_at" in changed and changed["closes_at"] < current.closes_at:
                raise ValidationError(MSG_CLOSE_NOT_EARLIER)
        for name, value in changed.items():
            setattr(current, name, value)
        if changed:
            current.full_clean(exclude=["audience_departments", "audience_staff"])
            current.save(update_fields=list(changed))
        if department_ids is not None:
            current.audience_departments.set(list(department_ids))
        if staff_ids is not None:
            current.audience_staff.set(list(staff_ids))
        _set_paper(current, rules=rules, fixed=fixed)
        if extra_times is not None:
            _set_extra_times(current, extra_times)
        restale = paper_changed or audience_changed or bool(set(changed) & PAPER_FIELDS)
        if current.published and current.doors_open_at > now and restale:
            shortages = blueprint_check(session=current)
            if shortages:
                raise ValidationError([s.message() for s in shortages])
            Attempt.objects.filter(session=current, status=AttemptStatus.PREPARED).delete()
            current.papers_prepared_at = None
            current.save(update_fields=["papers_prepared_at"])
            transaction.on_commit(partial(_enqueue_prepare_papers, current.pk))
        transaction.on_commit(partial(forget_start_facts, current.public_id))
        audit_record(
            action="exam.session_updated",
            actor=acting_user,
            target=current,
            request=request,
            data={
                "fields": sorted(changed),
                "audience": audience_changed,
                "paper": paper_changed,
                "extra_time": extra_times is not None,
            },
        )
    return current


def exam_session_publish(*, session: ExamSession, acting_user, request=None, now=None):
    """Publish after a blueprint check; the papers are then drawn in the background.
    Raises ValidationError with one message per shortage."""
    now = now or timezone.now()
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=session.pk)
        if session.published:
            return session
        if session.closes_at <= now:
            raise ValidationError(MSG_CLOSED)
        if not session.rules.exists() and not session.fixed_questions.exists():
            raise ValidationError(MSG_NO_QUESTIONS)
        shortages = blueprint_check(session=session)
        if shortages:
            raise ValidationError([MSG_PUBLISH_BLOCKED, *(s.message() for s in shortages)])
        session.published = True
        session.save(update_fields=["published"])
        audit_record(
            action="exam.session_published", actor=acting_user, target=session, request=request
        )
        transaction.on_commit(partial(_enqueue_prepare_papers, session.pk))
        transaction.on_commit(partial(forget_start_facts, session.public_id))
    return session


def exam_session_withdraw(*, session: ExamSession, acting_user, request=None, now=None):
    """Take a published session back before its doors open (it was replaced): nobody
    can start it, the papers drawn ahead are dropped, and it can be published again
    later. Refused once the doors have opened. Audited."""
    now = now or timezone.now()
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=session.pk)
        if not session.published:
            return session
        if session.doors_open_at <= now:
            raise ValidationError(MSG_LOCKED_AFTER_OPENING)
        session.published = False
        session.papers_prepared_at = None
        session.save(update_fields=["published", "papers_prepared_at"])
        Attempt.objects.filter(session=session, status=AttemptStatus.PREPARED).delete()
        audit_record(
            action="exam.session_withdrawn", actor=acting_user, target=session, request=request
        )
        transaction.on_commit(partial(forget_start_facts, session.public_id))
    return session
