"""What coordinators and managers read about sessions: the lists, the attempt that
counts, results, and answers still to grade. The pages, the API and the exports call
these same functions, each limited to what the user may see."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from organisation.access import departments_managed_by, departments_visible_to

from ..access import attempts_visible_to, sessions_visible_to
from ..device import device_summary
from ..models import (
    FINISHED_STATUSES,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Counting,
    ExamSession,
)
from .learner import knowledge_point_scores


def sessions_for_staff_roles(user) -> QuerySet[ExamSession]:
    """Sessions organised in the user's subtree or sat by their people, newest first (the
    list page and the API)."""
    return sessions_visible_to(user).select_related("department").order_by("-opens_at", "pk")


def session_list(user) -> QuerySet[ExamSession]:
    """The list page: with counts of started and finished attempts, and whether answers
    wait for grading."""
    return sessions_needing_grading(
        sessions_for_staff_roles(user).annotate(
            started=Count("attempts", filter=Q(attempts__started_at__isnull=False)),
            finished=Count("attempts", filter=Q(attempts__status__in=FINISHED_STATUSES)),
        )
    )


def counted_attempts(*, session: ExamSession, departments=None) -> dict[int, Attempt]:
    """The attempt that counts per person (best or last finished); with `departments`,
    only of people in those units (a viewer's own people)."""
    chosen: dict[int, Attempt] = {}
    attempts = Attempt.objects.filter(session=session, status__in=FINISHED_STATUSES)
    if departments is not None:
        attempts = attempts.filter(staff__department__in=departments)
    for attempt in attempts.select_related("staff__department").order_by("staff_id", "number"):
        current = chosen.get(attempt.staff_id)
        if (
            current is None
            or session.counting == Counting.LAST
            or ((attempt.score or 0) > (current.score or 0))
        ):
            chosen[attempt.staff_id] = attempt
    return chosen


def session_results(*, session: ExamSession, departments=None) -> dict[int, dict]:
    """{staff id: {"attempt", "percent", "passed", "points": {kp: (name, percent)}}}
    (only of people in `departments`, if given)."""
    counted = counted_attempts(session=session, departments=departments)
    items_by_attempt: dict[int, list[AttemptItem]] = defaultdict(list)
    for item in AttemptItem.objects.filter(attempt__in=[a.pk for a in counted.values()]).only(
        "attempt_id", "knowledge_point_id", "knowledge_point_name", "awarded", "points"
    ):
        items_by_attempt[item.attempt_id].append(item)
    return {
        staff_id: {
            "attempt": attempt,
            "percent": attempt.percent,
            "passed": attempt.passed,
            "points": knowledge_point_scores(items_by_attempt[attempt.pk]),
        }
        for staff_id, attempt in counted.items()
    }


def visible_results(*, session: ExamSession, user) -> list[dict]:
    """`session_results` of the people the user may see (a session's audience may reach
    beyond the user's subtree), in unit and staff-number order."""
    results = session_results(session=session, departments=departments_visible_to(user))
    mine = set(
        attempts_visible_to(user)
        .filter(pk__in=[r["attempt"].pk for r in results.values()])
        .values_list("pk", flat=True)
    )
    return sorted(
        (r for r in results.values() if r["attempt"].pk in mine),
        key=lambda r: (r["attempt"].staff.department.path, r["attempt"].staff.staff_number),
    )


INTEGRITY_ROWS = 500


def integrity_report(*, session: ExamSession, user) -> list[Attempt]:
    """The attempts of the user's people that left the exam page or moved to another
    device (the integrity options), with each device switch (time, browser, masked
    address), in unit and staff-number order; two queries."""
    attempts = list(
        attempts_visible_to(user)
        .filter(session=session)
        .exclude(status=AttemptStatus.PREPARED)
        .filter(Q(leave_count__gt=0) | Q(switch_count__gt=0))
        .select_related("staff__department")
        .prefetch_related("device_switches")
        .order_by("staff__department__path", "staff__staff_number", "number")[:INTEGRITY_ROWS]
    )
    for attempt in attempts:
        for switch in attempt.device_switches.all():
            switch.summary = device_summary(switch.user_agent)
    return attempts


def grading_queue(*, session: ExamSession, departments=None) -> list[dict]:
    """Questions (by position) with answers still to grade by a person (only answers of
    people in `departments`, if given)."""
    items = AttemptItem.objects.filter(
        attempt__session=session, awarded__isnull=True, attempt__status__in=FINISHED_STATUSES
    )
    if departments is not None:
        items = items.filter(attempt__staff__department__in=departments)
    rows = items.values("question_id", "stem").annotate(pending=Count("pk")).order_by("question_id")
    return list(rows)


def sessions_needing_grading(queryset: QuerySet[ExamSession]) -> QuerySet[ExamSession]:
    pending = AttemptItem.objects.filter(
        attempt__session=OuterRef("pk"), awarded__isnull=True, attempt__status__in=FINISHED_STATUSES
    )
    return queryset.annotate(has_pending=Exists(pending))


# --- analysis ------------------------------------------------------------------------


def answers_to_grade(*, session: ExamSession, question_id: int, user) -> QuerySet[AttemptItem]:
    """Answers to one question still to grade by a person, of the people the user may
    grade (their own subtree: the rule of `access.get_item_for_grading`), oldest
    attempt first."""
    return AttemptItem.objects.filter(
        attempt__session=session,
        question_id=question_id,
        awarded__isnull=True,
        attempt__status__in=FINISHED_STATUSES,
        attempt__staff__department__in=departments_managed_by(user),
    ).order_by("attempt_id")


def candidate_number(attempt_id: int) -> str:
    """What a grader sees instead of a name (the page and the API alike)."""
    return f"{attempt_id % 100000:05d}"
