"""Taking an exam. Exam day in numbers: thousands start within minutes and each saves
every few seconds to minutes, so `attempt_start` is one UPDATE when papers were
prepared ahead (`papers.exam_session_prepare_papers`), and `attempt_save` is one
conditional UPDATE."""

from __future__ import annotations

import datetime
import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from audit.services import audit_record, audit_record_many, client_ip
from core.exceptions import Conflict
from organisation.models import Role, RoleAssignment, Staff

from ..audience import StartFacts, in_audience, staff_in_audience, start_facts
from ..device import mask_ip
from ..messages import (
    MSG_NO_ATTEMPTS_LEFT,
    MSG_NOT_IN_AUDIENCE,
    MSG_NOT_OPEN,
    MSG_OTHER_DEVICE,
    MSG_PAPER_UNAVAILABLE,
)
from ..models import (
    CLOSED_STATUSES,
    Attempt,
    AttemptItem,
    AttemptStatus,
    DeviceSwitch,
    ExamSession,
)
from .grading import _finish, _score_many
from .papers import PaperDrawer, _new_seed
from .practice import mistakes_from_attempt

if TYPE_CHECKING:
    from ..selectors.learner import StartCandidate

logger = logging.getLogger(__name__)


def _deadline(facts: StartFacts, *, staff_id: int, started_at: datetime.datetime):
    extra = facts.extra_minutes.get(staff_id, 0)
    end = started_at + datetime.timedelta(minutes=facts.duration_minutes + extra)
    return min(end, facts.closes_at)


def attempt_deadline(
    *, session: ExamSession, staff: Staff, started_at: datetime.datetime
) -> datetime.datetime:
    extra = start_facts(session).extra_minutes.get(staff.pk, 0)
    end = started_at + datetime.timedelta(minutes=session.duration_minutes + extra)
    return min(end, session.closes_at)


@cache
def _claim_sql() -> str:
    table = Attempt._meta.db_table
    return (
        f"UPDATE {table} SET status = %s, started_at = %s, deadline = %s, device = %s"  # noqa: S608 - fixed names
        f" WHERE id = %s AND status = %s RETURNING paper"
    )


def _claim_prepared(*, attempt_pk: int, started_at, deadline, device: str) -> str | None:
    """Start a prepared attempt: one conditional UPDATE that also returns the paper as
    it was prepared (the JSON the start sends). None when it is no longer prepared
    (another tab started it a moment ago)."""
    at = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            _claim_sql(),
            [
                AttemptStatus.IN_PROGRESS.value,
                at(started_at),
                at(deadline),
                device,
                attempt_pk,
                AttemptStatus.PREPARED.value,
            ],
        )
        row = cursor.fetchone()
    return None if row is None else row[0]


@dataclass(frozen=True)
class PreparedStart:
    """A prepared attempt just started by the lean start path: what its answer needs."""

    public_id: uuid.UUID
    deadline: datetime.datetime
    leave_count: int
    paper: str


def attempt_start_prepared(
    *, facts: StartFacts, candidate: StartCandidate, device: str, now=None
) -> PreparedStart | None:
    """The mass start's fast case, for `exams/api/fastpath.py`: the person's prepared
    paper (found with their own row by `selectors.start_candidate`, the one read) is
    started by one conditional UPDATE, with the session's settings and audience from the
    cache. The rules are `attempt_start`'s; None whenever anything is not the plain case
    (not open, not on the list, no prepared paper, already started): the full stack
    then answers, with its refusals and their audit entries."""
    now = now or timezone.now()
    if candidate.attempt_pk is None or candidate.attempt_status != AttemptStatus.PREPARED:
        return None
    if not facts.is_open_for_start(now) or not in_audience(
        facts,
        staff_id=candidate.staff_id,
        active=candidate.staff_active,
        window=candidate.window_staff,
        path=candidate.unit_path,
    ):
        return None
    deadline = _deadline(facts, staff_id=candidate.staff_id, started_at=now)
    device = device if facts.one_device else ""
    paper = _claim_prepared(
        attempt_pk=candidate.attempt_pk, started_at=now, deadline=deadline, device=device
    )
    if not paper:  # started by another tab, or prepared without a stored paper
        return None
    return PreparedStart(candidate.attempt_public_id, deadline, candidate.leave_count, paper)


