"""What a learner reads: the sessions open to them, the paper while taking it, what
they may see afterwards, their results and their mistake book."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from organisation.models import Staff

from ..audience import audience_q
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


def attempt_payload_json(attempt: Attempt, now=None) -> str | None:
    """The start's answer as JSON text from the paper prepared ahead, when the attempt
    has just been started from one (nothing answered yet): no item is read and nothing
    serialised but the few fields around it. None otherwise (use `attempt_payload`,
    which gives the same shape)."""
    if not (getattr(attempt, "fresh_start", False) and attempt.paper):
        return None
    head = json.dumps(
        {
            "id": str(attempt.public_id),
            "title": attempt.session.title,
            "status": attempt.status,
            "remaining_seconds": remaining_seconds(attempt, now),
            "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
            "integrity": integrity_options(attempt),
        },
        ensure_ascii=False,
    )
    return head[:-1] + ', "items": ' + attempt.paper + "}"


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
