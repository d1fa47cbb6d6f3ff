"""The assessment sitting (认定批次) before the day: planning, rooms, candidates
(proposed, confirmed by their unit's coordinator, withdrawn) and seating.

Every service checks its rule before writing anything, raises the sentence from
`certificates.sitting_messages`, and writes one transaction with an audit entry.
"""

from __future__ import annotations

import datetime
import random
import secrets
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from core.text import clean_text
from exams.models import (
    FINISHED_STATUSES,
    Attempt,
    ExamSession,
    Question,
    QuestionStatus,
    QuestionType,
    SessionKind,
)
from organisation.access import departments_managed_by
from organisation.models import Department, Staff, StaffStatus

from .. import sitting_messages as m
from ..defaults import THEORY_BLUEPRINT as BLUEPRINT
from ..models import Candidate, CandidateStatus, Certificate, Room, Sitting, SkillLevel
from .common import MSG_LEVEL_NOT_OFFERED, certification_settings_get

# --- who may do what -------------------------------------------------------------------


def manages_unit(user, department: Department) -> bool:
    if user is None:
        return True  # system actions (commands, demo data)
    return departments_managed_by(user).filter(pk=department.pk).exists()


def check_organiser(user, sitting: Sitting) -> None:
    """The sitting's organisers: coordinators (and administrators) of its unit."""
    if not manages_unit(user, sitting.department):
        raise PermissionDenied(m.MSG_NOT_ORGANISER)


def _check_not_started(sitting: Sitting, now: datetime.datetime | None = None) -> None:
    if (now or timezone.now()) >= sitting.theory_starts_at:
        raise ValidationError(m.MSG_SITTING_STARTED, code="started")


# --- planning --------------------------------------------------------------------------


def _check_tasks(tasks: list[Question]) -> None:
    for task in tasks:
        if (
            task.type != QuestionType.SCENARIO
            or task.status != QuestionStatus.ACTIVE
            or not task.rubric
        ):
            raise ValidationError({"tasks": ValidationError(m.MSG_TASK_NOT_SCENARIO, "task")})


def _check_theory_session(session: ExamSession | None, acting_user) -> None:
    if session is None:
        return
    if session.kind != SessionKind.FORMAL_THEORY or not manages_unit(
        acting_user, session.department
    ):
        raise ValidationError(
            {"theory_session": ValidationError(m.MSG_THEORY_NOT_FORMAL, "theory")}
        )


def sitting_create(
    *,
    title: str,
    level: SkillLevel,
    department: Department,
    theory_starts_at: datetime.datetime,
    theory_ends_at: datetime.datetime,
    practical_starts_at: datetime.datetime,
    practical_ends_at: datetime.datetime,
    confirm_by: datetime.date,
    tasks: list[Question] = (),
    theory_session: ExamSession | None = None,
    create_theory: bool = False,
    acting_user=None,
    request=None,
) -> Sitting:
    """Plan a sitting for one offered level, organised by a unit the user manages.

    The theory part is an existing formal theory exam (`theory_session`) or, with
    `create_theory`, one made for the sitting (`sitting_theory_create`); a bank too short
    for its blueprint refuses the plan and nothing is written."""
    if not manages_unit(acting_user, department):
        raise PermissionDenied(m.MSG_NOT_ORGANISER)
    if not level.is_offered:
        raise ValidationError({"level": ValidationError(MSG_LEVEL_NOT_OFFERED, "level")})
    if (
        theory_ends_at <= theory_starts_at
        or practical_ends_at <= practical_starts_at
        or practical_starts_at < theory_starts_at
    ):
        raise ValidationError(m.MSG_TIMES_ORDER, code="times")
    if confirm_by >= timezone.localtime(theory_starts_at).date():
        raise ValidationError({"confirm_by": ValidationError(m.MSG_CONFIRM_BY_LATE, "late")})
    tasks = list(tasks)
    _check_tasks(tasks)
    _check_theory_session(theory_session, acting_user)
    with transaction.atomic():
        sitting = Sitting.objects.create(
            title=clean_text(title)[:200],
            level=level,
            department=department,
            theory_starts_at=theory_starts_at,
            theory_ends_at=theory_ends_at,
            practical_starts_at=practical_starts_at,
            practical_ends_at=practical_ends_at,
            confirm_by=confirm_by,
            theory_session=theory_session,
            created_by=acting_user,
        )
        sitting.tasks.set(tasks)
        audit_record(
            action="sitting.created",
            actor=acting_user,
            target=sitting,
            request=request,
            data={"level": level.code, "tasks": [t.pk for t in tasks]},
        )
        if theory_session is None and create_theory:
            sitting_theory_create(sitting=sitting, acting_user=acting_user, request=request)
    return sitting


