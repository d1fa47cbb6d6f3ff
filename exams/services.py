"""Writes of the exam engine. Each public service is one transaction.

Exam day in numbers: thousands start within minutes and each saves every few seconds
to minutes, so `attempt_start` is one UPDATE when papers were prepared ahead
(`exam_session_prepare_papers`), and `attempt_save` is one conditional UPDATE.
"""

from __future__ import annotations

import datetime
import random
import secrets
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from organisation.models import Department, Staff, StaffStatus

from .models import (
    FINISHED_STATUSES,
    OBJECTIVE_TYPES,
    Attempt,
    AttemptItem,
    AttemptStatus,
    BlueprintRule,
    ExamSession,
    ExtraTime,
    FixedQuestion,
    KnowledgePoint,
    MistakeEntry,
    Question,
    QuestionStatus,
    QuestionType,
)
from .scoring import is_correct, score_answer

MSG_NOT_OPEN = _("This exam is not open now.")
MSG_NOT_IN_AUDIENCE = _("You are not on the list for this exam.")
MSG_NO_ATTEMPTS_LEFT = _("You have used all your attempts for this exam.")
MSG_TIME_OVER = _("The time for this exam is over; the answer was not saved.")
MSG_BANK_SHORT = _(
    "Needs %(count)d %(type)s questions on %(point)s (difficulty %(difficulty)s), "
    "the bank has %(available)d."
)
MSG_POINTS = _("Points must be between 0 and %(max)s.")
MSG_RUBRIC_COUNT = _("Give a score for each of the %(n)s criteria.")
MSG_RUBRIC_SUM = _("The criteria add up to %(sum)s, not to the total of %(points)s.")
LETTERS = "ABCDEFGH"


# --- audience ------------------------------------------------------------------------


def audience_staff(*, session: ExamSession) -> QuerySet[Staff]:
    """Active staff the session is for: in a listed unit's subtree, or named (one
    query: the subtree test is an EXISTS on the materialised path)."""
    named = session.audience_staff.values("pk")
    in_listed_unit = Exists(
        session.audience_departments.filter(StartsWith(OuterRef("department__path"), F("path")))
    )
    queryset = Staff.objects.filter(in_listed_unit | Q(pk__in=named), status=StaffStatus.ACTIVE)
    if session.window_staff_only:
        queryset = queryset.filter(Q(is_window_staff=True) | Q(pk__in=named))
    return queryset


def staff_in_audience(*, session: ExamSession, staff: Staff) -> bool:
    """The same rule as `audience_staff`, for one person, with two plain indexed
    queries (memoised on the session object for the request) instead of compiling the
    subtree EXISTS: this runs on every start of a mass exam."""
    memo = session.__dict__.setdefault("_audience_memo", {})
    if staff.pk in memo:
        return memo[staff.pk]
    if staff.status != StaffStatus.ACTIVE:
        result = False
    elif session.audience_staff.filter(pk=staff.pk).exists():
        result = True
    elif session.window_staff_only and not staff.is_window_staff:
        result = False
    else:
        if "_audience_paths" not in session.__dict__:
            session._audience_paths = tuple(
                session.audience_departments.values_list("path", flat=True)
            )
        if "department" in staff._state.fields_cache:
            path = staff.department.path
        else:
            path = (
                Department.objects.filter(pk=staff.department_id)
                .values_list("path", flat=True)
                .first()
            )
        result = bool(path) and any(path.startswith(p) for p in session._audience_paths)
    memo[staff.pk] = result
    return result


# --- papers --------------------------------------------------------------------------


def _candidates(rule: BlueprintRule) -> list[Question]:
    queryset = Question.objects.filter(status=QuestionStatus.ACTIVE, type=rule.type)
    if rule.knowledge_point_id:
        queryset = queryset.filter(knowledge_point_id__in=_point_and_below(rule.knowledge_point_id))
    if rule.difficulty:
        queryset = queryset.filter(difficulty=rule.difficulty)
    return list(queryset.select_related("knowledge_point").order_by("id"))


