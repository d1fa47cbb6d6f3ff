"""The sitting's day: examiners in rooms, check-in at the door, examiners scoring the
practical per rubric criterion, the chief examiner's second look and sign-off.

A refused scan or score changes nothing; the refusal is audited
(`sitting.checkin_refused`, `sitting.score_refused`) and raised with its sentence.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import formats, timezone

from audit.services import audit_record
from core.text import clean_text, compact
from organisation.access import examiner_conflict_units
from organisation.models import Role, RoleAssignment, Staff
from organisation.services import MSG_EXAMINER_NEEDS_ACCOUNT, role_grant_examiner

from .. import sitting_messages as m
from ..models import (
    Attendance,
    Candidate,
    CandidateStatus,
    CheckIn,
    ExaminerAssignment,
    PracticalScore,
    Room,
    Sitting,
)
from .common import certification_settings_get
from .sittings import check_organiser, manages_unit

CHECK_IN_OPENS_BEFORE = datetime.timedelta(minutes=60)
TENTH = Decimal("0.1")


# --- examiners -------------------------------------------------------------------------


def is_room_examiner(user, room: Room) -> bool:
    return user is not None and room.examiners.filter(user_id=user.pk).exists()


def is_room_chief(user, room: Room) -> bool:
    return user is not None and room.examiners.filter(user_id=user.pk, is_chief=True).exists()


def examiner_assign(
    *, room: Room, user, is_chief: bool = False, acting_user=None, request=None
) -> ExaminerAssignment:
    """Put an examiner (an account with the examiner role) in a room; never someone
    of a candidate's unit or a unit above or below it (`examiner_conflict_units`)."""
    check_organiser(acting_user, room.sitting)
    if room.is_signed_off:
        raise ValidationError(m.MSG_ROOM_SIGNED_OFF, code="signed_off")
    if not RoleAssignment.objects.filter(user_id=user.pk, role=Role.EXAMINER).exists():
        raise ValidationError({"user": ValidationError(m.MSG_NOT_AN_EXAMINER, "not_examiner")})
    if room.examiners.filter(user_id=user.pk).exists():
        raise ValidationError({"user": ValidationError(m.MSG_EXAMINER_TWICE, "twice")})
    if is_chief and room.examiners.filter(is_chief=True).exists():
        raise ValidationError({"is_chief": ValidationError(m.MSG_CHIEF_TAKEN, "chief")})
    clash = (
        room.candidates.filter(
            status=CandidateStatus.CONFIRMED, staff__department__in=examiner_conflict_units(user)
        )
        .select_related("staff__department")
        .first()
    )
    if clash is not None:
        raise ValidationError(
            {
                "user": ValidationError(
                    m.MSG_EXAMINER_OWN_UNIT, "own_unit", {"name": clash.staff.department.name}
                )
            }
        )
    with transaction.atomic():
        assignment = ExaminerAssignment.objects.create(room=room, user=user, is_chief=is_chief)
        audit_record(
            action="sitting.examiner_assigned",
            actor=acting_user,
            target=room.sitting,
            request=request,
            data={"room": room.number, "examiner": user.get_username(), "chief": is_chief},
        )
    return assignment


def examiner_appoint(
    *, room: Room, user, is_chief: bool = False, acting_user=None, request=None
) -> ExaminerAssignment:
    """What the coordinators' page does: an account without the examiner role is made
    an examiner first (a staff member of the organiser's units, the role bound to their
    own unit: `organisation.services.role_grant_examiner`, audited), then assigned by
    `examiner_assign`'s rules. A refusal changes nothing, the role included."""
    check_organiser(acting_user, room.sitting)
    with transaction.atomic():
        if not RoleAssignment.objects.filter(user_id=user.pk, role=Role.EXAMINER).exists():
            staff = Staff.objects.select_related("department", "user").filter(user_id=user.pk)
            if not staff.exists():
                raise ValidationError(
                    {"user": ValidationError(MSG_EXAMINER_NEEDS_ACCOUNT, "no_account")}
                )
            role_grant_examiner(staff=staff.get(), acting_user=acting_user, request=request)
        return examiner_assign(
            room=room, user=user, is_chief=is_chief, acting_user=acting_user, request=request
        )


# --- at the door -----------------------------------------------------------------------


