"""Scoring finished attempts and grading by a person."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils.module_loading import import_string

from audit.services import audit_record

from ..messages import MSG_POINTS, MSG_RUBRIC_COUNT, MSG_RUBRIC_SUM
from ..models import FINISHED_STATUSES, OBJECTIVE_TYPES, Attempt, AttemptItem
from ..scoring import score_answer
from .practice import _is_mistake, _record_mistakes_many


def _finish(attempt: Attempt, *, status: str, at: datetime.datetime) -> Attempt:
    items = list(attempt.items.all())
    _score_items(items, partial_credit=attempt.session.partial_credit)
    AttemptItem.objects.bulk_update(items, ["awarded"])
    attempt.status = status
    attempt.finished_at = at
    attempt.paper = ""  # the prepared paper has served
    _total(attempt, items)
    attempt.save(
        update_fields=[
            "status",
            "finished_at",
            "score",
            "percent",
            "passed",
            "needs_grading",
            "paper",
        ]
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


class _ItemRow:
    """An item as the batched scorer reads it: the fields `_score_items`, `_total` and
    the mistake book use, without a model instance."""

    __slots__ = ("answer", "attempt_id", "awarded", "key", "pk", "points", "question_id", "type")

    def __init__(self, pk, attempt_id, question_id, type, key, answer, points, awarded):
        self.pk, self.attempt_id, self.question_id, self.type = pk, attempt_id, question_id, type
        self.key, self.answer, self.points, self.awarded = key, answer, points, awarded

    @property
    def is_objective(self) -> bool:
        return self.type in OBJECTIVE_TYPES


def _score_many(attempts: list[Attempt]) -> None:
    """Score closed attempts (status and finish time already set on the objects) from
    exactly the answers stored, and write everything in a few statements: one SELECT of
    the items, the points with one UPDATE ... FROM (VALUES ...) per few thousand items,
    one bulk UPDATE of the attempts, the mistake book in three."""
    by_attempt: dict[int, list[_ItemRow]] = {a.pk: [] for a in attempts}
    # Rows, not model instances: a batch of 500 attempts is 50,000 items, and building
    # the instances was most of the scorer's CPU.
    for row in AttemptItem.objects.filter(attempt_id__in=list(by_attempt)).values_list(
        "pk", "attempt_id", "question_id", "type", "key", "answer", "points", "awarded"
    ):
        by_attempt[row[1]].append(_ItemRow(*row))
    changed: list[_ItemRow] = []
    for attempt in attempts:
        items = by_attempt[attempt.pk]
        before = [i.awarded for i in items]
        _score_items(items, partial_credit=attempt.session.partial_credit)
        changed.extend(i for i, old in zip(items, before, strict=True) if i.awarded != old)
        _total(attempt, items)
        attempt.paper = ""  # the prepared paper has served
    _write_awarded(changed)
    Attempt.objects.bulk_update(
        attempts,
        [
            "status",
            "finished_at",
            "score",
            "max_score",
            "percent",
            "passed",
            "needs_grading",
            "paper",
        ],
        batch_size=1000,
    )
    _record_mistakes_many(
        [(a.staff_id, i) for a in attempts for i in by_attempt[a.pk] if _is_mistake(i)]
    )


def results_changed(attempts: list[Attempt], *, acting_user, request) -> None:
    """Tell the apps that copied results (certificates: the theory score of an
    assessment) that these finished attempts were re-scored; called inside the
    transaction. The engine knows nothing of them: they are listed in
    settings.EXAM_RESULTS_CHANGED_HOOKS (dotted paths)."""
    for path in getattr(settings, "EXAM_RESULTS_CHANGED_HOOKS", []) or []:
        import_string(path)(attempts=attempts, acting_user=acting_user, request=request)


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


def rubric_check(*, item: AttemptItem, points: Decimal, rubric_scores) -> list[Decimal]:
    """Scores per rubric criterion: one per criterion, each within its own maximum, and
    together the total. Returns them as decimals (empty when none were given)."""
    if not rubric_scores:
        return []
    criteria = [r for r in item.rubric or [] if isinstance(r, dict)]
    scores = [Decimal(str(v)) for v in rubric_scores]
    if len(scores) != len(criteria):
        raise ValidationError(MSG_RUBRIC_COUNT, params={"n": len(criteria)}, code="rubric")
    for score, criterion in zip(scores, criteria, strict=True):
        if not Decimal(0) <= score <= Decimal(str(criterion.get("points") or 0)):
            raise ValidationError(
                MSG_POINTS, params={"max": criterion.get("points")}, code="rubric"
            )
    total = sum(scores, Decimal(0))
    if total != points:
        raise ValidationError(
            MSG_RUBRIC_SUM, params={"sum": total, "points": points}, code="rubric"
        )
    return scores


def item_grade(
    *,
    item: AttemptItem,
    points,
    acting_user,
    rubric_scores=None,
    comment: str = "",
    request=None,
) -> AttemptItem:
    """A person's score for an open answer (optionally per rubric criterion, which must
    add up to the points) and a comment the learner reads with the result."""
    points = Decimal(str(points))
    if not Decimal(0) <= points <= item.points:
        raise ValidationError(MSG_POINTS, params={"max": item.points})
    scores = rubric_check(item=item, points=points, rubric_scores=rubric_scores)
    with transaction.atomic():
        old = item.awarded
        item.awarded = points
        item.graded_by = acting_user
        item.rubric_scores = [str(v) for v in scores]
        item.comment = (comment or "").strip()
        item.save(update_fields=["awarded", "graded_by", "rubric_scores", "comment"])
        attempt = (
            Attempt.objects.select_for_update().select_related("session").get(pk=item.attempt_id)
        )
        _total(attempt, list(attempt.items.all()))
        attempt.save(update_fields=["score", "percent", "passed", "needs_grading"])
        if attempt.status in FINISHED_STATUSES:
            results_changed([attempt], acting_user=acting_user, request=request)
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
