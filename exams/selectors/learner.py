"""What a learner reads: the sessions open to them, the paper while taking it, what
they may see afterwards, their results and their mistake book."""

from __future__ import annotations

import json
import math
import uuid
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from organisation.models import Department, Role, RoleAssignment, Staff, StaffStatus

from ..audience import StartFacts, audience_q
from ..messages import MSG_LEFT_HANDED_IN, MSG_LEFT_OVER, MSG_LEFT_WARNING, MSG_LEFT_WARNING_SUBMIT
from ..models import (
    CLOSED_STATUSES,
    DOORS_OPEN_MAX,
    Attempt,
    AttemptStatus,
    ExamSession,
    MistakeEntry,
    Visibility,
)


def remaining_seconds(attempt: Attempt, now=None) -> int:
    now = now or timezone.now()
    if attempt.deadline is None or attempt.is_finished:
        return 0
    return max(0, math.floor((attempt.deadline - now).total_seconds()))


def integrity_options(attempt: Attempt) -> dict:
    """The session's integrity options as the exam page and API clients apply them."""
    session = attempt.session
    return {
        "one_device": session.one_device,
        "leave_limit": session.leave_limit,
        "leave_auto_submit": session.leave_auto_submit,
        "leave_count": attempt.leave_count,
        "no_copy": session.no_copy,
    }


def leave_message(result) -> str:
    """What the learner reads after leaving the page (a `services.LeaveResult`): the
    times left before the limit, or that the exam was handed in; "" without a limit."""
    if result.handed_in:
        return str(MSG_LEFT_HANDED_IN % {"limit": result.limit})
    if result.limit is None or result.closed:
        return ""
    if result.count > result.limit:
        return str(MSG_LEFT_OVER % {"count": result.count, "limit": result.limit})
    message = MSG_LEFT_WARNING_SUBMIT if result.auto_submit else MSG_LEFT_WARNING
    return str(message % {"count": result.count, "left": result.left})


def _paper_json(head: dict, paper: str) -> str:
    text = json.dumps(head, ensure_ascii=False)
    return text[:-1] + ', "items": ' + paper + "}"


def attempt_payload_json(attempt: Attempt, now=None) -> str | None:
    """The start's answer as JSON text from the paper prepared ahead, when the attempt
    has just been started from one (nothing answered yet): no item is read and nothing
    serialised but the few fields around it. None otherwise (use `attempt_payload`,
    which gives the same shape)."""
    if not (getattr(attempt, "fresh_start", False) and attempt.paper):
        return None
    head = {
        "id": str(attempt.public_id),
        "title": attempt.session.title,
        "status": attempt.status,
        "remaining_seconds": remaining_seconds(attempt, now),
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        "integrity": integrity_options(attempt),
    }
    return _paper_json(head, attempt.paper)


def prepared_start_json(facts: StartFacts, start, now=None) -> str:
    """`attempt_payload_json` for the lean start path: the session's settings from its
    cached facts, the attempt from the start's UPDATE (`services.PreparedStart`)."""
    now = now or timezone.now()
    head = {
        "id": str(start.public_id),
        "title": facts.title,
        "status": AttemptStatus.IN_PROGRESS.value,
        "remaining_seconds": max(0, math.floor((start.deadline - now).total_seconds())),
        "deadline": start.deadline.isoformat(),
        "integrity": {
            "one_device": facts.one_device,
            "leave_limit": facts.leave_limit,
            "leave_auto_submit": facts.leave_auto_submit,
            "leave_count": start.leave_count,
            "no_copy": facts.no_copy,
        },
    }
    return _paper_json(head, start.paper)


def handed_in_json(handed_in) -> str:
    """The answer of the lean hand-in (`services.attempt_hand_in_lean`): what
    `api.learner.SubmitView` answers for an attempt handed in and being scored (the
    score is not known yet, so nothing of it is shown)."""
    return json.dumps(
        {
            "id": str(handed_in.public_id),
            "title": handed_in.title,
            "status": AttemptStatus.HANDED_IN.value,
            "scoring": True,
            "score_visible": False,
            "percent": None,
            "passed": None,
            "knowledge_points": [],
        },
        ensure_ascii=False,
    )


@dataclass(frozen=True)
class StartCandidate:
    """One read for the lean start path: the signed-in account, their staff record and
    unit, and their open attempt of the session (if any)."""

    password: str
    user_active: bool
    must_change_password: bool
    is_administrator: bool
    staff_id: int
    staff_active: bool
    window_staff: bool
    unit_path: str
    attempt_pk: int | None
    attempt_public_id: uuid.UUID | None
    attempt_status: str | None
    leave_count: int


@cache
def _candidate_sql() -> str:
    user, staff, unit, role, attempt = (
        get_user_model()._meta.db_table,
        Staff._meta.db_table,
        Department._meta.db_table,
        RoleAssignment._meta.db_table,
        Attempt._meta.db_table,
    )
    # Hand-written, like the save's UPDATE: run for every person of a mass start, and
    # the ORM's version (four joins and an EXISTS) costs more to compile than to run.
    return (
        f"SELECT u.password, u.is_active, u.must_change_password,"  # noqa: S608 - fixed names
        f" u.is_superuser OR EXISTS (SELECT 1 FROM {role} r"
        f" WHERE r.user_id = u.id AND r.role = %s),"
        f" s.id, s.status, s.is_window_staff, d.path,"
        f" a.id, a.public_id, a.status, a.leave_count"
        f" FROM {user} u"
        f" JOIN {staff} s ON s.user_id = u.id"
        f" JOIN {unit} d ON d.id = s.department_id"
        f" LEFT JOIN {attempt} a ON a.staff_id = s.id AND a.session_id = %s"
        f" AND a.status IN (%s, %s)"
        f" WHERE u.id = %s"
        f" ORDER BY a.number DESC LIMIT 1"
    )


