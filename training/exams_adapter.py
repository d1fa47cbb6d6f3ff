"""The exam engine as the training cycle sees it.

Everything training needs from the exam engine (sessions, attempts, scores per
knowledge point, practice sets, the mistake book) goes through these few functions,
so the rest of the app only handles plain ids and small dataclasses. The exam engine is
a required app (it sits a layer below training).

Uses the engine's public functions only: exams.services.exam_session_create,
exams.selectors.{open_sessions_for, upcoming_sessions_for, attempts_of, mistakes_of,
session_results, learner_may_see_score} and the PracticeSet / ExamSession models.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone


@dataclass(frozen=True)
class ExamLink:
    title: str
    url: str
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None


@dataclass(frozen=True)
class ResultLine:
    title: str
    score: Decimal | None
    passed: bool | None
    at: datetime.datetime | None


@dataclass
class ExamResult:
    """One person's result in a session: total score (0-100) and per knowledge point
    {id: (name, percent)}."""

    staff_id: int
    score: Decimal
    passed: bool
    points: dict[int, tuple[str, float]] = field(default_factory=dict)


def _models():
    from exams import models

    return models


def _url(names: tuple[str, ...], *args) -> str:
    """The engine's page for something, if it has one (its HTML pages may come later)."""
    for name in names:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            continue
    return ""


def _session_url(session) -> str:
    """The learner's exam list (it starts the sitting with a POST)."""
    return _url(("exams:list",))


def open_exams(*, staff) -> list[ExamLink]:
    from exams.selectors import open_sessions_for

    return [
        ExamLink(s.title, _session_url(s), s.opens_at, s.closes_at)
        for s in open_sessions_for(staff=staff)
    ]


def upcoming_exams(*, staff) -> list[ExamLink]:
    from exams.selectors import upcoming_sessions_for

    return [
        ExamLink(s.title, _session_url(s), s.opens_at, s.closes_at)
        for s in upcoming_sessions_for(staff=staff)[:5]
    ]


def recent_results(*, staff, limit: int = 5) -> list[ResultLine]:
    from exams.selectors import attempts_of, learner_may_see_score

    lines = []
    for attempt in attempts_of(staff=staff)[:limit]:
        visible = learner_may_see_score(attempt)
        lines.append(
            ResultLine(
                attempt.session.title,
                attempt.percent if visible else None,
                attempt.passed if visible else None,
                attempt.finished_at,
            )
        )
    return lines


def mistakes_to_review(*, staff) -> int:
    from exams.selectors import mistakes_of

    return mistakes_of(staff=staff).count()


def mistakes_url() -> str:
    return _url(("exams:mistakes", "exams:mistake_book"))


def practice_url(*, practice_set_id: int | None) -> str:
    if not practice_set_id:
        return ""
    url = _url(("exams:practice",))
    return f"{url}?set={int(practice_set_id)}" if url else ""


def _point_ids(ids: Iterable[int]) -> list[int]:
    return list(
        _models().KnowledgePoint.objects.filter(pk__in=list(ids)).values_list("pk", flat=True)
    )


def knowledge_point_ids_for_names(names: Iterable[str]) -> list[int]:
    return list(
        _models().KnowledgePoint.objects.filter(name__in=list(names)).values_list("pk", flat=True)
    )


def practice_set_for_points(
    *, title: str, knowledge_point_ids: Iterable[int], size: int = 10
) -> int | None:
    models = _models()
    practice = models.PracticeSet.objects.create(title=title[:200], size=size)
    practice.knowledge_points.set(_point_ids(knowledge_point_ids))
    return practice.pk


# The monthly exam's default blueprint (100 points); settings.TRAINING_MONTHLY_BLUEPRINT
# overrides it. Each rule: {"type", "count", "points", "knowledge_point_id"?}.
MONTHLY_BLUEPRINT = [
    {"type": "single", "count": 30, "points": Decimal("2")},
    {"type": "multiple", "count": 10, "points": Decimal("2")},
    {"type": "true_false", "count": 20, "points": Decimal("1")},
]