def _point_and_below(point_id: int) -> list[int]:
    pairs = list(KnowledgePoint.objects.values_list("pk", "parent_id"))
    wanted, frontier = {point_id}, {point_id}
    while frontier:
        frontier = {pk for pk, parent in pairs if parent in frontier} - wanted
        wanted |= frontier
    return sorted(wanted)


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


# --- taking an exam ------------------------------------------------------------------


def attempt_deadline(
    *, session: ExamSession, staff: Staff, started_at: datetime.datetime
) -> datetime.datetime:
    extra = session.extra_times.filter(staff=staff).values_list("minutes", flat=True).first()
    end = started_at + datetime.timedelta(minutes=session.duration_minutes + (extra or 0))
    return min(end, session.closes_at)


def attempt_start(*, session: ExamSession, staff: Staff, now=None) -> Attempt:
    """Start (or resume) the person's attempt. Idempotent: a second tab, a reload or
    another device gets the same attempt and the same deadline."""
    now = now or timezone.now()
    current = (
        Attempt.objects.filter(session=session, staff=staff)
        .exclude(status__in=FINISHED_STATUSES)
        .order_by("-number")
        .first()
    )
    if current is not None and current.status == AttemptStatus.IN_PROGRESS:
        return current
    if not (session.published and session.opens_at <= now < session.closes_at):
        raise PermissionDenied(MSG_NOT_OPEN)
    if not staff_in_audience(session=session, staff=staff):
        raise PermissionDenied(MSG_NOT_IN_AUDIENCE)
    deadline = attempt_deadline(session=session, staff=staff, started_at=now)
    if current is not None:  # a prepared paper: one UPDATE, no drawing now
        updated = Attempt.objects.filter(pk=current.pk, status=AttemptStatus.PREPARED).update(
            status=AttemptStatus.IN_PROGRESS, started_at=now, deadline=deadline
        )
        if updated:
            # Mass start: no re-read, the row is what was just written.
            current.status, current.started_at, current.deadline = (
                AttemptStatus.IN_PROGRESS,
                now,
                deadline,
            )
            current.session = session
        else:  # another tab started it a moment ago: use what it wrote
            current.refresh_from_db()
        # No audit entry for a start: the attempt row itself records who started when
        # and the deadline it got, and an entry would serialise every start of a mass
        # exam on the audit chain's lock. Hand-ins, grades and key corrections are
        # audited.
        return current
    finished = Attempt.objects.filter(session=session, staff=staff).count()
    if finished >= session.attempts_allowed:
        raise PermissionDenied(MSG_NO_ATTEMPTS_LEFT)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                session=session,
                staff=staff,
                number=finished + 1,
                seed=_new_seed(),
                status=AttemptStatus.IN_PROGRESS,
                started_at=now,
                deadline=deadline,
            )
            items = PaperDrawer(session).items_for(attempt)
            AttemptItem.objects.bulk_create(items)
            attempt.max_score = sum((i.points for i in items), Decimal(0))
            attempt.save(update_fields=["max_score"])
    except IntegrityError:
        # Two tabs started at the same moment: the other one won; use its attempt.
        return Attempt.objects.get(session=session, staff=staff, number=finished + 1)
    return attempt


@dataclass(frozen=True)
class SaveResult:
    saved: bool
    seq: int
    reason: str = ""  # "" | "stale" | "closed" | "missing"


@cache
def _save_sql() -> str:
    item, attempt, staff = (
        AttemptItem._meta.db_table,
        Attempt._meta.db_table,
        Staff._meta.db_table,
    )
    return (
        f"UPDATE {item} SET answer = %s, seq = %s, answered_at = %s"  # noqa: S608 - fixed names
        f" FROM {attempt}, {staff}"
        f" WHERE {item}.attempt_id = {attempt}.id AND {attempt}.staff_id = {staff}.id"
        f" AND {attempt}.public_id = %s AND {staff}.user_id = %s"
        f" AND {attempt}.status = %s AND {attempt}.deadline > %s"
        f" AND {item}.position = %s AND {item}.seq < %s"
    )