def attempt_start(
    *, session: ExamSession, staff: Staff, now=None, device: str = "", request=None
) -> Attempt:
    """Start (or resume) the person's attempt. Idempotent: a second tab, a reload or
    another device gets the same attempt and the same deadline.

    With one device at a time (`session.one_device`) the attempt is held by `device`:
    a first start writes it in the same UPDATE, a resume from another device takes
    the attempt over (`attempt_take_over`)."""
    now = now or timezone.now()
    device = device if session.one_device else ""
    current = (
        Attempt.objects.filter(session=session, staff=staff)  # the paper is deferred
        .exclude(status__in=CLOSED_STATUSES)
        .order_by("-number")
        .first()
    )
    if current is not None and current.status == AttemptStatus.IN_PROGRESS:
        if device and current.device != device:
            current = attempt_take_over(attempt=current, device=device, request=request, now=now)
        return current
    if not session.is_open_for_start(now):  # doors may open before `opens_at`
        raise Conflict(MSG_NOT_OPEN)
    if not staff_in_audience(session=session, staff=staff):
        raise Conflict(MSG_NOT_IN_AUDIENCE)
    deadline = attempt_deadline(session=session, staff=staff, started_at=now)
    if current is not None:  # a prepared paper: one UPDATE, no drawing now
        paper = _claim_prepared(
            attempt_pk=current.pk, started_at=now, deadline=deadline, device=device
        )
        if paper is not None:
            # Mass start: no re-read, the row is what was just written.
            current.status, current.started_at, current.deadline, current.device = (
                AttemptStatus.IN_PROGRESS,
                now,
                deadline,
                device,
            )
            current.paper = paper
            current.session = session
            current.fresh_start = True  # nothing answered yet: the prepared paper is it
        else:  # another tab started it a moment ago: use what it wrote
            current.refresh_from_db()
        # No audit entry for a start: the attempt row itself records who started when
        # and the deadline it got, and an entry would serialise every start of a mass
        # exam on the audit chain's lock. Hand-ins, grades and key corrections are
        # audited.
        return current
    finished = Attempt.objects.filter(session=session, staff=staff).count()
    if finished >= session.attempts_allowed:
        raise Conflict(MSG_NO_ATTEMPTS_LEFT)
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
                device=device,
            )
            try:
                items = PaperDrawer(session).items_for(attempt)
            except ValidationError as error:
                # The bank no longer fills the blueprint (questions retired since it was
                # published): a clear refusal, never a server error.
                logger.warning("session %s: paper cannot be drawn: %s", session.pk, error)
                raise Conflict(MSG_PAPER_UNAVAILABLE) from None
            AttemptItem.objects.bulk_create(items)
            attempt.max_score = sum((i.points for i in items), Decimal(0))
            attempt.save(update_fields=["max_score"])
    except IntegrityError:
        # Two tabs started at the same moment: the other one won; use its attempt.
        return Attempt.objects.get(session=session, staff=staff, number=finished + 1)
    return attempt


