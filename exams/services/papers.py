"""Drawing papers: blueprint checks and papers prepared ahead of exam day, so that
starting is one UPDATE."""

from __future__ import annotations

import json
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
        # Drawn before anything is written: each attempt row is inserted with its paper
        # ready to send (`render_paper`) and its maximum score, then the items; nothing
        # is updated afterwards.
        attempts = [
            Attempt(session=session, staff_id=pk, number=1, seed=_new_seed()) for pk in chunk
        ]
        papers = [drawer.items_for(a) for a in attempts]
        for attempt, items in zip(attempts, papers, strict=True):
            attempt.paper = render_paper(items)
            attempt.max_score = sum((i.points for i in items), Decimal(0))
        with transaction.atomic():
            Attempt.objects.bulk_create(attempts)
            if not all(a.pk for a in attempts):  # backends without RETURNING ids
                pks = dict(
                    Attempt.objects.filter(session=session, staff_id__in=chunk).values_list(
                        "staff_id", "pk"
                    )
                )
                for attempt in attempts:
                    attempt.pk = pks[attempt.staff_id]
            for items in papers:
                for item in items:
                    item.attempt_id = item.attempt.pk
            AttemptItem.objects.bulk_create([i for items in papers for i in items], batch_size=2000)
        made += len(chunk)
    ExamSession.objects.filter(pk=session.pk).update(papers_prepared_at=timezone.now())
    return made


def render_paper(items: list[AttemptItem]) -> str:
    """The paper as the start returns it (JSON, no key, nothing answered), written when
    the paper is drawn ahead so that a mass start sends it without reading the items
    (`selectors.attempt_payload_json`)."""
    return json.dumps(
        [
            {
                "position": item.position,
                "type": item.type,
                "stem": item.stem,
                "options": [{"key": o["key"], "text": o["text"]} for o in item.options],
                "points": str(item.points),
                "answer": None,
                "seq": 0,
            }
            for item in items
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
