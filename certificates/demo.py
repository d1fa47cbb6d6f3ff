"""The certificates the demo city held before it started using the system.

The city's window staff who passed the national skill assessment earlier hold paper
certificates from the provincial assessment body; the system went live with them
recorded (source "from elsewhere"), as a city's administrators record them when they
start. Each unit has its own share (so red and yellow cards mean something), the
certificates were issued over the years before, a few revoked, some with an expiry
date (a few close to it, so the reminders have something to do); the month-end
snapshots before go-live are rebuilt from that record. Everything after go-live
(assessments, certificates issued by the city) comes from the simulation
(`training/simulation.py`). Of the demo learners, the first holds a certificate and the
second does not. Deterministic for a given generator and day.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from organisation.models import Department, RoleAssignment, Staff

from .models import (
    OCCUPATION,
    WORK_TYPE,
    Candidate,
    Certificate,
    CertificateSource,
    Sitting,
    SkillLevel,
)
from .rates import rate_snapshots_rebuild
from .services import CODE_ALPHABET, CODE_LENGTH, add_years, certification_settings_get

OTHER_BODY = "江西省职业技能鉴定指导中心"


@dataclass
class DemoCertificates:
    certificates: int = 0
    assessments: int = 0
    snapshots: int = 0


def _code(rng: random.Random) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _level(rng: random.Random, levels: dict[int, SkillLevel]) -> SkillLevel:
    roll = rng.random()
    return levels[5] if roll < 0.7 else levels[4] if roll < 0.94 else levels[3]


def seed_certificates(
    *, rng: random.Random, before: datetime.date | None = None
) -> DemoCertificates:
    """Record the certificates held before `before` (go-live; today by default)."""
    before = before or timezone.localdate()
    certification_settings_get()  # the levels and rules (re-created if a flush lost them)
    levels = {lv.code: lv for lv in SkillLevel.objects.all()}
    result = DemoCertificates()

    # Per-unit shares: most units between 45% and 90%, a few far behind.
    targets: dict[int, float] = {}
    for pk in Department.objects.order_by("path").values_list("pk", flat=True):
        roll = rng.random()
        targets[pk] = (
            rng.uniform(0.15, 0.4)
            if roll < 0.12
            else rng.uniform(0.45, 0.75)
            if roll < 0.5
            else rng.uniform(0.76, 0.92)
        )

    has_role = RoleAssignment.objects.filter(user_id=OuterRef("user_id"))
    learners = list(
        Staff.objects.filter(user__isnull=False)
        .exclude(Exists(has_role))
        .order_by("staff_number")
        .values_list("pk", flat=True)
    )
    certified_learner = learners[0] if learners else None
    uncertified = set(learners[1:])

    staff_rows = list(
        Staff.objects.filter(is_window_staff=True)
        .order_by("department__path", "staff_number")
        .values_list("pk", "name", "id_number_masked", "department_id")
    )
    certificates: list[Certificate] = []
    for pk, name, masked, department_id in staff_rows:
        wanted = rng.random() < targets.get(department_id, 0.7)
        if pk == certified_learner:
            wanted = True
        if pk in uncertified or not wanted:
            continue
        level = _level(rng, levels)
        # Issued over the four years before go-live, more of them recently: the
        # city's drive to certify everyone started a year before.
        days = int(1400 * rng.random() ** 1.8)
        issued = before - datetime.timedelta(days=max(days, 1))
        expires = add_years(issued, 3) if rng.random() < 0.25 else None
        if expires is not None and expires < before and rng.random() < 0.7:
            expires = None  # most were renewed without a date on record
        number = f"JX{issued.year}{rng.randint(0, 999_999):06d}{len(certificates):05d}"
        revoked = None
        if rng.random() < 0.008 and pk != certified_learner:
            revoked = issued + datetime.timedelta(days=rng.randint(10, 60))
            revoked = min(revoked, before)
        certificates.append(
            Certificate(
                number=number,
                verification_code=_code(rng),
                staff_id=pk,
                source=CertificateSource.EXTERNAL,
                level=level,
                holder_name=name,
                id_number_masked=masked,
                occupation=OCCUPATION,
                work_type=WORK_TYPE,
                issue_date=issued,
                expires_on=expires,
                assessment_body=OTHER_BODY,
                revoked_on=revoked,
                revoked_reason="认定材料不实" if revoked else "",
            )
        )
    # A few certificates close to expiry, so the reminders have something to do.
    for certificate in certificates[5::400]:
        if certificate.revoked_on is None:
            certificate.expires_on = before + datetime.timedelta(days=rng.randint(20, 80))
    Certificate.objects.bulk_create(certificates, batch_size=1000)
    result.certificates = len(certificates)
    result.snapshots = len(rate_snapshots_rebuild(months=12, today=before))
    return result


def city_organiser():
    """The coordinator of the city's top unit (who organises its sittings), or None."""
    from organisation.models import Role

    return (
        RoleAssignment.objects.filter(
            role=Role.COORDINATOR, department__depth=1, user__is_active=True
        )
        .select_related("user", "department")
        .order_by("pk")
        .first()
    )


