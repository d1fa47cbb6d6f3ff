"""Drawing papers: blueprint checks and papers prepared ahead of exam day, so that
starting is one UPDATE."""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..audience import audience_staff
from ..messages import MSG_BANK_SHORT
from ..models import (
    Attempt,
    AttemptItem,
    BlueprintRule,
    ExamSession,
    Question,
    QuestionStatus,
    QuestionType,
)
from ..selectors.bank import point_and_below

LETTERS = "ABCDEFGH"


def _candidates(rule: BlueprintRule) -> list[Question]:
    queryset = Question.objects.filter(status=QuestionStatus.ACTIVE, type=rule.type)
    if rule.knowledge_point_id:
        queryset = queryset.filter(knowledge_point_id__in=point_and_below(rule.knowledge_point_id))
    if rule.difficulty:
        queryset = queryset.filter(difficulty=rule.difficulty)
    return list(queryset.select_related("knowledge_point").order_by("id"))


@dataclass(frozen=True)
class Shortage:
    rule: BlueprintRule
    available: int

    def message(self) -> str:
        return str(
            MSG_BANK_SHORT
            % {
                "count": self.rule.count,
                "type": QuestionType(self.rule.type).label,
                "point": self.rule.knowledge_point.name
                if self.rule.knowledge_point_id
                else _("any topic"),
                "difficulty": self.rule.difficulty or _("any"),
                "available": self.available,
            }
        )


def blueprint_check(*, session: ExamSession) -> list[Shortage]:
    """Rules the active bank cannot fill (checked before a session opens)."""
    shortages = []
    for rule in session.rules.select_related("knowledge_point"):
        available = len(_candidates(rule))
        if available < rule.count:
            shortages.append(Shortage(rule, available))
    return shortages


class PaperDrawer:
    """Draws papers for one session; candidate lists are loaded once and reused, so
    preparing thousands of papers costs a few queries in all."""

    def __init__(self, session: ExamSession):
        self.session = session
        self.rules = list(session.rules.select_related("knowledge_point"))
        self.pools = [_candidates(rule) for rule in self.rules]
        self.fixed = list(
            session.fixed_questions.select_related("question__knowledge_point").order_by("position")
        )

    def draw(self, seed: int) -> list[tuple[Question, Decimal, list[int]]]:
        """(question, points, option order) for the paper of this seed."""
        rng = random.Random(seed)
        paper: list[tuple[Question, Decimal]] = []
        if self.rules:
            for rule, pool in zip(self.rules, self.pools, strict=True):
                if len(pool) < rule.count:
                    raise ValidationError(Shortage(rule, len(pool)).message())
                paper.extend((q, rule.points) for q in rng.sample(pool, rule.count))
        else:
            paper = [(f.question, f.points) for f in self.fixed]
        if self.session.shuffle_questions:
            rng.shuffle(paper)
        drawn = []
        for question, points in paper:
            order = list(range(len(question.options)))
            if self.session.shuffle_options and question.type in (
                QuestionType.SINGLE,
                QuestionType.MULTIPLE,
            ):
                rng.shuffle(order)
            drawn.append((question, points, order))
        return drawn

    def items_for(self, attempt: Attempt) -> list[AttemptItem]:
        items = []
        for position, (question, points, order) in enumerate(self.draw(attempt.seed), 1):
            # Options keep their own letter (the key refers to it); only the order shown
            # changes. So a key correction applies to every attempt alike.
            options = [{"key": LETTERS[i], "text": question.options[i]} for i in order]
            items.append(
                AttemptItem(
                    attempt=attempt,
                    position=position,
                    question=question,
                    type=question.type,
                    stem=question.stem,
                    options=options,
                    key=question.answer,
                    rubric=question.rubric,
                    reference_answer=question.reference_answer,
                    explanation=question.explanation,
                    points=points,
                    knowledge_point_id=question.knowledge_point_id,
                    knowledge_point_name=question.knowledge_point.name,
                )
            )
        return items


def _new_seed() -> int:
    return secrets.randbits(62)


def exam_session_prepare_papers(*, session: ExamSession, batch_size: int = 500) -> int:
    """Draw a paper for every audience member who has none yet (run before the window
    opens, as a background task). Safe to run twice. Returns how many were drawn."""
    drawer = PaperDrawer(session)
    have = Attempt.objects.filter(session=session).values("staff_id")
    staff_ids = list(
        audience_staff(session=session).exclude(pk__in=have).values_list("pk", flat=True)
    )
    made = 0
    for start in range(0, len(staff_ids), batch_size):
        chunk = staff_ids[start : start + batch_size]
        with transaction.atomic():
            attempts = Attempt.objects.bulk_create(
                [Attempt(session=session, staff_id=pk, number=1, seed=_new_seed()) for pk in chunk],
                ignore_conflicts=False,
            )
            if not all(a.pk for a in attempts):  # backends without RETURNING ids
                attempts = list(Attempt.objects.filter(session=session, staff_id__in=chunk))
            items = [item for a in attempts for item in drawer.items_for(a)]
            AttemptItem.objects.bulk_create(items, batch_size=2000)
            _update_max_scores(attempts, items)
        made += len(chunk)
    ExamSession.objects.filter(pk=session.pk).update(papers_prepared_at=timezone.now())
    return made


def _update_max_scores(attempts: list[Attempt], items: list[AttemptItem]) -> None:
    totals: dict[int, Decimal] = {}
    for item in items:
        totals[item.attempt_id] = totals.get(item.attempt_id, Decimal(0)) + item.points
    for attempt in attempts:
        attempt.max_score = totals.get(attempt.pk, Decimal(0))
    Attempt.objects.bulk_update(attempts, ["max_score"], batch_size=1000)
