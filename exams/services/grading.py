"""Scoring finished attempts and grading by a person."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import connection, transaction

from audit.services import audit_record

from ..messages import MSG_POINTS
from ..models import Attempt, AttemptItem
from ..scoring import score_answer
from .practice import _is_mistake, _record_mistakes_many


def _finish(attempt: Attempt, *, status: str, at: datetime.datetime) -> Attempt:
    items = list(attempt.items.all())
    _score_items(items, partial_credit=attempt.session.partial_credit)
    AttemptItem.objects.bulk_update(items, ["awarded"])
    attempt.status = status
    attempt.finished_at = at
    _total(attempt, items)
    attempt.save(
        update_fields=["status", "finished_at", "score", "percent", "passed", "needs_grading"]
    )
    return attempt


def _score_items(items: list[AttemptItem], *, partial_credit: bool) -> None:
    for item in items:
        if item.is_objective:
            item.awarded = score_answer(
                qtype=item.type,
                key=item.key,
                answer=item.answer,
                points=item.points,
                partial_credit=partial_credit,
            )
        elif item.answer in (None, "", []) and item.awarded is None:
            item.awarded = Decimal(0)  # nothing to grade


def _total(attempt: Attempt, items: list[AttemptItem]) -> None:
    pending = any(i.awarded is None for i in items)
    score = sum((i.awarded or Decimal(0) for i in items), Decimal(0))
    attempt.score = score
    attempt.max_score = sum((i.points for i in items), Decimal(0)) or attempt.max_score
    attempt.percent = (
        (score * 100 / attempt.max_score).quantize(Decimal("0.1"))
        if attempt.max_score
        else Decimal(0)
    )
    attempt.needs_grading = pending
    attempt.passed = None if pending else attempt.percent >= attempt.session.pass_mark


def _finish_many(attempts: list[Attempt], *, status: str) -> None:
    by_attempt: dict[int, list[AttemptItem]] = {a.pk: [] for a in attempts}
    for item in AttemptItem.objects.filter(attempt_id__in=list(by_attempt)).only(
        "attempt_id", "question_id", "type", "key", "answer", "points", "awarded"
    ):
        by_attempt[item.attempt_id].append(item)
    changed: list[AttemptItem] = []
    for attempt in attempts:
        items = by_attempt[attempt.pk]
        before = [i.awarded for i in items]
        _score_items(items, partial_credit=attempt.session.partial_credit)
        changed.extend(i for i, old in zip(items, before, strict=True) if i.awarded != old)
        attempt.status = status
        attempt.finished_at = attempt.deadline
        _total(attempt, items)
    _write_awarded(changed)
    Attempt.objects.bulk_update(
        attempts,
        ["status", "finished_at", "score", "max_score", "percent", "passed", "needs_grading"],
        batch_size=1000,
    )
    _record_mistakes_many(
        [(a.staff_id, i) for a in attempts for i in by_attempt[a.pk] if _is_mistake(i)]
    )


def _write_awarded(items: list[AttemptItem], chunk: int = 5000) -> None:
    """Write many items' awarded points in a few statements (bulk_update's CASE
    expression grows slow with thousands of rows)."""
    table = AttemptItem._meta.db_table
    for start in range(0, len(items), chunk):
        part = items[start : start + chunk]
        values = ", ".join(["(%s, %s)"] * len(part))
        params: list = []
        for item in part:
            params.extend([item.pk, None if item.awarded is None else str(item.awarded)])
        cast = "::numeric" if connection.vendor == "postgresql" else ""
        cast_id = "::bigint" if connection.vendor == "postgresql" else ""
        sql = (
            f"UPDATE {table} SET awarded = v.awarded{cast} "  # noqa: S608 - fixed names
            f"FROM (VALUES {values}) AS v(id, awarded) WHERE {table}.id = v.id{cast_id}"
        )
        if connection.vendor != "postgresql":
            sql = (
                f"WITH v(id, awarded) AS (VALUES {values}) "  # noqa: S608 - fixed names
                f"UPDATE {table} SET awarded = (SELECT v.awarded FROM v WHERE v.id = {table}.id) "
                f"WHERE id IN (SELECT id FROM v)"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def item_grade(
    *, item: AttemptItem, points, acting_user, rubric_scores=None, request=None
) -> AttemptItem:
    points = Decimal(str(points))
    if not Decimal(0) <= points <= item.points:
        raise ValidationError(MSG_POINTS, params={"max": item.points})
    with transaction.atomic():
        old = item.awarded
        item.awarded = points
        item.graded_by = acting_user
        item.rubric_scores = rubric_scores or []
        item.save(update_fields=["awarded", "graded_by", "rubric_scores"])
        attempt = (
            Attempt.objects.select_for_update().select_related("session").get(pk=item.attempt_id)
        )
        _total(attempt, list(attempt.items.all()))
        attempt.save(update_fields=["score", "percent", "passed", "needs_grading"])
        audit_record(
            action="exam.item_graded",
            actor=acting_user,
            target=attempt,
            request=request,
            data={
                "position": item.position,
                "from": str(old) if old is not None else None,
                "to": str(points),
            },
        )
    return item
