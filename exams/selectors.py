"""Reads of the exam engine."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone

from organisation.models import Staff

from .models import (
    CHOICE_TYPES,
    FINISHED_STATUSES,
    Attempt,
    AttemptItem,
    AttemptStatus,
    Counting,
    ExamSession,
    MistakeEntry,
    QuestionType,
    Visibility,
)
from .services import audience_staff


def remaining_seconds(attempt: Attempt, now=None) -> int:
    now = now or timezone.now()
    if attempt.deadline is None or attempt.is_finished:
        return 0
    return max(0, math.floor((attempt.deadline - now).total_seconds()))


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
    return _visible(attempt.session.show_score, attempt, now or timezone.now())


def learner_may_see_answers(attempt: Attempt, now=None) -> bool:
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


def open_sessions_for(*, staff: Staff, now=None) -> list[ExamSession]:
    """Published sessions open now that the person may still take (or resume)."""
    now = now or timezone.now()
    sessions = ExamSession.objects.filter(published=True, opens_at__lte=now, closes_at__gt=now)
    result = []
    for session in sessions:
        attempts = list(Attempt.objects.filter(session=session, staff=staff))
        in_progress = any(
            a.status in (AttemptStatus.IN_PROGRESS, AttemptStatus.PREPARED) for a in attempts
        )
        used = sum(1 for a in attempts if a.is_finished)
        if (in_progress or used < session.attempts_allowed) and (
            in_progress or audience_staff(session=session).filter(pk=staff.pk).exists()
        ):
            result.append(session)
    return result


def upcoming_sessions_for(*, staff: Staff, now=None) -> list[ExamSession]:
    now = now or timezone.now()
    sessions = ExamSession.objects.filter(published=True, opens_at__gt=now).order_by("opens_at")
    return [s for s in sessions[:20] if audience_staff(session=s).filter(pk=staff.pk).exists()]


def attempts_of(*, staff: Staff) -> QuerySet[Attempt]:
    return (
        Attempt.objects.filter(staff=staff, status__in=FINISHED_STATUSES)
        .select_related("session")
        .order_by("-finished_at")
    )


def mistakes_of(*, staff: Staff) -> QuerySet[MistakeEntry]:
    return (
        MistakeEntry.objects.filter(staff=staff, active=True)
        .select_related("question__knowledge_point")
        .order_by("-updated_at")
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
    """{staff id: {"attempt", "percent", "passed", "points": {kp: (name, percent)}}}."""
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


@dataclass
class ItemStats:
    question_id: int | None
    stem: str
    knowledge_point: str
    n: int
    facility: float  # mean proportion of the points obtained (0..1)
    discrimination: float | None  # upper 27% facility - lower 27% facility
    option_counts: dict[str, int] = field(default_factory=dict)

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.facility > 0.9:
            flags.append("too_easy")
        if self.facility < 0.2:
            flags.append("too_hard")
        if self.discrimination is not None and self.discrimination < 0:
            flags.append("negative_discrimination")
        return flags


@dataclass
class SessionAnalysis:
    attempts: int
    mean: float
    pass_rate: float
    distribution: list[tuple[str, int]]
    items: list[ItemStats]
    kr20: float | None
    by_unit: list[dict]


def _answer_labels(item: AttemptItem) -> list[str]:
    """What an answer counts as in the item analysis: the option letters chosen, or the
    text written in each blank (alternatives joined); open answers are not counted."""
    values = item.answer if isinstance(item.answer, list) else [item.answer]
    if item.type in CHOICE_TYPES:
        return [str(v).strip().upper() for v in values if v not in (None, "")]
    if item.type == QuestionType.FILL_BLANK:
        labels = []
        for value in values:
            parts = value if isinstance(value, list) else [value]
            text = " / ".join(str(p).strip() for p in parts if p not in (None, ""))
            if text:
                labels.append(text)
        return labels
    return []


def session_analysis(*, session: ExamSession, departments=None) -> SessionAnalysis:
    """Score distribution, pass rate by unit, item analysis (facility, upper-lower 27%
    discrimination, option frequencies) and KR-20 reliability over counted attempts
    (only of the people in `departments`, if given)."""
    counted = list(counted_attempts(session=session, departments=departments).values())
    n = len(counted)
    percents = [float(a.percent or 0) for a in counted]
    buckets = [(f"{lo}-{lo + 9 if lo < 90 else 100}", 0) for lo in range(0, 100, 10)]
    counts = [0] * 10
    for p in percents:
        counts[min(9, int(p // 10))] += 1
    distribution = [(label, counts[i]) for i, (label, _) in enumerate(buckets)]

    items = list(
        AttemptItem.objects.filter(attempt__in=[a.pk for a in counted]).only(
            "attempt_id",
            "question_id",
            "stem",
            "knowledge_point_name",
            "awarded",
            "points",
            "answer",
            "type",
        )
    )
    by_question: dict[object, list[AttemptItem]] = defaultdict(list)
    for item in items:
        by_question[item.question_id or item.stem].append(item)
    totals = {a.pk: float(a.score or 0) for a in counted}
    ranked = sorted(totals, key=lambda pk: totals[pk])
    group = max(1, round(0.27 * n)) if n else 0
    lower, upper = set(ranked[:group]), set(ranked[-group:]) if group else set()

    stats: list[ItemStats] = []
    variances_sum = 0.0
    for question_items in by_question.values():
        scores = [
            float(i.awarded or 0) / float(i.points) if i.points else 0.0 for i in question_items
        ]
        facility = sum(scores) / len(scores)
        variances_sum += facility * (1 - facility)
        up = [s for i, s in zip(question_items, scores, strict=True) if i.attempt_id in upper]
        low = [s for i, s in zip(question_items, scores, strict=True) if i.attempt_id in lower]
        discrimination = (sum(up) / len(up) - sum(low) / len(low)) if up and low else None
        options: dict[str, int] = defaultdict(int)
        for item in question_items:
            for choice in _answer_labels(item):
                options[choice] += 1
        first = question_items[0]
        stats.append(
            ItemStats(
                first.question_id,
                first.stem,
                first.knowledge_point_name,
                len(question_items),
                round(facility, 3),
                None if discrimination is None else round(discrimination, 3),
                dict(sorted(options.items())),
            )
        )
    k = len(stats)
    kr20 = None
    if n > 1 and k > 1:
        per_attempt = defaultdict(float)
        for item in items:
            per_attempt[item.attempt_id] += (
                float(item.awarded or 0) / float(item.points) if item.points else 0.0
            )
        values = [per_attempt[a.pk] for a in counted]
        mean = sum(values) / n
        variance = sum((v - mean) ** 2 for v in values) / n
        if variance > 0:
            kr20 = round(k / (k - 1) * (1 - variances_sum / variance), 3)

    units: dict[str, list[Attempt]] = defaultdict(list)
    for attempt in counted:
        units[attempt.staff.department.name].append(attempt)
    by_unit = [
        {
            "unit": name,
            "attempts": len(rows),
            "pass_rate": round(100 * sum(1 for a in rows if a.passed) / len(rows), 1),
        }
        for name, rows in sorted(units.items())
    ]
    return SessionAnalysis(
        attempts=n,
        mean=round(sum(percents) / n, 1) if n else 0.0,
        pass_rate=round(100 * sum(1 for a in counted if a.passed) / n, 1) if n else 0.0,
        distribution=distribution,
        items=stats,
        kr20=kr20,
        by_unit=by_unit,
    )


def bank_counts() -> dict[str, int]:
    from .models import Question, QuestionStatus

    return dict(
        Question.objects.filter(status=QuestionStatus.ACTIVE)
        .values_list("type")
        .annotate(n=Count("pk"))
        .values_list("type", "n")
    )


def audience_count(*, session: ExamSession) -> int:
    return audience_staff(session=session).count()


# --- the question bank ---------------------------------------------------------------


def point_and_below(point_id: int) -> list[int]:
    from .services import _point_and_below

    return _point_and_below(point_id)


def bank_questions(
    *,
    queryset,
    type: str = "",
    point_id: int | None = None,
    difficulty=None,
    status: str = "",
    text: str = "",
):
    """The bank filtered (`queryset` comes from access.questions_visible_to): by type,
    knowledge point and its sub-points, difficulty, status and words in the stem."""
    if type:
        queryset = queryset.filter(type=type)
    if point_id:
        queryset = queryset.filter(knowledge_point_id__in=point_and_below(point_id))
    if difficulty:
        queryset = queryset.filter(difficulty=difficulty)
    if status:
        queryset = queryset.filter(status=status)
    for word in (text or "").split()[:5]:
        queryset = queryset.filter(stem__icontains=word)
    return queryset.select_related("knowledge_point").order_by("-updated_at", "-id")
