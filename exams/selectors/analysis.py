"""Item analysis of a session: distribution, pass rate by unit, facility,
upper-lower 27% discrimination, option counts and KR-20, over the counted attempts."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..models import Attempt, AttemptItem, ExamSession
from .results import counted_attempts


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


def session_analysis(*, session: ExamSession) -> SessionAnalysis:
    """Score distribution, pass rate by unit, item analysis (facility, upper-lower 27%
    discrimination, option frequencies) and KR-20 reliability over counted attempts."""
    counted = list(counted_attempts(session=session).values())
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
            for choice in item.answer if isinstance(item.answer, list) else [item.answer]:
                if choice not in (None, ""):
                    options[str(choice)] += 1
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