def _save_update(attempt_id, user_id, position, answer, seq, now) -> int:
    """The hottest statement of exam day, written once: the ORM's version of this
    UPDATE (a subquery over two joins) cost more to compile than to run."""
    from django.db import connection

    at = connection.ops.adapt_datetimefield_value(now)
    params = [
        AttemptItem._meta.get_field("answer").get_db_prep_value(answer, connection),
        seq,
        at,
        Attempt._meta.get_field("public_id").get_db_prep_value(attempt_id, connection),
        user_id,
        AttemptStatus.IN_PROGRESS.value,
        at,
        position,
        seq,
    ]
    with connection.cursor() as cursor:
        cursor.execute(_save_sql(), params)
        return cursor.rowcount


def attempt_save(
    *, attempt_id, user_id: int, position: int, answer, seq: int, now=None
) -> SaveResult:
    """Store one answer if `seq` is newer than the stored one and time is not up.

    One conditional UPDATE; only when it touches nothing, one SELECT says why.
    """
    now = now or timezone.now()
    if _save_update(attempt_id, user_id, position, answer, seq, now):
        return SaveResult(True, seq)
    row = (
        AttemptItem.objects.filter(
            attempt__public_id=attempt_id, attempt__staff__user_id=user_id, position=position
        )
        .values_list("seq", "attempt__status", "attempt__deadline")
        .first()
    )
    if row is None:
        return SaveResult(False, 0, "missing")
    stored_seq, status, deadline = row
    if status != AttemptStatus.IN_PROGRESS or deadline is None or deadline <= now:
        return SaveResult(False, stored_seq, "closed")
    return SaveResult(False, stored_seq, "stale")


def attempt_record_leave(*, attempt_id, user_id: int) -> int:
    """Count one leaving of the page; 0 when the attempt is finished or not the user's."""
    from django.db.models import F

    return Attempt.objects.filter(
        public_id=attempt_id, staff__user_id=user_id, status=AttemptStatus.IN_PROGRESS
    ).update(leave_count=F("leave_count") + 1)


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


