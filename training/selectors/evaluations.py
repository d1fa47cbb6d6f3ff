"""Results of the satisfaction questionnaires, in aggregate only.

A group (a class, a module, a trainer, a unit, a month) shows averages and comments
only from `TRAINING_EVALUATION_MIN_ANSWERS` (5) answers: below that its count is shown
and nothing else, so nobody's answer can be singled out. A reader sees the answers of
people in their own units (`departments_visible_to`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Avg, Count, QuerySet
from django.utils import timezone

from organisation.access import departments_visible_to

from ..models import EvaluationQuestion, EvaluationRating, EvaluationResponse


def min_answers() -> int:
    return int(getattr(settings, "TRAINING_EVALUATION_MIN_ANSWERS", 5))


def responses_visible_to(user) -> QuerySet[EvaluationResponse]:
    return EvaluationResponse.objects.filter(department__in=departments_visible_to(user))


def _round(value) -> Decimal | None:
    if value is None:
        return None
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class EvaluationSummary:
    key: str
    label: str
    count: int
    shown: bool
    averages: list[tuple[EvaluationQuestion, Decimal | None]] = field(default_factory=list)
    overall: Decimal | None = None
    comments: list[str] = field(default_factory=list)


def _summaries(
    responses: QuerySet[EvaluationResponse], group: str, labels: dict, *, comments: bool
) -> list[EvaluationSummary]:
    """One summary per value of `group` (a field of the response), in three queries."""
    questions = list(EvaluationQuestion.objects.order_by("order", "pk"))
    counts = dict(
        responses.values(group).annotate(n=Count("pk")).values_list(group, "n").order_by()
    )
    threshold = min_answers()
    shown_keys = [key for key, n in counts.items() if n >= threshold and key is not None]
    averages: dict = defaultdict(dict)
    overall: dict = {}
    texts: dict = defaultdict(list)
    if shown_keys:
        ratings = EvaluationRating.objects.filter(
            response__in=responses, **{f"response__{group}__in": shown_keys}
        )
        for key, question_id, avg in (
            ratings.values(f"response__{group}", "question_id")
            .annotate(avg=Avg("rating"))
            .values_list(f"response__{group}", "question_id", "avg")
            .order_by()
        ):
            averages[key][question_id] = _round(avg)
        for key, avg in (
            ratings.values(f"response__{group}")
            .annotate(avg=Avg("rating"))
            .values_list(f"response__{group}", "avg")
            .order_by()
        ):
            overall[key] = _round(avg)
        if comments:
            for key, text in (
                responses.filter(**{f"{group}__in": shown_keys})
                .exclude(comment="")
                .values_list(group, "comment")
                .order_by(group, "comment")  # not by time: no answer can be dated
            ):
                texts[key].append(text)
    result = []
    for key, n in counts.items():
        if key is None or key == "":
            continue
        shown = n >= threshold
        result.append(
            EvaluationSummary(
                key=str(key),
                label=str(labels.get(key, key)),
                count=n,
                shown=shown,
                averages=[(q, averages[key].get(q.pk)) for q in questions] if shown else [],
                overall=overall.get(key) if shown else None,
                comments=texts.get(key, []) if shown else [],
            )
        )
    result.sort(key=lambda s: s.label)
    return result


@dataclass
class EvaluationReport:
    questions: list[EvaluationQuestion]
    by_class: list[EvaluationSummary]
    by_module: list[EvaluationSummary]
    by_trainer: list[EvaluationSummary]
    by_unit: list[EvaluationSummary]
    trend: list[EvaluationSummary]
    min_answers: int


def evaluation_report(*, user) -> EvaluationReport:
    """Everything on the coordinators' evaluation page and in its xlsx."""
    from organisation.models import Department

    from ..models import TrainingClass, WeeklyModule

    responses = responses_visible_to(user)
    class_ids = set(responses.values_list("training_class_id", flat=True).distinct())
    module_ids = set(responses.values_list("module_id", flat=True).distinct())
    unit_ids = set(responses.values_list("department_id", flat=True).distinct())
    class_labels = {
        c.pk: f"{c.title}（{timezone.localtime(c.starts_at):%Y-%m-%d}）"
        for c in TrainingClass.objects.filter(pk__in=class_ids - {None})
    }
    module_labels = {
        m.pk: f"{m.track.name} · {m}"
        for m in WeeklyModule.objects.filter(pk__in=module_ids - {None}).select_related("track")
    }
    unit_labels = dict(Department.objects.filter(pk__in=unit_ids).values_list("pk", "name"))
    trend = _summaries(responses, "month", {}, comments=False)
    for summary in trend:
        summary.label = summary.key[:7]
    trend.sort(key=lambda s: s.key)
    return EvaluationReport(
        questions=list(EvaluationQuestion.objects.order_by("order", "pk")),
        by_class=_summaries(responses, "training_class_id", class_labels, comments=True),
        by_module=_summaries(responses, "module_id", module_labels, comments=True),
        by_trainer=_summaries(responses, "trainer_label", {}, comments=False),
        by_unit=_summaries(responses, "department_id", unit_labels, comments=False),
        trend=trend,
        min_answers=min_answers(),
    )


def class_evaluation(*, user, training_class) -> EvaluationSummary:
    """The aggregate of one class (as its reader may see it)."""
    responses = responses_visible_to(user).filter(training_class=training_class)
    found = _summaries(
        responses, "training_class_id", {training_class.pk: training_class.title}, comments=True
    )
    if found:
        return found[0]
    return EvaluationSummary(str(training_class.pk), training_class.title, 0, False)
