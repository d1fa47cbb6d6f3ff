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
from django.utils.translation import gettext


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
    """The session's row on the learner's exam list (it starts the sitting with a POST)."""
    listing = _url(("exams:list",))
    return f"{listing}#session-{session.public_id}" if listing else ""


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


def knowledge_point_choices() -> list[tuple[int, str]]:
    """(id, name) of every knowledge point, for choosing what a class covers."""
    return list(_models().KnowledgePoint.objects.order_by("name").values_list("pk", "name"))


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


@dataclass(frozen=True)
class Published:
    """A session made by the cycle and what its publication met: `shortages` lists one
    message per blueprint rule the bank cannot fill (the session then stays closed)."""

    session_id: int
    shortages: tuple[str, ...] = ()

    @property
    def published(self) -> bool:
        return not self.shortages


def _create_and_publish(*, created_by=None, **fields) -> Published:
    """The one publish path: the session is created unpublished and then published the
    way a coordinator publishes one (blueprint check, papers drawn ahead in the
    background). A short bank leaves it closed and says which rules are short."""
    from django.core.exceptions import ValidationError

    from exams.services import exam_session_create, exam_session_publish

    session = exam_session_create(created_by=created_by, publish=False, **fields)
    try:
        exam_session_publish(session=session, acting_user=created_by)
    except ValidationError as error:
        shortages = tuple(str(m) for m in error.messages)
        _tell_coordinators(session, shortages)
        return Published(session.pk, shortages)
    return Published(session.pk)


def _tell_coordinators(session, shortages: tuple[str, ...]) -> None:
    """The coordinators responsible for the session's unit (bound to it or a unit above
    it) learn that it stays closed and which rules the bank cannot fill."""
    from organisation.models import Role, RoleAssignment

    from .services.notifications import NotificationDraft, notifications_send_many

    unit = session.department
    above = [unit.path[:end] for end in range(len(unit.path), 0, -unit.steplen)]
    users = {
        a.user.pk: a.user
        for a in RoleAssignment.objects.filter(
            role=Role.COORDINATOR, department__path__in=above, user__is_active=True
        ).select_related("user")
    }
    title = gettext("Not opened, the question bank is short: %(title)s") % {"title": session.title}
    notifications_send_many(
        drafts=[
            NotificationDraft(
                user=user,
                key=f"bank-short:{session.pk}",
                title=title[:200],
                body="\n".join(shortages),
                url=_url(("exams_bank:list",)),
            )
            for user in users.values()
        ]
    )


def session_shortages(*, session_id: int) -> list[str]:
    """What keeps an unpublished session closed (empty when it is published)."""
    from exams.services import blueprint_check

    session = _models().ExamSession.objects.filter(pk=session_id).first()
    if session is None or session.published:
        return []
    return [s.message() for s in blueprint_check(session=session)]


def session_publish_retry(*, session_id: int, acting_user=None) -> Published:
    """Publish a session held back by a short bank, once the bank has been filled."""
    from django.core.exceptions import ValidationError

    from exams.services import exam_session_publish

    session = _models().ExamSession.objects.get(pk=session_id)
    try:
        exam_session_publish(session=session, acting_user=acting_user)
    except ValidationError as error:
        return Published(session.pk, tuple(str(m) for m in error.messages))
    return Published(session.pk)


# Objective question types a check may be drawn from, in order of preference.
OBJECTIVE_TYPES = ("single", "true_false", "multiple")


@dataclass(frozen=True)
class CheckPlan:
    """Blueprint rules for a short check over some knowledge points, drawn from what the
    bank has. `problems` says, per point, why it could not be covered as asked."""

    rules: list[dict]
    problems: list[str]