def theory_blueprint() -> list[dict]:
    return [dict(rule) for rule in getattr(settings, "CERTIFICATES_THEORY_BLUEPRINT", BLUEPRINT)]


def sitting_theory_create(*, sitting: Sitting, acting_user=None, request=None) -> ExamSession:
    """The sitting's theory exam (理论知识考试), made by the exam engine the way every
    session is: created unpublished with the theory blueprint, then published by
    `exam_session_publish` (blueprint check, papers drawn ahead in the background). It
    is open during the theory window, for the sitting's confirmed candidates (kept in
    step when candidates are seated); each candidate's result then becomes their
    assessment's theory score. A bank too short for the blueprint raises the engine's
    messages, one per short rule."""
    from exams.services import exam_session_create, exam_session_publish

    check_organiser(acting_user, sitting)
    if sitting.theory_session_id is not None or sitting.results_at is not None:
        raise ValidationError(m.MSG_THEORY_ALREADY, code="theory_exists")
    minutes = int((sitting.theory_ends_at - sitting.theory_starts_at).total_seconds() // 60)
    with transaction.atomic():
        session = exam_session_create(
            title=clean_text(f"{sitting.title} {gettext('theory exam')}")[:200],
            kind=SessionKind.FORMAL_THEORY,
            department=sitting.department,
            opens_at=sitting.theory_starts_at,
            closes_at=sitting.theory_ends_at,
            duration_minutes=max(minutes, 1),
            staff_ids=list(
                sitting.candidates.filter(status=CandidateStatus.CONFIRMED).values_list(
                    "staff_id", flat=True
                )
            ),
            rules=theory_blueprint(),
            pass_mark=certification_settings_get().pass_mark,
            created_by=acting_user,
            publish=False,
            request=request,
        )
        session = exam_session_publish(session=session, acting_user=acting_user, request=request)
        sitting.theory_session = session
        sitting.save(update_fields=["theory_session"])
        audit_record(
            action="sitting.theory_created",
            actor=acting_user,
            target=sitting,
            request=request,
            data={"session": str(session.public_id)},
        )
    return session


def sitting_link_theory(
    *, sitting: Sitting, session: ExamSession, acting_user=None, request=None
) -> Sitting:
    """Make a formal theory exam of the organiser's units the sitting's theory part
    (its audience becomes the confirmed candidates while it has not opened). The exam it
    replaces, if it has not opened, loses the candidates as its audience and, when that
    leaves it nobody to sit it, is withdrawn (unpublished, its papers dropped)."""
    from exams.services import exam_session_update, exam_session_withdraw

    check_organiser(acting_user, sitting)
    if sitting.results_at is not None:
        raise ValidationError(m.MSG_SITTING_STARTED, code="started")
    _check_theory_session(session, acting_user)
    previous = sitting.theory_session
    with transaction.atomic():
        if (
            previous is not None
            and previous.pk != session.pk
            and previous.doors_open_at > timezone.now()
        ):
            exam_session_update(session=previous, fields={}, staff_ids=[], acting_user=acting_user)
            if not previous.audience_departments.exists():  # nobody is left to sit it
                exam_session_withdraw(session=previous, acting_user=acting_user, request=request)
        sitting.theory_session = session
        sitting.save(update_fields=["theory_session"])
        _sync_theory_audience(sitting, acting_user)
        audit_record(
            action="sitting.theory_linked",
            actor=acting_user,
            target=sitting,
            request=request,
            data={"session": str(session.public_id)},
        )
    return sitting


def sitting_room_add(
    *, sitting: Sitting, number: int, name: str, capacity: int, acting_user=None, request=None
) -> Room:
    check_organiser(acting_user, sitting)
    _check_not_started(sitting)
    if not 1 <= int(capacity) <= 500:
        raise ValidationError({"capacity": ValidationError(m.MSG_CAPACITY, "capacity")})
    if Room.objects.filter(sitting=sitting, number=number).exists():
        raise ValidationError({"number": ValidationError(m.MSG_ROOM_NUMBER_TAKEN, "taken")})
    with transaction.atomic():
        room = Room.objects.create(
            sitting=sitting, number=number, name=clean_text(name)[:100], capacity=capacity
        )
        audit_record(
            action="sitting.room_added",
            actor=acting_user,
            target=sitting,
            request=request,
            data={"room": number, "capacity": int(capacity)},
        )
    return room


# --- candidates ------------------------------------------------------------------------


def _valid_certificate_at_or_above(level: SkillLevel, day: datetime.date):
    return Certificate.objects.filter(
        staff=OuterRef("pk"),
        level__code__lte=level.code,
        revoked_on__isnull=True,
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=day))