def start_candidate(*, user_id: int, session_pk: int) -> StartCandidate | None:
    """The one read of a lean start (`exams/api/fastpath.py`); None for an account
    without a staff record."""
    with connection.cursor() as cursor:
        cursor.execute(
            _candidate_sql(),
            [
                Role.ADMINISTRATOR.value,
                session_pk,
                AttemptStatus.PREPARED.value,
                AttemptStatus.IN_PROGRESS.value,
                user_id,
            ],
        )
        row = cursor.fetchone()
    if row is None:
        return None
    password, active, must_change, admin, staff_id, status, window, path, *attempt = row
    attempt_pk, public_id, attempt_status, leave_count = attempt
    if public_id is not None and not isinstance(public_id, uuid.UUID):
        public_id = uuid.UUID(public_id)  # SQLite stores it as text
    return StartCandidate(
        password=password,
        user_active=bool(active),
        must_change_password=bool(must_change),
        is_administrator=bool(admin),
        staff_id=staff_id,
        staff_active=status == StaffStatus.ACTIVE,
        window_staff=bool(window),
        unit_path=path,
        attempt_pk=attempt_pk,
        attempt_public_id=public_id,
        attempt_status=attempt_status,
        leave_count=leave_count or 0,
    )


def attempt_payload(attempt: Attempt, now=None) -> dict:
    """What the exam page and API get while taking an exam: never the key."""
    # values_list, not model instances: the start of a mass exam returns 100 of these.
    items = attempt.items.order_by("position").values_list(
        "position", "type", "stem", "options", "answer", "seq", "points"
    )
    return {
        "id": str(attempt.public_id),
        "title": attempt.session.title,
        "status": attempt.status,
        "remaining_seconds": remaining_seconds(attempt, now),
        "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
        "integrity": integrity_options(attempt),
        "items": [
            {
                "position": position,
                "type": qtype,
                "stem": stem,
                "options": [{"key": o["key"], "text": o["text"]} for o in options],
                "points": str(points),
                "answer": answer,
                "seq": seq,
            }
            for position, qtype, stem, options, answer, seq, points in items
        ],
    }


def _visible(policy: str, attempt: Attempt, now) -> bool:
    if policy == Visibility.NEVER:
        return False
    if policy == Visibility.AFTER_SUBMIT:
        return attempt.is_finished
    return attempt.is_finished and now >= attempt.session.closes_at


def learner_may_see_score(attempt: Attempt, now=None) -> bool:
    if attempt.is_scoring:
        return False  # nothing to see yet: the page says it is being scored
    return _visible(attempt.session.show_score, attempt, now or timezone.now())


def learner_may_see_answers(attempt: Attempt, now=None) -> bool:
    if attempt.is_scoring:
        return False
    return _visible(attempt.session.show_answers, attempt, now or timezone.now())


def knowledge_point_scores(items) -> dict[int, tuple[str, float]]:
    """{knowledge point id: (name, percent)} over graded items."""
    got: dict[int, Decimal] = defaultdict(Decimal)
    out_of: dict[int, Decimal] = defaultdict(Decimal)
    names: dict[int, str] = {}
    for item in items:
        if item.knowledge_point_id is None or item.awarded is None:
            continue
        got[item.knowledge_point_id] += item.awarded
        out_of[item.knowledge_point_id] += item.points
        names[item.knowledge_point_id] = item.knowledge_point_name
    return {
        kp: (names[kp], round(float(got[kp] * 100 / out_of[kp]), 1)) for kp in out_of if out_of[kp]
    }


def attempts_of(*, staff: Staff) -> QuerySet[Attempt]:
    return (
        Attempt.objects.filter(staff=staff, status__in=CLOSED_STATUSES)
        .select_related("session")
        .order_by("-finished_at")
    )


def mistakes_of(*, staff: Staff) -> QuerySet[MistakeEntry]:
    return (
        MistakeEntry.objects.filter(staff=staff, active=True)
        .select_related("question__knowledge_point")
        .order_by("-updated_at")
    )


def open_sessions_for(*, staff: Staff, now=None) -> list[ExamSession]:
    """Published sessions open now that the person may still take (or resume): one
    query whatever the number of sessions open in the city."""
    now = now or timezone.now()
    mine = Attempt.objects.filter(session=OuterRef("pk"), staff_id=staff.pk)
    used = (
        mine.filter(status__in=CLOSED_STATUSES)
        .order_by()
        .values("session")
        .annotate(n=Count("pk"))
        .values("n")
    )
    resumable = Exists(mine.filter(status__in=[AttemptStatus.IN_PROGRESS, AttemptStatus.PREPARED]))
    sessions = (
        ExamSession.objects.filter(
            published=True, opens_at__lte=now + DOORS_OPEN_MAX, closes_at__gt=now
        )
        .annotate(used=Coalesce(Subquery(used, output_field=IntegerField()), 0))
        .filter(Q(resumable) | (Q(used__lt=F("attempts_allowed")) & audience_q(staff)))
    )
    # Doors may open before the opening time (`doors_open_minutes`).
    return [s for s in sessions if s.doors_open_at <= now]


def upcoming_sessions_for(*, staff: Staff, now=None, limit: int = 20) -> list[ExamSession]:
    """Published sessions for this person that open later, soonest first (one query)."""
    now = now or timezone.now()
    sessions = (
        ExamSession.objects.filter(published=True, opens_at__gt=now)
        .filter(audience_q(staff))
        .order_by("opens_at")[:limit]
    )
    return [s for s in sessions if s.doors_open_at > now]  # not yet open for a start