def check_room_staff(user, room: Room) -> None:
    """The room's examiners and the sitting's organisers work the door."""
    if not (is_room_examiner(user, room) or manages_unit(user, room.sitting.department)):
        raise PermissionDenied(m.MSG_NOT_ROOM_STAFF)


def check_in_window(sitting: Sitting) -> tuple[datetime.datetime, datetime.datetime]:
    return sitting.theory_starts_at - CHECK_IN_OPENS_BEFORE, sitting.practical_ends_at


def _when(value: datetime.datetime) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")


def _refuse_scan(*, room: Room, ticket: str, code: str, acting_user, request) -> None:
    audit_record(
        action="sitting.checkin_refused",
        actor=acting_user,
        target=room.sitting,
        request=request,
        data={"room": room.number, "ticket": ticket[:20], "reason": code},
    )


def ticket_from_scan(text: str) -> str:
    """The ticket number from what the camera read or the staff typed."""
    return compact(text or "").upper().removeprefix("ZKZ:")[:20]


def check_in(
    *,
    room: Room,
    scanned: str,
    acting_user,
    method: str = "scan",
    now: datetime.datetime | None = None,
    request=None,
) -> Candidate:
    """Let a candidate in by their ticket: refused (nothing changes) for an unknown or
    withdrawn ticket, the wrong room, outside the check-in window, or a ticket used."""
    check_room_staff(acting_user, room)
    sitting = room.sitting
    now = now or timezone.now()
    ticket = ticket_from_scan(scanned)
    candidate = (
        Candidate.objects.select_related("staff__department", "room", "check_in")
        .filter(sitting=sitting, ticket_number=ticket)
        .first()
        if ticket
        else None
    )
    error: ValidationError | None = None
    opens, closes = check_in_window(sitting)
    if candidate is None:
        error = ValidationError(m.MSG_TICKET_UNKNOWN, code="unknown")
    elif candidate.status != CandidateStatus.CONFIRMED:
        error = ValidationError(m.MSG_TICKET_WITHDRAWN, code="withdrawn")
    elif candidate.room_id != room.pk:
        error = ValidationError(
            m.MSG_WRONG_ROOM,
            code="wrong_room",
            params={"room": f"{candidate.room.number:02d}", "seat": candidate.seat},
        )
    elif hasattr(candidate, "check_in"):
        error = ValidationError(
            m.MSG_TICKET_USED, code="used", params={"at": _when(candidate.check_in.at)}
        )
    elif not opens <= now <= closes:
        error = ValidationError(
            m.MSG_WRONG_TIME,
            code="wrong_time",
            params={"opens": _when(opens), "closes": _when(closes)},
        )
    if error is not None:
        _refuse_scan(
            room=room, ticket=ticket, code=error.code, acting_user=acting_user, request=request
        )
        raise error
    with transaction.atomic():
        CheckIn.objects.create(
            candidate=candidate,
            room=room,
            at=now,
            by=acting_user,
            method="typed" if method == "typed" else "scan",
        )
        candidate.attendance = Attendance.PRESENT
        candidate.save(update_fields=["attendance"])
        audit_record(
            action="sitting.checked_in",
            actor=acting_user,
            target=candidate,
            request=request,
            data={"room": room.number, "ticket": ticket, "method": method},
        )
    return candidate


def room_record_absences(
    *, room: Room, acting_user, now: datetime.datetime | None = None, request=None
) -> int:
    """Everyone seated in the room and not checked in once the theory has started is
    recorded absent. Returns how many."""
    check_room_staff(acting_user, room)
    now = now or timezone.now()
    if now < room.sitting.theory_starts_at:
        raise ValidationError(
            m.MSG_WRONG_TIME,
            code="wrong_time",
            params={
                "opens": _when(room.sitting.theory_starts_at),
                "closes": _when(room.sitting.practical_ends_at),
            },
        )
    with transaction.atomic():
        count = room.candidates.filter(
            status=CandidateStatus.CONFIRMED, check_in__isnull=True, attendance=""
        ).update(attendance=Attendance.ABSENT)
        audit_record(
            action="sitting.absences_recorded",
            actor=acting_user,
            target=room.sitting,
            request=request,
            data={"room": room.number, "absent": count},
        )
    return count