def attempt_take_over(*, attempt: Attempt, device: str, request=None, now=None) -> Attempt:
    """One device at a time: `device` now holds the attempt; the device that held it
    is refused from its next save, hand-in or check on (`MSG_OTHER_DEVICE`). A move
    from one device to another is recorded (`DeviceSwitch`: time, browser, masked
    address) and audited; the first device to hold it is not a switch."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("session")
            .get(pk=attempt.pk)
        )
        if (
            not device
            or not locked.session.one_device
            or locked.status != AttemptStatus.IN_PROGRESS
            or locked.device == device
        ):
            return locked
        previous, locked.device = locked.device, device
        fields = ["device"]
        if previous:
            user_agent = request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""
            address = client_ip(request)
            locked.switch_count += 1
            fields.append("switch_count")
            DeviceSwitch.objects.create(
                attempt=locked, at=now, user_agent=user_agent, ip_masked=mask_ip(address)
            )
            audit_record(
                action="exam.attempt_device_switched",
                actor=getattr(request, "user", None),
                target=locked,
                request=request,
                data={"user_agent": user_agent, "switches": locked.switch_count},
            )
        locked.save(update_fields=fields)
    return locked


@dataclass(frozen=True)
class SaveResult:
    saved: bool
    seq: int
    reason: str = ""  # "" | "stale" | "closed" | "missing" | "device"


@cache
def _save_sql(lock: bool) -> str:
    item, attempt, staff = (
        AttemptItem._meta.db_table,
        Attempt._meta.db_table,
        Staff._meta.db_table,
    )
    # The attempt row is share-locked while the answer is written: a hand-in or the
    # finaliser (which lock it FOR UPDATE) waits for a save in flight, and a save that
    # comes after them finds the attempt closed. Without the lock a save could land
    # between the hand-in's reading of the answers and its commit: stored,
    # acknowledged and never scored.
    # One device at a time costs nothing more: the device that holds the attempt (""
    # when the session does not ask for it) is one more condition of the same UPDATE.
    share = f" FOR SHARE OF {attempt}" if lock else ""
    return (
        f"UPDATE {item} SET answer = %s, seq = %s, answered_at = %s"  # noqa: S608 - fixed names
        f" FROM (SELECT {attempt}.id FROM {attempt}"
        f" JOIN {staff} ON {staff}.id = {attempt}.staff_id"
        f" WHERE {attempt}.public_id = %s AND {staff}.user_id = %s"
        f" AND {attempt}.status = %s AND {attempt}.deadline > %s"
        f" AND {attempt}.device IN ('', %s){share}) AS a"
        f" WHERE {item}.attempt_id = a.id AND {item}.position = %s AND {item}.seq < %s"
    )


def _save_update(attempt_id, user_id, position, answer, seq, now, device) -> int:
    """The hottest statement of exam day, written once: the ORM's version of this
    UPDATE (a subquery over two joins) cost more to compile than to run."""
    at = connection.ops.adapt_datetimefield_value(now)
    params = [
        AttemptItem._meta.get_field("answer").get_db_prep_value(answer, connection),
        seq,
        at,
        Attempt._meta.get_field("public_id").get_db_prep_value(attempt_id, connection),
        user_id,
        AttemptStatus.IN_PROGRESS.value,
        at,
        device,
        position,
        seq,
    ]
    # SQLite has no row locks (it serialises writers); PostgreSQL takes the share lock.
    sql = _save_sql(connection.features.has_select_for_update_of)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def attempt_save(
    *, attempt_id, user_id: int, position: int, answer, seq: int, now=None, device: str = ""
) -> SaveResult:
    """Store one answer if `seq` is newer than the stored one, time is not up and (one
    device at a time) `device` holds the attempt.

    One conditional UPDATE; only when it touches nothing, one SELECT says why.
    """
    now = now or timezone.now()
    if _save_update(attempt_id, user_id, position, answer, seq, now, device):
        return SaveResult(True, seq)
    row = (
        AttemptItem.objects.filter(
            attempt__public_id=attempt_id, attempt__staff__user_id=user_id, position=position
        )
        .values_list("seq", "attempt__status", "attempt__deadline", "attempt__device")
        .first()
    )
    if row is None:
        return SaveResult(False, 0, "missing")
    stored_seq, status, deadline, holder = row
    if status != AttemptStatus.IN_PROGRESS or deadline is None or deadline <= now:
        return SaveResult(False, stored_seq, "closed")
    if holder and holder != device:
        return SaveResult(False, stored_seq, "device")
    return SaveResult(False, stored_seq, "stale")


@dataclass(frozen=True)
class LeaveResult:
    """The page was left: how often now, the session's limit (None: none), whether
    this leave handed the attempt in, and whether it was closed already."""

    count: int
    limit: int | None
    auto_submit: bool = False
    handed_in: bool = False
    closed: bool = False

    @property
    def left(self) -> int | None:
        """How many more times the page may be left (None: no limit)."""
        return None if self.limit is None else max(0, self.limit - self.count)


def attempt_record_leave(
    *, attempt_id, user_id: int, device: str = "", now=None
) -> LeaveResult | None:
    """Count one leaving of the page (another tab, app or window). Past the session's
    `leave_limit`, with `leave_auto_submit`, the attempt is handed in at once (scored
    by the batched finaliser like any hand-in) and audited. None when the attempt is
    not the user's; a closed attempt counts nothing. Refused (`Conflict`) from a
    device that no longer holds the attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update(of=("self",))
            .select_related("session")
            .filter(public_id=attempt_id, staff__user_id=user_id)
            .first()
        )
        if attempt is None:
            return None
        session = attempt.session
        if attempt.status != AttemptStatus.IN_PROGRESS or (
            attempt.deadline and attempt.deadline <= now
        ):
            return LeaveResult(
                attempt.leave_count,
                session.leave_limit,
                handed_in=attempt.leave_handed_in,
                closed=True,
            )
        if attempt.held_elsewhere(device):
            raise Conflict(MSG_OTHER_DEVICE, data={"reason": "device"})
        attempt.leave_count += 1
        fields = ["leave_count"]
        limit = session.leave_limit
        over = limit is not None and attempt.leave_count > limit
        if over and session.leave_auto_submit:
            attempt.status = AttemptStatus.HANDED_IN
            attempt.finished_at = now
            attempt.paper = ""
            attempt.leave_handed_in = True
            fields += ["status", "finished_at", "paper", "leave_handed_in"]
        attempt.save(update_fields=fields)
        if attempt.leave_handed_in:
            audit_record(
                action="exam.attempt_submitted_for_leaving",
                target=attempt,
                data={"leave_count": attempt.leave_count, "leave_limit": limit},
            )
    return LeaveResult(
        attempt.leave_count,
        limit,
        auto_submit=session.leave_auto_submit,
        handed_in=attempt.leave_handed_in,
    )