def _passed_monthly_exam():
    return Attempt.objects.filter(
        staff=OuterRef("pk"),
        session__kind=SessionKind.MONTHLY,
        status__in=FINISHED_STATUSES,
        passed=True,
    )


def eligible_staff(*, sitting: Sitting, within: QuerySet[Department]) -> QuerySet[Staff]:
    """Active window staff of `within`, not yet certified at the sitting's level, not
    yet candidates, annotated `passed_exam` (the list a coordinator proposes from)."""
    today = timezone.localdate()
    return (
        Staff.objects.filter(department__in=within, status=StaffStatus.ACTIVE, is_window_staff=True)
        .exclude(Exists(_valid_certificate_at_or_above(sitting.level, today)))
        .exclude(Exists(Candidate.objects.filter(sitting=sitting, staff=OuterRef("pk"))))
        .annotate(passed_exam=Exists(_passed_monthly_exam()))
        .select_related("department")
        .order_by("department__path", "staff_number")
    )


def _check_eligible(*, sitting: Sitting, staff: Staff, recommended: bool) -> None:
    params = {"name": staff.name}
    if not (staff.status == StaffStatus.ACTIVE and staff.is_window_staff):
        raise ValidationError(m.MSG_NOT_ELIGIBLE_STAFF, code="not_window_staff")
    today = timezone.localdate()
    if (
        Staff.objects.filter(pk=staff.pk)
        .filter(Exists(_valid_certificate_at_or_above(sitting.level, today)))
        .exists()
    ):
        raise ValidationError(m.MSG_ALREADY_CERTIFIED, code="certified", params=params)
    if Candidate.objects.filter(sitting=sitting, staff=staff).exists():
        raise ValidationError(m.MSG_ALREADY_CANDIDATE, code="duplicate", params=params)
    rule = certification_settings_get().eligibility_rule
    passed = Staff.objects.filter(pk=staff.pk).filter(Exists(_passed_monthly_exam())).exists()
    if rule == "exam" and not passed:
        raise ValidationError(m.MSG_NOT_ELIGIBLE_EXAM, code="eligibility", params=params)
    if rule == "recommended" and not recommended:
        raise ValidationError(m.MSG_NOT_ELIGIBLE_RECOMMENDED, code="eligibility", params=params)
    if rule == "exam_or_recommended" and not (passed or recommended):
        raise ValidationError(m.MSG_NOT_ELIGIBLE_RULE, code="eligibility", params=params)


def candidate_propose(
    *, sitting: Sitting, staff: Staff, recommended: bool = False, acting_user=None, request=None
) -> Candidate:
    """Propose an eligible person: by the sitting's organisers or by the person's own
    unit coordinator (who may recommend them)."""
    if not (manages_unit(acting_user, staff.department)):
        raise PermissionDenied(m.MSG_NOT_THEIR_COORDINATOR)
    _check_not_started(sitting)
    _check_eligible(sitting=sitting, staff=staff, recommended=recommended)
    with transaction.atomic():
        candidate = Candidate.objects.create(
            sitting=sitting, staff=staff, recommended=recommended, proposed_by=acting_user
        )
        audit_record(
            action="sitting.candidate_proposed",
            actor=acting_user,
            target=candidate,
            request=request,
            data={"sitting": str(sitting.public_id), "staff": str(staff.public_id)},
        )
    return candidate


def candidate_confirm(*, candidate: Candidate, acting_user=None, request=None) -> Candidate:
    """The candidate's own unit coordinator confirms them, before the deadline."""
    if not manages_unit(acting_user, candidate.staff.department):
        raise PermissionDenied(m.MSG_NOT_THEIR_COORDINATOR)
    if candidate.status != CandidateStatus.PROPOSED:
        raise ValidationError(m.MSG_NOT_PROPOSED, code="not_proposed")
    if timezone.localdate() > candidate.sitting.confirm_by:
        raise ValidationError(m.MSG_CONFIRM_DEADLINE, code="deadline")
    with transaction.atomic():
        candidate.status = CandidateStatus.CONFIRMED
        candidate.confirmed_by = acting_user
        candidate.confirmed_at = timezone.now()
        candidate.save(update_fields=["status", "confirmed_by", "confirmed_at"])
        audit_record(
            action="sitting.candidate_confirmed",
            actor=acting_user,
            target=candidate,
            request=request,
        )
    return candidate