# --- scoring ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Criterion:
    task_id: int
    index: int
    item: str
    max_points: Decimal

    @property
    def key(self) -> str:
        return f"{self.task_id}-{self.index}"


def sitting_criteria(sitting: Sitting) -> list[Criterion]:
    """Every rubric criterion of every practical task, in order."""
    criteria = []
    for task in sitting.tasks.order_by("pk"):
        for index, row in enumerate(task.rubric):
            criteria.append(
                Criterion(
                    task_id=task.pk,
                    index=index,
                    item=str(row.get("item", "")),
                    max_points=Decimal(str(row.get("points", 0))),
                )
            )
    return criteria


def _points(value, criterion: Criterion) -> Decimal:
    params = {"item": criterion.item, "max": criterion.max_points}
    try:
        points = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError(m.MSG_SCORE_OUTSIDE_RUBRIC, "rubric", params) from None
    if (
        not points.is_finite()
        or points != points.quantize(TENTH)
        or not (Decimal(0) <= points <= criterion.max_points)
    ):
        raise ValidationError(m.MSG_SCORE_OUTSIDE_RUBRIC, "rubric", params)
    return points


def _check_examiner_for(candidate: Candidate, user) -> None:
    room = candidate.room
    if room is None or not is_room_examiner(user, room):
        raise PermissionDenied(m.MSG_NOT_ROOM_EXAMINER)
    if examiner_conflict_units(user).filter(pk=candidate.staff.department_id).exists():
        raise ValidationError(
            m.MSG_EXAMINER_OWN_UNIT, "own_unit", {"name": candidate.staff.department.name}
        )
    if room.is_signed_off:
        raise ValidationError(m.MSG_ROOM_SIGNED_OFF, code="signed_off")


def practical_score_record(
    *, candidate: Candidate, scores: dict[str, object], acting_user, request=None
) -> Candidate:
    """One examiner's scores for one candidate: `scores` maps each criterion's key
    (`<task id>-<index>`) to points within the rubric. All criteria are required;
    scoring again replaces the examiner's own earlier scores."""
    sitting = candidate.sitting
    criteria = sitting_criteria(sitting)
    try:
        _check_examiner_for(candidate, acting_user)
        if not criteria:
            raise ValidationError(m.MSG_NO_TASKS, code="no_tasks")
        if (
            not hasattr(candidate, "check_in")
            and not CheckIn.objects.filter(candidate=candidate).exists()
        ):
            raise ValidationError(m.MSG_NOT_CHECKED_IN, code="not_checked_in")
        values = {}
        for criterion in criteria:
            raw = scores.get(criterion.key)
            if raw is None or str(raw).strip() == "":
                raise ValidationError(m.MSG_SCORE_MISSING, code="missing")
            values[criterion] = _points(raw, criterion)
    except (ValidationError, PermissionDenied) as exc:
        audit_record(
            action="sitting.score_refused",
            actor=acting_user,
            target=candidate,
            request=request,
            data={"reason": getattr(exc, "code", None) or "forbidden"},
        )
        raise
    with transaction.atomic():
        locked = Candidate.objects.select_for_update().get(pk=candidate.pk)
        for criterion, points in values.items():
            PracticalScore.objects.update_or_create(
                candidate=locked,
                examiner=acting_user,
                task_id=criterion.task_id,
                criterion=criterion.index,
                defaults={"points": points, "max_points": criterion.max_points},
            )
        total = _percent(sum(values.values()), sum(c.max_points for c in criteria))
        _practical_update(locked, criteria=criteria)
        audit_record(
            action="sitting.practical_scored",
            actor=acting_user,
            target=locked,
            request=request,
            data={"total": str(total), "criteria": {c.key: str(v) for c, v in values.items()}},
        )
    candidate.refresh_from_db()
    return candidate


def _percent(points: Decimal, maximum: Decimal) -> Decimal:
    if not maximum:
        return Decimal(0)
    return (Decimal(points) * 100 / Decimal(maximum)).quantize(TENTH, rounding=ROUND_HALF_UP)