@dataclass(frozen=True)
class HandIn:
    """An attempt handed in (or found handed in) by the lean hand-in: what its answer
    needs."""

    public_id: uuid.UUID
    title: str


@cache
def _hand_in_lock_sql(lock: bool) -> str:
    attempt, staff, session, user, role = (
        Attempt._meta.db_table,
        Staff._meta.db_table,
        ExamSession._meta.db_table,
        get_user_model()._meta.db_table,
        RoleAssignment._meta.db_table,
    )
    # FOR NO KEY UPDATE is the lock the UPDATE itself takes; taken first, it waits for
    # the saves in flight (they share-lock the attempt) before the finish time is read.
    lock_clause = " FOR NO KEY UPDATE OF a" if lock else ""
    return (
        f"SELECT a.id, a.status, a.deadline, a.device, e.title,"  # noqa: S608 - fixed names
        f" u.password, u.is_active, u.must_change_password,"
        f" u.is_superuser OR EXISTS (SELECT 1 FROM {role} r"
        f" WHERE r.user_id = u.id AND r.role = %s)"
        f" FROM {attempt} a"
        f" JOIN {staff} s ON s.id = a.staff_id"
        f" JOIN {user} u ON u.id = s.user_id"
        f" JOIN {session} e ON e.id = a.session_id"
        f" WHERE a.public_id = %s AND s.user_id = %s{lock_clause}"
    )


@cache
def _hand_in_sql() -> str:
    table = Attempt._meta.db_table
    return (
        f"UPDATE {table} SET status = %s, finished_at = %s, paper = ''"  # noqa: S608 - fixed names
        f" WHERE id = %s AND status = %s AND (deadline IS NULL OR deadline > %s)"
    )