def _local(day: datetime.date, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def monthly_session_create(
    *,
    title: str,
    month: datetime.date,
    staff_ids: Iterable[int],
    department=None,
    created_by=None,
) -> int | None:
    """One sitting for the month: open from the 20th 09:00 to the month's last day 18:00."""
    if department is None:
        return None
    from exams.services import exam_session_create

    next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    session = exam_session_create(
        title=title[:200],
        kind=_models().SessionKind.MONTHLY,
        department=department,
        opens_at=_local(month.replace(day=20), 9),
        closes_at=_local(next_month - datetime.timedelta(days=1), 18),
        duration_minutes=90,
        staff_ids=list(staff_ids),
        rules=list(getattr(settings, "TRAINING_MONTHLY_BLUEPRINT", MONTHLY_BLUEPRINT)),
        created_by=created_by,
        window_staff_only=False,
    )
    return session.pk


def makeup_session_create(
    *, title: str, original_session_id: int, staff_ids: Iterable[int], created_by=None
) -> int | None:
    """The same blueprint for those who missed it, open for the next seven days."""
    from exams.services import exam_session_create

    original = _models().ExamSession.objects.get(pk=original_session_id)
    rules = [
        {
            "type": r.type,
            "count": r.count,
            "points": r.points,
            "knowledge_point_id": r.knowledge_point_id,
            "difficulty": r.difficulty,
        }
        for r in original.rules.all()
    ]
    today = timezone.localdate()
    session = exam_session_create(
        title=title[:200],
        kind=original.kind,
        department=original.department,
        opens_at=_local(today + datetime.timedelta(days=1), 9),
        closes_at=_local(today + datetime.timedelta(days=7), 18),
        duration_minutes=original.duration_minutes,
        staff_ids=list(staff_ids),
        rules=rules,
        pass_mark=original.pass_mark,
        created_by=created_by,
        window_staff_only=False,
    )
    return session.pk


def followup_session_create(
    *,
    title: str,
    knowledge_point_ids: Iterable[int],
    staff_ids: Iterable[int],
    department=None,
    created_by=None,
) -> int | None:
    """A short quiz (5 single-choice questions per weak point), open for 21 days."""
    if department is None:
        return None
    points = _point_ids(knowledge_point_ids)
    if not points:
        return None
    from exams.services import exam_session_create

    each = (Decimal(100) / (5 * len(points))).quantize(Decimal("0.1"))
    today = timezone.localdate()
    session = exam_session_create(
        title=title[:200],
        kind=_models().SessionKind.WEEKLY_QUIZ,
        department=department,
        opens_at=_local(today, 0),
        closes_at=_local(today + datetime.timedelta(days=21), 23),
        duration_minutes=30,
        staff_ids=list(staff_ids),
        rules=[
            {"type": "single", "count": 5, "points": each, "knowledge_point_id": point}
            for point in points
        ],
        created_by=created_by,
        window_staff_only=False,
    )
    return session.pk


def weekly_quiz_create(
    *,
    title: str,
    knowledge_point_ids: Iterable[int],
    staff_ids: Iterable[int],
    opens_on: datetime.date,
    closes_on: datetime.date,
    department=None,
    size: int = 10,
) -> int | None:
    """The module's weekly quiz: `size` single-choice questions over its knowledge points,
    open during the module's week, as many attempts as wanted (the best counts)."""
    if department is None:
        return None
    points = _point_ids(knowledge_point_ids)
    if not points:
        return None
    from exams.services import exam_session_create

    per_point, extra = divmod(size, len(points))
    each = (Decimal(100) / size).quantize(Decimal("0.1"))
    rules = [
        {
            "type": "single",
            "count": per_point + (1 if i < extra else 0),
            "points": each,
            "knowledge_point_id": point,
        }
        for i, point in enumerate(points)
        if per_point + (1 if i < extra else 0)
    ]
    session = exam_session_create(
        title=title[:200],
        kind=_models().SessionKind.WEEKLY_QUIZ,
        department=department,
        opens_at=_local(opens_on, 0),
        closes_at=_local(closes_on, 23),
        duration_minutes=20,
        staff_ids=list(staff_ids),
        rules=rules,
        window_staff_only=False,
    )
    _models().ExamSession.objects.filter(pk=session.pk).update(attempts_allowed=5)
    return session.pk


def quiz_url(*, session_id: int | None) -> str:
    if not session_id:
        return ""
    session = _models().ExamSession.objects.filter(pk=session_id).first()
    return _session_url(session) if session else ""


def session_is_over(*, session_id: int) -> bool:
    return (
        _models().ExamSession.objects.filter(pk=session_id, closes_at__lte=timezone.now()).exists()
    )


def session_results(*, session_id: int) -> dict[int, ExamResult]:
    """{staff id: ExamResult} from the counted attempts (scores as percent)."""
    from exams.selectors import session_results as engine_results

    session = _models().ExamSession.objects.filter(pk=session_id).first()
    if session is None:
        return {}
    return {
        staff_id: ExamResult(
            staff_id=staff_id,
            score=row["percent"] if row["percent"] is not None else Decimal(0),
            passed=bool(row["passed"]),
            points=row["points"],
        )
        for staff_id, row in engine_results(session=session).items()
        if row["passed"] is not None
    }


def year_results(*, staff_ids: Iterable[int], year: int) -> dict[int, list[str]]:
    """Each person's monthly exam results of the year, as short text ("03: 78.0")."""
    models = _models()
    rows = (
        models.Attempt.objects.filter(
            staff_id__in=list(staff_ids),
            status__in=models.FINISHED_STATUSES,
            session__kind=models.SessionKind.MONTHLY,
            finished_at__year=year,
        )
        .order_by("staff_id", "finished_at")
        .values_list("staff_id", "finished_at", "percent")
    )
    out: dict[int, list[str]] = {}
    for staff_id, finished, percent in rows:
        out.setdefault(staff_id, []).append(
            f"{timezone.localtime(finished):%m}: {percent if percent is not None else '—'}"
        )
    return out