def examiner_totals(candidate: Candidate, criteria: list[Criterion]) -> dict[int, Decimal]:
    """Each examiner's total out of 100 for a candidate, for examiners who scored
    every criterion."""
    maximum = sum(c.max_points for c in criteria)
    wanted = {(c.task_id, c.index) for c in criteria}
    by_examiner: dict[int, dict] = {}
    for row in PracticalScore.objects.filter(candidate=candidate).values(
        "examiner_id", "task_id", "criterion", "points"
    ):
        by_examiner.setdefault(row["examiner_id"], {})[(row["task_id"], row["criterion"])] = row[
            "points"
        ]
    return {
        examiner: _percent(sum(points[k] for k in wanted), maximum)
        for examiner, points in by_examiner.items()
        if wanted <= set(points)
    }


def _practical_update(candidate: Candidate, *, criteria: list[Criterion]) -> None:
    """The practical score is the mean of the room's examiners once all of them have
    scored; a spread above the configured threshold flags it for the chief examiner.
    A change of scores after a second look asks for a new one."""
    rules = certification_settings_get()
    examiners = set(candidate.room.examiners.values_list("user_id", flat=True))
    totals = examiner_totals(candidate, criteria)
    complete = bool(examiners) and examiners <= set(totals)
    if complete:
        values = [totals[e] for e in examiners]
        mean = (sum(values) / len(values)).quantize(TENTH, rounding=ROUND_HALF_UP)
        spread = max(values) - min(values)
        flagged = spread > rules.score_spread_threshold
    else:
        mean = spread = None
        flagged = False
    candidate.practical_score = mean
    candidate.spread = spread
    if flagged != candidate.flagged or candidate.flag_resolved_by_id is not None:
        candidate.flag_resolved_by = None
        candidate.flag_note = ""
    candidate.flagged = flagged
    candidate.save(
        update_fields=["practical_score", "spread", "flagged", "flag_resolved_by", "flag_note"]
    )


def practical_flag_resolve(
    *, candidate: Candidate, note: str, acting_user, request=None
) -> Candidate:
    """The chief examiner's second look at a flagged spread: the mean stands, with the
    note of what was checked (or the examiners score again, which recomputes)."""
    room = candidate.room
    if room is None or not is_room_chief(acting_user, room):
        raise PermissionDenied(m.MSG_ONLY_CHIEF)
    if room.is_signed_off:
        raise ValidationError(m.MSG_ROOM_SIGNED_OFF, code="signed_off")
    if not candidate.flagged:
        raise ValidationError(m.MSG_NOT_FLAGGED, code="not_flagged")
    note = clean_text(note)
    if not note:
        raise ValidationError({"note": ValidationError(m.MSG_NOTE_REQUIRED, "required")})
    with transaction.atomic():
        candidate.flag_resolved_by = acting_user
        candidate.flag_note = note[:200]
        candidate.save(update_fields=["flag_resolved_by", "flag_note"])
        audit_record(
            action="sitting.spread_resolved",
            actor=acting_user,
            target=candidate,
            request=request,
            data={"note": candidate.flag_note, "spread": str(candidate.spread)},
        )
    return candidate


def room_sign_off(*, room: Room, acting_user, request=None) -> Room:
    """The chief examiner signs the room off: every present candidate has a score from
    every examiner and no spread is left unresolved. The scores are locked after."""
    if not is_room_chief(acting_user, room):
        raise PermissionDenied(m.MSG_ONLY_CHIEF)
    if room.is_signed_off:
        raise ValidationError(m.MSG_ROOM_SIGNED_OFF, code="signed_off")
    needed = certification_settings_get().examiners_per_room
    if room.examiners.count() < needed:
        raise ValidationError(m.MSG_TOO_FEW_EXAMINERS, code="examiners", params={"count": needed})
    present = room.candidates.filter(
        status=CandidateStatus.CONFIRMED, attendance=Attendance.PRESENT
    )
    missing = present.filter(practical_score__isnull=True).count()
    flagged = present.filter(flagged=True, flag_resolved_by__isnull=True).count()
    if missing or flagged:
        raise ValidationError(
            m.MSG_SIGN_OFF_INCOMPLETE,
            code="incomplete",
            params={"missing": missing, "flagged": flagged},
        )
    with transaction.atomic():
        room.signed_off_at = timezone.now()
        room.signed_off_by = acting_user
        room.save(update_fields=["signed_off_at", "signed_off_by"])
        audit_record(
            action="sitting.room_signed_off",
            actor=acting_user,
            target=room.sitting,
            request=request,
            data={"room": room.number, "present": present.count()},
        )
    return room