def _objective_counts() -> dict[int, dict[str, int]]:
    """Active objective questions per knowledge point and type (the point alone)."""
    from django.db.models import Count

    models = _models()
    counts: dict[int, dict[str, int]] = {}
    rows = (
        models.Question.objects.filter(
            status=models.QuestionStatus.ACTIVE,
            type__in=OBJECTIVE_TYPES,
            knowledge_point__isnull=False,
        )
        .values_list("knowledge_point_id", "type")
        .annotate(n=Count("pk"))
    )
    for point_id, qtype, n in rows:
        counts.setdefault(point_id, {})[qtype] = n
    return counts


def check_rules(*, knowledge_point_ids: Iterable[int], per_point: int) -> CheckPlan:
    """Rules for `per_point` questions on each knowledge point, drawn from any objective
    type the bank has for it (and the points below it); when the point has too few, its
    parent point is used instead (and so on up). Points sharing a fallback are asked
    together, so no question can be drawn twice. A point nothing can cover is reported."""
    models = _models()
    parents = dict(models.KnowledgePoint.objects.values_list("pk", "parent_id"))
    names = dict(models.KnowledgePoint.objects.values_list("pk", "name"))
    alone = _objective_counts()
    children: dict[int, list[int]] = {}
    for pk, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(pk)

    def below(point: int) -> dict[str, int]:
        total: dict[str, int] = {}
        stack = [point]
        while stack:
            current = stack.pop()
            for qtype, n in alone.get(current, {}).items():
                total[qtype] = total.get(qtype, 0) + n
            stack.extend(children.get(current, ()))
        return total

    def ancestors(point: int) -> list[int]:
        chain = []
        while point is not None and point not in chain:
            chain.append(point)
            point = parents.get(point)
        return chain

    wanted: dict[int, int] = {}
    problems: list[str] = []
    for point in dict.fromkeys(int(p) for p in knowledge_point_ids):
        if point not in parents:
            continue
        target = None
        for candidate in ancestors(point):
            if sum(below(candidate).values()) >= per_point:
                target = candidate
                break
        if target is None:  # not even the top point has enough: ask what there is
            top = ancestors(point)[-1]
            if sum(below(top).values()):
                target = top
            else:
                problems.append(
                    gettext("“%(point)s” has no active objective questions in the bank.")
                    % {"point": names[point]}
                )
                continue
        if target != point:
            problems.append(
                gettext("“%(point)s” has too few questions; the check uses “%(parent)s”.")
                % {"point": names[point], "parent": names[target]}
            )
        wanted[target] = wanted.get(target, 0) + per_point
    # A point asked together with one of its ancestors is asked through the ancestor.
    for point in list(wanted):
        for ancestor in ancestors(point)[1:]:
            if ancestor in wanted:
                wanted[ancestor] += wanted.pop(point)
                break
    rules: list[dict] = []
    for point, count in wanted.items():
        have = below(point)
        count = min(count, sum(have.values()))
        # Share the count between the types the bank has, most plentiful first, never
        # asking a type for more than it holds.
        plan = dict.fromkeys(OBJECTIVE_TYPES, 0)
        left = count
        while left:
            open_types = [t for t in OBJECTIVE_TYPES if plan[t] < have.get(t, 0)]
            share = max(1, left // len(open_types))
            for qtype in open_types:
                take = min(share, have.get(qtype, 0) - plan[qtype], left)
                plan[qtype] += take
                left -= take
                if not left:
                    break
        rules.extend(
            {"type": qtype, "count": n, "knowledge_point_id": point}
            for qtype, n in plan.items()
            if n
        )
    total = sum(r["count"] for r in rules)
    if total:
        each = (Decimal(100) / total).quantize(Decimal("0.1"))
        for rule in rules:
            rule["points"] = each
    return CheckPlan(rules, problems)


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
    next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    made = _create_and_publish(
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
    return made.session_id


def makeup_session_create(
    *, title: str, original_session_id: int, staff_ids: Iterable[int], created_by=None
) -> int | None:
    """The same blueprint for those who missed it, open for the next seven days."""
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
    made = _create_and_publish(
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
    return made.session_id


def followup_session_create(
    *,
    title: str,
    knowledge_point_ids: Iterable[int],
    staff_ids: Iterable[int],
    department=None,
    created_by=None,
) -> int | None:
    """A short check (5 objective questions per weak point, whatever objective types the
    bank has; see `check_rules`), open for 21 days. None when nothing can be drawn
    (`check_rules(...).problems` says why)."""
    if department is None:
        return None
    plan = check_rules(knowledge_point_ids=knowledge_point_ids, per_point=FOLLOWUP_PER_POINT)
    if not plan.rules:
        return None
    today = timezone.localdate()
    made = _create_and_publish(
        title=title[:200],
        kind=_models().SessionKind.WEEKLY_QUIZ,
        department=department,
        opens_at=_local(today, 0),
        closes_at=_local(today + datetime.timedelta(days=21), 23),
        duration_minutes=30,
        staff_ids=list(staff_ids),
        rules=plan.rules,
        created_by=created_by,
        window_staff_only=False,
    )
    return made.session_id


FOLLOWUP_PER_POINT = 5


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
    """The module's weekly quiz: about `size` objective questions over its knowledge
    points (see `check_rules`), open during the module's week, as many attempts as
    wanted (the best counts)."""
    if department is None:
        return None
    points = _point_ids(knowledge_point_ids)
    if not points:
        return None
    plan = check_rules(knowledge_point_ids=points, per_point=max(1, size // len(points)))
    if not plan.rules:
        return None
    made = _create_and_publish(
        title=title[:200],
        kind=_models().SessionKind.WEEKLY_QUIZ,
        department=department,
        opens_at=_local(opens_on, 0),
        closes_at=_local(closes_on, 23),
        duration_minutes=20,
        staff_ids=list(staff_ids),
        rules=plan.rules,
        window_staff_only=False,
        options={"attempts_allowed": 5},
    )
    return made.session_id


def session_title(*, session_id: int | None) -> str:
    if not session_id:
        return ""
    return (
        _models().ExamSession.objects.filter(pk=session_id).values_list("title", flat=True).first()
        or ""
    )


def exam_link(*, session_id: int | None) -> ExamLink | None:
    """The session's title, its row on the learner's exam list and its window."""
    session = _models().ExamSession.objects.filter(pk=session_id).first() if session_id else None
    if session is None:
        return None
    return ExamLink(session.title, _session_url(session), session.opens_at, session.closes_at)


def quiz_url(*, session_id: int | None) -> str:
    link = exam_link(session_id=session_id)
    return link.url if link else ""


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


def session_scores(*, session_id: int) -> dict[int, Decimal]:
    """{staff id: percent} of the counted, scored attempts: `session_results` without
    the knowledge-point breakdown (a weekly quiz's result needs only the score)."""
    from exams.selectors import counted_attempts

    session = _models().ExamSession.objects.filter(pk=session_id).first()
    if session is None:
        return {}
    return {
        staff_id: attempt.percent if attempt.percent is not None else Decimal(0)
        for staff_id, attempt in counted_attempts(session=session).items()
        if attempt.passed is not None
    }


def sessions_with_finished_attempts(*, session_ids: Iterable[int]) -> set[int]:
    """Of these sessions, the ones somebody has finished an attempt in."""
    models = _models()
    return set(
        models.Attempt.objects.filter(
            session_id__in=list(session_ids), status__in=models.FINISHED_STATUSES
        )
        .values_list("session_id", flat=True)
        .distinct()
    )


def sessions_closing_since(*, session_ids: Iterable[int], since: datetime.datetime) -> set[int]:
    """Of these sessions, the ones still open or closed at `since` or later."""
    return set(
        _models()
        .ExamSession.objects.filter(pk__in=list(session_ids), closes_at__gte=since)
        .values_list("pk", flat=True)
    )


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
