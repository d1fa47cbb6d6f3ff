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

from core.bulk import insert_rows

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


def _candidate_questions(rule: BlueprintRule):
    queryset = Question.objects.filter(status=QuestionStatus.ACTIVE, type=rule.type)
    if rule.knowledge_point_id:
        queryset = queryset.filter(knowledge_point_id__in=point_and_below(rule.knowledge_point_id))
    if rule.difficulty:
        queryset = queryset.filter(difficulty=rule.difficulty)
    return queryset


def _candidates(rule: BlueprintRule) -> list[Question]:
    return list(_candidate_questions(rule).select_related("knowledge_point").order_by("id"))


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
        available = _candidate_questions(rule).count()
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

    def item_rows(self, seed: int) -> list[dict]:
        """The paper of `seed` as AttemptItem rows ({attname: value}, no attempt yet)."""
        return [
            {
                "position": position,
                "question_id": question.pk,
                "type": question.type,
                "stem": question.stem,
                "options": [{"key": LETTERS[i], "text": question.options[i]} for i in order],
                "key": question.answer,
                "rubric": question.rubric,
                "reference_answer": question.reference_answer,
                "explanation": question.explanation,
                "points": points,
                "knowledge_point_id": question.knowledge_point_id,
                "knowledge_point_name": question.knowledge_point.name,
            }
            for position, (question, points, order) in enumerate(self.draw(seed), 1)
        ]

    def items_for(self, attempt: Attempt) -> list[AttemptItem]:
        return [AttemptItem(attempt=attempt, **row) for row in self.item_rows(attempt.seed)]


def _new_seed() -> int:
    return secrets.randbits(62)


def exam_session_prepare_papers(*, session: ExamSession, batch_size: int = 500) -> int:
    """Draw a paper for every audience member who can sign in and has none yet (run
    before the window opens, as a background task). Safe to run twice. Returns how many
    were drawn. Someone without an active account cannot start; if they get one later,
    their start draws their paper then (the start's ordinary path)."""
    drawer = PaperDrawer(session)
    have = Attempt.objects.filter(session=session).values("staff_id")
    staff_ids = list(
        audience_staff(session=session)
        .filter(user__isnull=False, user__is_active=True)
        .exclude(pk__in=have)
        .values_list("pk", flat=True)
    )
    made = 0
    for start in range(0, len(staff_ids), batch_size):
        chunk = staff_ids[start : start + batch_size]
        # Drawn before anything is written: each attempt row is inserted with its paper
        # ready to send (`render_paper`) and its maximum score, then the items; nothing
        # is updated afterwards. A city's monthly exam is a few hundred thousand item
        # rows: they go in through the fast insert (COPY on PostgreSQL, one executemany
        # on SQLite) as plain rows, not model instances.
        seeds = [_new_seed() for _pk in chunk]
        papers = [drawer.item_rows(seed) for seed in seeds]
        attempts = [
            {
                "session_id": session.pk,
                "staff_id": pk,
                "number": 1,
                "seed": seed,
                "paper": render_paper_rows(rows),
                "max_score": sum((row["points"] for row in rows), Decimal(0)),
            }
            for pk, seed, rows in zip(chunk, seeds, papers, strict=True)
        ]
        with transaction.atomic():
            ids = insert_rows(Attempt, attempts)
            items = []
            for attempt_id, rows in zip(ids, papers, strict=True):
                for row in rows:
                    row["attempt_id"] = attempt_id
                items.extend(rows)
            insert_rows(AttemptItem, items)
        made += len(chunk)
    ExamSession.objects.filter(pk=session.pk).update(papers_prepared_at=timezone.now())
    return made


def render_paper_rows(rows: list[dict]) -> str:
    """`render_paper` for item rows (`PaperDrawer.item_rows`)."""
    return json.dumps(
        [
            {
                "position": row["position"],
                "type": row["type"],
                "stem": row["stem"],
                "options": row["options"],
                "points": str(row["points"]),
                "answer": None,
                "seq": 0,
            }
            for row in rows
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


def render_paper(items: list[AttemptItem]) -> str:
    """The paper as the start returns it (JSON, no key, nothing answered), written when
    the paper is drawn ahead so that a mass start sends it without reading the items
    (`selectors.attempt_payload_json`)."""
    return render_paper_rows(
        [
            {
                "position": item.position,
                "type": item.type,
                "stem": item.stem,
                "options": item.options,
                "points": item.points,
            }
            for item in items
        ]
    )