def candidate_withdraw(
    *, candidate: Candidate, reason: str, acting_user=None, request=None
) -> Candidate:
    """Withdraw with a reason (their unit's coordinator or the organisers). The seat is
    freed; the ticket stays known so that a scan says why it is refused."""
    sitting = candidate.sitting
    if not (
        manages_unit(acting_user, candidate.staff.department)
        or manages_unit(acting_user, sitting.department)
    ):
        raise PermissionDenied(m.MSG_NOT_THEIR_COORDINATOR)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": ValidationError(m.MSG_WITHDRAW_REASON, "required")})
    if candidate.status == CandidateStatus.WITHDRAWN:
        raise ValidationError(m.MSG_ALREADY_WITHDRAWN, code="withdrawn")
    if hasattr(candidate, "check_in"):
        raise ValidationError(m.MSG_SITTING_STARTED, code="started")
    with transaction.atomic():
        candidate.status = CandidateStatus.WITHDRAWN
        candidate.withdrawn_reason = reason[:200]
        candidate.seat = None
        candidate.save(update_fields=["status", "withdrawn_reason", "seat"])
        audit_record(
            action="sitting.candidate_withdrawn",
            actor=acting_user,
            target=candidate,
            request=request,
            data={"reason": candidate.withdrawn_reason},
        )
    return candidate


# --- seats and tickets -----------------------------------------------------------------


def ticket_number_for(sitting: Sitting, room: Room, seat: int) -> str:
    """年(2) 等级(1) 批次(4) 考场(2) 考位(3), e.g. 26 4 0007 01 012 -> 264000701012."""
    year = timezone.localtime(sitting.theory_starts_at).year % 100
    return f"{year:02d}{sitting.level.code}{sitting.pk % 10000:04d}{room.number:02d}{seat:03d}"


def spread_units(people: list[Candidate], rng: random.Random) -> list[Candidate]:
    """An order in which people of one unit are never neighbours where that is
    possible: each step takes from the unit with most people left, other than the
    unit just taken (ties in an order drawn by `rng`)."""
    groups: dict[int, list[Candidate]] = defaultdict(list)
    for person in people:
        groups[person.staff.department_id].append(person)
    units = list(groups)
    rng.shuffle(units)
    rank = {unit: i for i, unit in enumerate(units)}
    for unit in units:
        rng.shuffle(groups[unit])
    order: list[Candidate] = []
    last = None
    while len(order) < len(people):
        left = sorted((u for u in units if groups[u]), key=lambda u: (-len(groups[u]), rank[u]))
        pick = next((u for u in left if u != last), left[0])
        order.append(groups[pick].pop())
        last = pick
    return order


def _away_from_own_examiners(
    order: list[Candidate], room_of_place: list[Room], rooms: list[Room]
) -> list[Candidate]:
    """Examiners already in a room never examine their own unit: a person who would sit
    before one is swapped with someone of another room where neither clashes."""
    from organisation.access import examiner_conflict_units

    clash = {
        room.pk: {
            unit
            for assignment in room.examiners.select_related("user")
            for unit in examiner_conflict_units(assignment.user).values_list("pk", flat=True)
        }
        for room in rooms
    }
    if not any(clash.values()):
        return order
    order = list(order)
    for i, room in enumerate(room_of_place):
        if order[i].staff.department_id not in clash[room.pk]:
            continue
        for j, other_room in enumerate(room_of_place):
            if (
                other_room.pk != room.pk
                and order[i].staff.department_id not in clash[other_room.pk]
                and order[j].staff.department_id not in clash[room.pk]
            ):
                order[i], order[j] = order[j], order[i]
                break
    return order