def attempt_submit(*, attempt: Attempt, now=None) -> Attempt:
    """Hand in. Idempotent; after the deadline it closes at the deadline instead."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("session").get(pk=attempt.pk)
        if attempt.is_finished or attempt.status != AttemptStatus.IN_PROGRESS:
            return attempt
        if attempt.deadline and now >= attempt.deadline:
            attempt = _finish(attempt, status=AttemptStatus.FINALISED, at=attempt.deadline)
            mistakes_from_attempt(attempt=attempt)
            return attempt
        attempt = _finish(attempt, status=AttemptStatus.SUBMITTED, at=now)
        mistakes_from_attempt(attempt=attempt)
        audit_record(
            action="exam.attempt_submitted", target=attempt, data={"score": str(attempt.score)}
        )
    return attempt


def attempts_finalise_overdue(*, now=None, batch_size: int = 500) -> int:
    """Close every attempt whose deadline has passed, with everything saved so far; its
    finish time is the deadline. Run by `manage.py finalise_attempts` (and a task).

    Works in batches: one locking SELECT, one SELECT of all their items, the awarded
    points written with one UPDATE ... FROM (VALUES ...) per few thousand items, and one
    bulk UPDATE of the attempts. Safe to run on several workers (SKIP LOCKED).
    """
    now = now or timezone.now()
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                Attempt.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("session")
                .filter(status=AttemptStatus.IN_PROGRESS, deadline__lte=now)
                .order_by("deadline")[:batch_size]
            )
            if batch:
                _finish_many(batch, status=AttemptStatus.FINALISED)
        done += len(batch)
        if len(batch) < batch_size:
            return done


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
    from django.db import connection

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


# --- grading and key corrections -----------------------------------------------------


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
    if sum(scores, Decimal(0)) != points:
        raise ValidationError(
            MSG_RUBRIC_SUM, params={"sum": sum(scores, Decimal(0)), "points": points}, code="rubric"
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


def question_correct_key(*, question: Question, answer: list, acting_user, request=None) -> int:
    """Correct a question's key and re-score every finished attempt that asked it.
    Returns the number of attempts re-scored."""
    with transaction.atomic():
        old = question.answer
        question.answer = answer
        question.save(update_fields=["answer", "updated_at"])
        AttemptItem.objects.filter(question=question).update(key=answer)
        attempts = list(
            Attempt.objects.select_related("session")
            .filter(status__in=FINISHED_STATUSES, items__question=question)
            .distinct()
        )
        for attempt in attempts:
            items = list(attempt.items.all())
            _score_items(
                [i for i in items if i.question_id == question.pk],
                partial_credit=attempt.session.partial_credit,
            )
            AttemptItem.objects.bulk_update(
                [i for i in items if i.question_id == question.pk], ["awarded"]
            )
            _total(attempt, items)
            attempt.save(update_fields=["score", "percent", "passed", "needs_grading"])
        audit_record(
            action="exam.key_corrected",
            actor=acting_user,
            target=question,
            request=request,
            data={"from": old, "to": answer, "rescored": len(attempts)},
        )
    return len(attempts)


# --- practice and the mistake book ---------------------------------------------------


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
    MistakeEntry.objects.bulk_create(
        [
            MistakeEntry(staff_id=s, question_id=q, wrong_count=n)
            for (s, q), n in wrong.items()
            if (s, q) not in existing
        ],
        batch_size=1000,
        ignore_conflicts=True,  # a concurrent practice answer created it: already in the book
    )
    by_times: dict[int, list[int]] = defaultdict(list)
    for pair, pk in existing.items():
        by_times[wrong[pair]].append(pk)
    now = timezone.now()
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


# --- sessions for other apps ---------------------------------------------------------


MSG_NO_QUESTIONS = _("The exam has no questions: add blueprint rules or a fixed paper.")
MSG_LOCKED_AFTER_OPENING = _(
    "The exam has opened: only the title, a later closing time, extra time and what "
    "learners see may still change."
)
MSG_CLOSE_NOT_EARLIER = _("Once the exam has opened, it may only close later, not earlier.")
MSG_CLOSED = _("This exam has already closed.")
MSG_PUBLISH_BLOCKED = _("Cannot publish: the question bank cannot fill the blueprint.")

# Settings of a session a coordinator edits (audience, paper and extra time apart).
SESSION_FIELDS = (
    "title",
    "kind",
    "department",
    "window_staff_only",
    "opens_at",
    "closes_at",
    "duration_minutes",
    "attempts_allowed",
    "counting",
    "pass_mark",
    "partial_credit",
    "shuffle_questions",
    "shuffle_options",
    "show_score",
    "show_answers",
)
# What may still change once the window has opened: nothing that alters a paper, a
# deadline already given or a score. Started attempts are never touched.
FIELDS_AFTER_OPENING = {"title", "closes_at", "show_score", "show_answers"}
# Changes that make prepared (not yet started) papers stale.
PAPER_FIELDS = {"window_staff_only", "shuffle_questions", "shuffle_options"}


def _set_paper(session: ExamSession, *, rules, fixed) -> None:
    """Replace the blueprint rules and / or the fixed paper (None: unchanged)."""
    if rules is not None:
        session.rules.all().delete()
        BlueprintRule.objects.bulk_create(
            [
                BlueprintRule(session=session, order=order, **rule)
                for order, rule in enumerate(rules)
            ]
        )
    if fixed is not None:
        session.fixed_questions.all().delete()
        FixedQuestion.objects.bulk_create(
            [
                FixedQuestion(session=session, position=position, question_id=qid, points=points)
                for position, (qid, points) in enumerate(fixed, 1)
            ]
        )


def _set_extra_times(session: ExamSession, extra_times: dict[int, int]) -> None:
    """Replace the extra time per person. Deadlines already given stay as they are:
    the extra time counts when an attempt starts."""
    session.extra_times.all().delete()
    ExtraTime.objects.bulk_create(
        [
            ExtraTime(session=session, staff_id=pk, minutes=minutes)
            for pk, minutes in extra_times.items()
            if minutes
        ]
    )


def _enqueue_prepare_papers(session_id: int) -> None:
    from .tasks import prepare_papers  # the tasks module imports this one

    prepare_papers.enqueue(session_id)


def exam_session_create(
    *,
    title: str,
    kind: str,
    department,
    opens_at,
    closes_at,
    duration_minutes: int = 60,
    staff_ids=(),
    department_ids=(),
    rules: list[dict] | None = None,
    pass_mark=60,
    created_by=None,
    publish: bool = True,
    window_staff_only: bool = True,
    options: dict | None = None,
    fixed: list[tuple[int, Decimal]] | None = None,
    extra_times: dict[int, int] | None = None,
    request=None,
) -> ExamSession:
    """Create a session for an audience with blueprint rules
    ([{"type", "count", "points", "knowledge_point_id"?, "difficulty"?}]) or a fixed
    paper ([(question id, points)]), other settings in `options`, and audit it."""
    with transaction.atomic():
        session = ExamSession(
            title=title,
            kind=kind,
            department=department,
            opens_at=opens_at,
            closes_at=closes_at,
            duration_minutes=duration_minutes,
            pass_mark=pass_mark,
            created_by=created_by,
            published=publish,
            window_staff_only=window_staff_only,
        )
        for name, value in (options or {}).items():
            if name not in SESSION_FIELDS:
                raise ValueError(name)
            setattr(session, name, value)
        session.save()
        if staff_ids:
            session.audience_staff.set(list(staff_ids))
        if department_ids:
            session.audience_departments.set(list(department_ids))
        _set_paper(session, rules=rules or [], fixed=fixed)
        if extra_times:
            _set_extra_times(session, extra_times)
        audit_record(
            action="exam.session_created",
            actor=created_by,
            target=session,
            request=request,
            data={"title": title, "kind": kind},
        )
    return session


def exam_session_update(
    *,
    session: ExamSession,
    fields: dict,
    acting_user,
    department_ids=None,
    staff_ids=None,
    rules: list[dict] | None = None,
    fixed: list[tuple[int, Decimal]] | None = None,
    extra_times: dict[int, int] | None = None,
    request=None,
    now=None,
) -> ExamSession:
    """Change a session's settings (None: leave that part as it is).

    Before the window opens everything may change; papers already prepared for a
    published session are dropped and drawn again, after a new blueprint check. Once
    it has opened only FIELDS_AFTER_OPENING and extra time (for attempts not yet
    started) may change, and the closing time only later. Started attempts are never
    altered.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = ExamSession.objects.select_for_update().get(pk=session.pk)
        changed = {
            name: value
            for name, value in fields.items()
            if name in SESSION_FIELDS and getattr(current, name) != value
        }
        audience_changed = (
            department_ids is not None
            and set(department_ids)
            != set(current.audience_departments.values_list("pk", flat=True))
        ) or (
            staff_ids is not None
            and set(staff_ids) != set(current.audience_staff.values_list("pk", flat=True))
        )
        paper_changed = rules is not None or fixed is not None
        if current.opens_at <= now:
            if set(changed) - FIELDS_AFTER_OPENING or audience_changed or paper_changed:
                raise ValidationError(MSG_LOCKED_AFTER_OPENING)
            if "closes_at" in changed and changed["closes_at"] < current.closes_at:
                raise ValidationError(MSG_CLOSE_NOT_EARLIER)
        for name, value in changed.items():
            setattr(current, name, value)
        if changed:
            current.full_clean(exclude=["audience_departments", "audience_staff"])
            current.save(update_fields=list(changed))
        if department_ids is not None:
            current.audience_departments.set(list(department_ids))
        if staff_ids is not None:
            current.audience_staff.set(list(staff_ids))
        _set_paper(current, rules=rules, fixed=fixed)
        if extra_times is not None:
            _set_extra_times(current, extra_times)
        restale = paper_changed or audience_changed or bool(set(changed) & PAPER_FIELDS)
        if current.published and current.opens_at > now and restale:
            shortages = blueprint_check(session=current)
            if shortages:
                raise ValidationError([s.message() for s in shortages])
            Attempt.objects.filter(session=current, status=AttemptStatus.PREPARED).delete()
            current.papers_prepared_at = None
            current.save(update_fields=["papers_prepared_at"])
            transaction.on_commit(partial(_enqueue_prepare_papers, current.pk))
        audit_record(
            action="exam.session_updated",
            actor=acting_user,
            target=current,
            request=request,
            data={
                "fields": sorted(changed),
                "audience": audience_changed,
                "paper": paper_changed,
                "extra_time": extra_times is not None,
            },
        )
    return current