def practical_tasks() -> list:
    """The bank's practical tasks: active scenario tasks with a rubric."""
    from exams.models import Question, QuestionStatus, QuestionType

    return list(
        Question.objects.filter(type=QuestionType.SCENARIO, status=QuestionStatus.ACTIVE)
        .exclude(rubric=[])
        .order_by("pk")
    )


def city_sitting_plan(
    *,
    organiser,
    city: Department,
    day: datetime.date,
    confirm_by: datetime.date,
    theory: tuple[datetime.time, datetime.time],
    practical: tuple[datetime.time, datetime.time],
    tasks: list,
) -> Sitting:
    """The city's sitting on `day` at the required level (or the lowest offered one),
    planned through `sitting_create` with its theory exam."""
    from .services import sitting_create

    level = certification_settings_get().required_level
    if not level.is_offered:
        level = SkillLevel.objects.filter(is_offered=True).order_by("-code").first()

    def at(moment: datetime.time) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, moment))

    return sitting_create(
        title=f"{day.year}年{day.month}月政务服务综合窗口办事员认定（{level.name}）",
        level=level,
        department=city,
        theory_starts_at=at(theory[0]),
        theory_ends_at=at(theory[1]),
        practical_starts_at=at(practical[0]),
        practical_ends_at=at(practical[1]),
        confirm_by=confirm_by,
        tasks=tasks,
        create_theory=True,
        acting_user=organiser,
    )


def seed_sitting(*, today: datetime.date | None = None, keep: tuple[str, ...] = ()):
    """The city's next assessment sitting (认定批次), planned by its coordinator on the
    real services three weeks ahead: the required level, the demo bank's practical
    tasks, the theory exam created with the plan, two rooms, and everyone who has passed
    a monthly exam and holds no certificate proposed and confirmed, except in the units
    coded `keep` (the README's township), whose coordinator proposes on the page.
    Returns the sitting, or None when the city has no coordinator or no practical task."""
    from .services import (
        candidate_confirm,
        candidate_propose,
        eligible_staff,
        sitting_room_add,
    )

    today = today or timezone.localdate()
    assignment = city_organiser()
    tasks = practical_tasks()
    if assignment is None or not tasks:
        return None
    city, organiser = assignment.department, assignment.user
    planned = (
        Sitting.objects.filter(department=city, theory_starts_at__gt=timezone.now())
        .order_by("theory_starts_at")
        .first()
    )
    if planned is not None:  # the city's month already has its sitting
        return planned
    day = today + datetime.timedelta(days=21)
    sitting = city_sitting_plan(
        organiser=organiser,
        city=city,
        day=day,
        confirm_by=day - datetime.timedelta(days=7),
        theory=(datetime.time(9), datetime.time(10, 30)),
        practical=(datetime.time(14), datetime.time(17)),
        tasks=tasks,
    )
    sitting_room_add(
        sitting=sitting, number=1, name="市政务服务中心三楼机房", capacity=40, acting_user=organiser
    )
    sitting_room_add(
        sitting=sitting, number=2, name="市政务服务中心四楼机房", capacity=40, acting_user=organiser
    )
    within = Department.objects.filter(city.subtree_q())
    for unit in Department.objects.filter(code__in=keep):
        within = within.exclude(unit.subtree_q())
    # Not whoever is already a candidate of a sitting still to be held.
    waiting = Candidate.objects.filter(sitting__results_at__isnull=True).values("staff_id")
    for staff in eligible_staff(sitting=sitting, within=within).exclude(pk__in=waiting):
        if not staff.passed_exam:
            continue
        candidate = candidate_propose(sitting=sitting, staff=staff, acting_user=organiser)
        candidate_confirm(candidate=candidate, acting_user=organiser)
    return sitting