def attempt_hand_in_lean(
    *, attempt_id, user_id: int, device: str, account_ok, now=None
) -> HandIn | None:
    """The hand-in of exam day, for `exams/api/fastpath.py`: one locking SELECT (the
    attempt with its session's title and the account: password hash, active, no
    password change pending, not an administrator) and one conditional UPDATE, in one
    transaction; no audit entry here (the scorer writes it, see `attempt_submit`).

    `account_ok(password, active, must_change, is_administrator)` says whether the
    account may go on without the stack. None whenever anything is not the plain case
    (not the user's, another device holds it, the deadline has passed, scored already,
    an administrator): nothing is written and the full stack answers. An attempt
    already handed in (a second tap, a retry) answers as the first hand-in did."""
    at = connection.ops.adapt_datetimefield_value
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            _hand_in_lock_sql(connection.features.has_select_for_no_key_update),
            [
                Role.ADMINISTRATOR.value,
                Attempt._meta.get_field("public_id").get_db_prep_value(attempt_id, connection),
                user_id,
            ],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        pk, status, deadline, holder, title, *account = row
        if not account_ok(*account):
            return None
        if not isinstance(attempt_id, uuid.UUID):
            attempt_id = uuid.UUID(str(attempt_id))
        if status == AttemptStatus.HANDED_IN:
            return HandIn(attempt_id, title)
        if status != AttemptStatus.IN_PROGRESS or (holder and holder != device):
            return None
        # Read once the attempt is locked: later than every stored save.
        now = now or timezone.now()
        if isinstance(deadline, str) or (deadline and timezone.is_naive(deadline)):
            # SQLite: text or naive UTC, read as the ORM's converter reads it.
            deadline = connection.ops.convert_datetimefield_value(deadline, None, connection)
        if deadline is not None and now >= deadline:
            return None  # closed at its deadline instead: the full stack does it
        cursor.execute(
            _hand_in_sql(),
            [
                AttemptStatus.HANDED_IN.value,
                at(now),
                pk,
                AttemptStatus.IN_PROGRESS.value,
                at(now),
            ],
        )
        if cursor.rowcount != 1:  # cannot happen under the lock; be safe
            transaction.set_rollback(True)
            return None
    return HandIn(attempt_id, title)


def attempt_submit(*, attempt: Attempt, now=None, device: str | None = None) -> Attempt:
    """Hand in: the attempt is closed at once (`handed_in`) and scored moments later by
    the batched scorer (`attempts_score_handed_in`, run by the finaliser), so a hand-in
    costs one lock and one UPDATE however long the paper. Idempotent; after the
    deadline it closes at the deadline instead (and is scored now: rare).

    The audit entry of a hand-in (`exam.attempt_submitted`, at the hand-in's time) is
    written by the scorer when it scores the attempt (`_audit_hand_ins`), in bulk: an
    entry per hand-in queued every hand-in of the city on the audit chain's lock.

    The finish time is taken once the attempt is locked, so it is later than every
    stored save: saves share-lock the attempt, the lock waits for those in flight, and
    a save that comes after finds the attempt closed.

    `device`: the device handing in, refused (`Conflict`) when another device has taken
    the attempt over (one device at a time); None for callers that are not a device.
    """
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update().select_related("session").get(pk=attempt.pk)
        if attempt.status != AttemptStatus.IN_PROGRESS:
            return attempt
        if device is not None and attempt.held_elsewhere(device):
            raise Conflict(MSG_OTHER_DEVICE, data={"reason": "device"})
        now = now or timezone.now()
        if attempt.deadline and now >= attempt.deadline:
            attempt = _finish(attempt, status=AttemptStatus.FINALISED, at=attempt.deadline)
            mistakes_from_attempt(attempt=attempt)
            return attempt
        attempt.status = AttemptStatus.HANDED_IN
        attempt.finished_at = now
        attempt.paper = ""  # the prepared paper has served
        attempt.save(update_fields=["status", "finished_at", "paper"])
    return attempt


