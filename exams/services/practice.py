"""Practice with instant feedback, and the mistake book (fed by practice, hand-ins
and the finaliser by one rule, `_is_mistake`)."""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import F
from django.utils import timezone

from organisation.models import Staff

from ..models import OBJECTIVE_TYPES, Attempt, AttemptItem, MistakeEntry, Question, QuestionStatus
from ..scoring import is_correct
from ..selectors.bank import point_and_below


@dataclass(frozen=True)
class PracticeFeedback:
    correct: bool
    key: list
    explanation: str


def practice_answer(*, staff: Staff, question: Question, answer) -> PracticeFeedback:
    """Instant feedback; wrong answers enter the mistake book, two right in a row
    take a question out of it."""
    if question.type not in OBJECTIVE_TYPES:
        return PracticeFeedback(True, question.answer, question.explanation)
    correct = is_correct(qtype=question.type, key=question.answer, answer=answer)
    record_mistake(staff=staff, question=question, correct=correct)
    return PracticeFeedback(correct, question.answer, question.explanation)


def record_mistake(*, staff: Staff, question: Question, correct: bool) -> None:
    entry = MistakeEntry.objects.filter(staff=staff, question=question).first()
    if not correct:
        if entry is None:
            MistakeEntry.objects.create(staff=staff, question=question)
        else:
            entry.correct_streak = 0
            entry.wrong_count += 1
            entry.active = True
            entry.save(update_fields=["correct_streak", "wrong_count", "active", "updated_at"])
        return
    if entry is not None and entry.active:
        entry.correct_streak += 1
        entry.active = entry.correct_streak < 2
        entry.save(update_fields=["correct_streak", "active", "updated_at"])


def _is_mistake(item: AttemptItem) -> bool:
    """The rule of the mistake book for exam answers (the same for a hand-in and for
    the finaliser): an objective question from the bank, scored below full marks.
    Answers graded by a person (short answer, scenario) never enter it, as in practice."""
    return (
        item.question_id is not None
        and item.is_objective
        and item.awarded is not None
        and item.awarded < item.points
    )


def _insert_mistakes(rows: list[tuple[int, int, int]], now, chunk: int = 1000) -> None:
    """New entries of the mistake books, (staff, question, wrong count) each, in one
    hand-written INSERT per thousand: the scorer of exam day enters ~90 per attempt
    (every question left unanswered), and `bulk_create` spent more CPU preparing the
    instances than the database spent storing them. A concurrent practice answer that
    created one already wins (`ON CONFLICT DO NOTHING`: it is in the book)."""
    table = MistakeEntry._meta.db_table
    at = connection.ops.adapt_datetimefield_value(now)
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        params: list = []
        for staff_id, question_id, times in part:
            params.extend([staff_id, question_id, times, at])
        values = ", ".join(["(%s, %s, 0, %s, TRUE, %s)"] * len(part))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table}"  # noqa: S608 - fixed names
                f" (staff_id, question_id, correct_streak, wrong_count, active, updated_at)"
                f" VALUES {values} ON CONFLICT (staff_id, question_id) DO NOTHING",
                params,
            )


def _record_mistakes_many(pairs: list[tuple[int, AttemptItem]]) -> None:
    """Enter wrong answers into the mistake books, batched: one SELECT of the existing
    entries, one INSERT of the new ones and one UPDATE per distinct repeat count (in
    practice one), whatever the number of attempts. Same effect as calling
    `record_mistake(correct=False)` for each pair."""
    wrong: dict[tuple[int, int], int] = defaultdict(int)
    for staff_id, item in pairs:
        wrong[(staff_id, item.question_id)] += 1
    if not wrong:
        return
    existing = {
        (staff_id, question_id): pk
        for pk, staff_id, question_id in MistakeEntry.objects.filter(
            staff_id__in={s for s, _ in wrong}, question_id__in={q for _, q in wrong}
        ).values_list("pk", "staff_id", "question_id")
        if (staff_id, question_id) in wrong
    }
    now = timezone.now()
    _insert_mistakes([(s, q, n) for (s, q), n in wrong.items() if (s, q) not in existing], now)
    by_times: dict[int, list[int]] = defaultdict(list)
    for pair, pk in existing.items():
        by_times[wrong[pair]].append(pk)
    for times, pks in by_times.items():
        MistakeEntry.objects.filter(pk__in=pks).update(
            correct_streak=0, wrong_count=F("wrong_count") + times, active=True, updated_at=now
        )


def mistakes_from_attempt(*, attempt: Attempt) -> None:
    """After an exam, wrong objective answers go into the person's mistake book."""
    items = attempt.items.only("attempt_id", "question_id", "type", "points", "awarded").filter(
        question__isnull=False
    )
    _record_mistakes_many([(attempt.staff_id, i) for i in items if _is_mistake(i)])


def practice_pick(
    *, staff: Staff, knowledge_point_ids=(), mistakes_only: bool = False, exclude_ids=()
) -> Question | None:
    """A question to practise: from the mistake book, or from the given knowledge
    points (and below), objective types only."""
    if mistakes_only:
        queryset = Question.objects.filter(
            pk__in=MistakeEntry.objects.filter(staff=staff, active=True).values("question_id")
        )
    else:
        queryset = Question.objects.filter(
            status=QuestionStatus.ACTIVE, type__in=list(OBJECTIVE_TYPES)
        )
        if knowledge_point_ids:
            wanted: set[int] = set()
            for pk in knowledge_point_ids:
                wanted.update(point_and_below(pk))
            queryset = queryset.filter(knowledge_point_id__in=wanted)
    ids = list(queryset.exclude(pk__in=list(exclude_ids)).values_list("pk", flat=True)[:500])
    if not ids:
        ids = list(queryset.values_list("pk", flat=True)[:500])
    if not ids:
        return None
    return Question.objects.select_related("knowledge_point").get(pk=random.choice(ids))