def exam_session_publish(*, session: ExamSession, acting_user, request=None, now=None):
    """Publish after a blueprint check; the papers are then drawn in the background.
    Raises ValidationError with one message per shortage."""
    now = now or timezone.now()
    with transaction.atomic():
        session = ExamSession.objects.select_for_update().get(pk=session.pk)
        if session.published:
            return session
        if session.closes_at <= now:
            raise ValidationError(MSG_CLOSED)
        if not session.rules.exists() and not session.fixed_questions.exists():
            raise ValidationError(MSG_NO_QUESTIONS)
        shortages = blueprint_check(session=session)
        if shortages:
            raise ValidationError([MSG_PUBLISH_BLOCKED, *(s.message() for s in shortages)])
        session.published = True
        session.save(update_fields=["published"])
        audit_record(
            action="exam.session_published", actor=acting_user, target=session, request=request
        )
        transaction.on_commit(partial(_enqueue_prepare_papers, session.pk))
    return session


def attempt_finalise_if_overdue(*, attempt: Attempt, now=None) -> Attempt:
    """Close this one attempt now if its deadline has passed (the page does this when
    the learner comes back late; the scheduled finaliser does it for everyone)."""
    now = now or timezone.now()
    if attempt.status == AttemptStatus.IN_PROGRESS and attempt.deadline and attempt.deadline <= now:
        with transaction.atomic():
            locked = (
                Attempt.objects.select_for_update().select_related("session").get(pk=attempt.pk)
            )
            if locked.status == AttemptStatus.IN_PROGRESS:
                locked = _finish(locked, status=AttemptStatus.FINALISED, at=locked.deadline)
                mistakes_from_attempt(attempt=locked)
            return locked
    return attempt


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
                wanted.update(_point_and_below(pk))
            queryset = queryset.filter(knowledge_point_id__in=wanted)
    ids = list(queryset.exclude(pk__in=list(exclude_ids)).values_list("pk", flat=True)[:500])
    if not ids:
        ids = list(queryset.values_list("pk", flat=True)[:500])
    if not ids:
        return None
    return Question.objects.select_related("knowledge_point").get(pk=random.choice(ids))