def sitting_assign_seats(
    *, sitting: Sitting, seed: int | None = None, acting_user=None, request=None
) -> Sitting:
    """Seat every confirmed candidate at random (deterministic for a given `seed`),
    room after room, people of one unit apart where the rooms allow; give each a
    ticket number. Run again before the day to reseat everyone."""
    check_organiser(acting_user, sitting)
    _check_not_started(sitting)
    rooms = list(sitting.rooms.order_by("number"))
    if not rooms:
        raise ValidationError(m.MSG_NO_ROOMS, code="no_rooms")
    people = list(
        sitting.candidates.filter(status=CandidateStatus.CONFIRMED)
        .select_related("staff")
        .order_by("pk")
    )
    if not people:
        raise ValidationError(m.MSG_NO_CONFIRMED, code="no_candidates")
    seats = sum(room.capacity for room in rooms)
    if len(people) > seats:
        raise ValidationError(
            m.MSG_OVER_CAPACITY, code="capacity", params={"count": len(people), "seats": seats}
        )
    seed = secrets.randbits(31) if seed is None else int(seed)
    order = spread_units(people, random.Random(seed))
    # Fill the rooms evenly (by share of the seats), so every room can keep units apart.
    places: list[tuple[Room, int]] = []
    quotas = [len(people) * room.capacity // seats for room in rooms]
    for i in range(len(people) - sum(quotas)):
        free = [j for j, room in enumerate(rooms) if quotas[j] < room.capacity]
        quotas[free[i % len(free)]] += 1
    for room, quota in zip(rooms, quotas, strict=True):
        places.extend((room, seat) for seat in range(1, quota + 1))
    order = _away_from_own_examiners(order, [room for room, _ in places], rooms)
    with transaction.atomic():
        sitting.candidates.update(seat=None)
        for person, (room, seat) in zip(order, places, strict=False):
            person.room, person.seat = room, seat
            person.ticket_number = ticket_number_for(sitting, room, seat)
        # Tickets of a reseating may swap between people (or be a withdrawn person's
        # old one): clear, then write.
        sitting.candidates.filter(
            Q(pk__in=[p.pk for p in people]) | Q(ticket_number__in=[p.ticket_number for p in order])
        ).update(ticket_number=None)
        Candidate.objects.bulk_update(order, ["room", "seat", "ticket_number"])
        sitting.seating_seed = seed
        sitting.seated_at = timezone.now()
        sitting.save(update_fields=["seating_seed", "seated_at"])
        _sync_theory_audience(sitting, acting_user)
        audit_record(
            action="sitting.seated",
            actor=acting_user,
            target=sitting,
            request=request,
            data={"seed": seed, "candidates": len(people), "rooms": len(rooms)},
        )
    return sitting


def _sync_theory_audience(sitting: Sitting, acting_user) -> None:
    """The theory exam's audience is the confirmed candidates (before it opens)."""
    from exams.services import exam_session_update

    session = sitting.theory_session
    if session is None or session.doors_open_at <= timezone.now():
        return
    exam_session_update(
        session=session,
        fields={},
        acting_user=acting_user,
        staff_ids=list(
            sitting.candidates.filter(status=CandidateStatus.CONFIRMED).values_list(
                "staff_id", flat=True
            )
        ),
    )


def candidate_assign_seat(
    *, candidate: Candidate, room: Room, seat: int, acting_user=None, request=None
) -> Candidate:
    """Move one confirmed candidate to a given seat (the ticket number follows)."""
    sitting = candidate.sitting
    check_organiser(acting_user, sitting)
    _check_not_started(sitting)
    params = {"room": f"{room.number:02d}", "seat": seat, "capacity": room.capacity}
    if candidate.status != CandidateStatus.CONFIRMED:
        raise ValidationError(m.MSG_NOT_CONFIRMED, code="not_confirmed")
    if room.sitting_id != sitting.pk or not 1 <= int(seat) <= room.capacity:
        raise ValidationError(
            {"seat": ValidationError(m.MSG_SEAT_OVER_CAPACITY, "capacity", params)}
        )
    if Candidate.objects.filter(room=room, seat=seat).exclude(pk=candidate.pk).exists():
        raise ValidationError({"seat": ValidationError(m.MSG_SEAT_TAKEN, "taken", params)})
    with transaction.atomic():
        candidate.room, candidate.seat = room, int(seat)
        candidate.ticket_number = ticket_number_for(sitting, room, int(seat))
        sitting.candidates.filter(ticket_number=candidate.ticket_number).exclude(
            pk=candidate.pk
        ).update(ticket_number=None)
        candidate.save(update_fields=["room", "seat", "ticket_number"])
        audit_record(
            action="sitting.seat_assigned",
            actor=acting_user,
            target=candidate,
            request=request,
            data={"room": room.number, "seat": int(seat)},
        )
    return candidate