def _audit_hand_ins(attempts: list[Attempt]) -> None:
    """The audit entries of hand-ins being scored (in the scorer's transaction): one
    per attempt, at the time it was handed in. A hand-in for leaving the page too often
    was audited when it happened (`exam.attempt_submitted_for_leaving`)."""
    audit_record_many(
        [
            {"action": "exam.attempt_submitted", "target": a, "at": a.finished_at}
            for a in attempts
            if not a.leave_handed_in
        ]
    )


def attempts_finalise_overdue(*, now=None, batch_size: int = 500) -> int:
    """Close every attempt whose deadline has passed, with everything saved so far; its
    finish time is the deadline. Then score every hand-in waiting for it
    (`attempts_score_handed_in`). Run by `manage.py finalise_attempts` (and a task).

    Works in batches: one locking SELECT, then `grading._score_many` (one SELECT of all
    their items, the points in one UPDATE ... FROM (VALUES ...) per few thousand items,
    one bulk UPDATE of the attempts). Overdue attempts come first, and between two
    batches of hand-ins the overdue are looked at again (with the clock of that moment
    unless `now` is given): in a deadline storm the hand-ins waiting to be scored do not
    hold back the closing of attempts at their deadline. Safe to run on several
    workers (SKIP LOCKED). Returns the number of attempts closed at their deadline.
    """
    done = 0
    while True:
        closed = _finalise_overdue_batch(now=now or timezone.now(), batch_size=batch_size)
        done += closed
        if closed == batch_size:
            continue
        if _score_handed_in_batch(batch_size=batch_size) < batch_size:
            return done


def _finalise_overdue_batch(*, now, batch_size: int) -> int:
    with transaction.atomic():
        batch = list(
            Attempt.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("session")
            .filter(status=AttemptStatus.IN_PROGRESS, deadline__lte=now)
            .order_by("deadline")[:batch_size]
        )
        for attempt in batch:
            attempt.status = AttemptStatus.FINALISED
            attempt.finished_at = attempt.deadline
        if batch:
            _score_many(batch)
    return len(batch)


def _score_handed_in_batch(*, batch_size: int) -> int:
    with transaction.atomic():
        batch = list(
            Attempt.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("session")
            .filter(status=AttemptStatus.HANDED_IN)
            .order_by("finished_at")[:batch_size]
        )
        for attempt in batch:
            attempt.status = AttemptStatus.SUBMITTED
        if batch:
            _score_many(batch)
            _audit_hand_ins(batch)
    return len(batch)


def attempts_score_handed_in(*, batch_size: int = 500) -> int:
    """Score the attempts handed in and waiting (`handed_in`): points per item and in
    total, points per knowledge point, the mistake book, and the hand-in's audit entry;
    they become `submitted`. Batched like the finaliser, safe on several workers (SKIP
    LOCKED). Returns how many were scored."""
    done = 0
    while True:
        scored = _score_handed_in_batch(batch_size=batch_size)
        done += scored
        if scored < batch_size:
            return done


def attempt_score_if_waiting(*, attempt: Attempt, grace_seconds: float, now=None) -> Attempt:
    """Score this one handed-in attempt now if the batched scorer has not done so within
    `grace_seconds` of the hand-in (on an ordinary day no finaliser runs; the result
    page and the API call this)."""
    now = now or timezone.now()
    if attempt.status != AttemptStatus.HANDED_IN or (
        attempt.finished_at and (now - attempt.finished_at).total_seconds() < grace_seconds
    ):
        return attempt
    with transaction.atomic():
        locked = list(
            Attempt.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("session", "staff")
            .filter(pk=attempt.pk, status=AttemptStatus.HANDED_IN)
        )
        for each in locked:
            each.status = AttemptStatus.SUBMITTED
        if locked:
            _score_many(locked)
            _audit_hand_ins(locked)
            return locked[0]
    return Attempt.objects.select_related("session", "staff").get(pk=attempt.pk)


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