# --- the question bank ---------------------------------------------------------------

QUESTION_FIELDS = (
    "type",
    "stem",
    "options",
    "answer",
    "rubric",
    "explanation",
    "knowledge_point",
    "difficulty",
    "status",
)


def question_create(*, acting_user, request=None, **fields) -> Question:
    """A new question of the bank (fields as in QUESTION_FIELDS), audited."""
    with transaction.atomic():
        question = Question.objects.create(
            **{k: v for k, v in fields.items() if k in QUESTION_FIELDS}
        )
        audit_record(
            action="exam.question_created",
            actor=acting_user,
            target=question,
            request=request,
            data={"type": question.type, "stem": question.stem[:100]},
        )
    return question


def question_update(*, question: Question, acting_user, request=None, **fields) -> Question:
    """Change a question's fields, audited. Past attempts keep their own frozen copy,
    so nothing here changes them; the answer key of a question that has been asked
    changes only through `question_correct_key` (which re-scores)."""
    changed = [
        name
        for name in QUESTION_FIELDS
        if name in fields and getattr(question, name) != fields[name]
    ]
    if "answer" in changed and AttemptItem.objects.filter(question=question).exists():
        raise ValidationError(MSG_KEY_NEEDS_CORRECTION, code="key_needs_correction")
    if not changed:
        return question
    with transaction.atomic():
        for name in changed:
            setattr(question, name, fields[name])
        question.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action="exam.question_changed",
            actor=acting_user,
            target=question,
            request=request,
            data={"fields": changed},
        )
    return question


MSG_KEY_NEEDS_CORRECTION = _(
    "This question has been asked in exams: its answer key changes only through a key "
    "correction, which re-scores the attempts."
)
