"""Special guidance after a monthly exam: plans, mentors, sessions, follow-ups."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.text import clean_text
from organisation.models import Department, Role, RoleAssignment, Staff, StaffStatus

from .. import certificates_adapter, exams_adapter
from ..models import (
    GuidancePlan,
    GuidanceStatus,
    Lesson,
    MentorSession,
    MonthlyExam,
    Programme,
)
from .common import MSG_ATTENDEES_REQUIRED, MSG_PLAN_CLOSED, MSG_SCORE_RANGE, MSG_TOPIC_REQUIRED
from .notifications import notification_send


def weak_points_of(result: exams_adapter.ExamResult, threshold: float) -> list[dict]:
    """The knowledge points where this result is below the threshold, weakest first."""
    weak = [
        {"id": kp_id, "name": name, "score": round(float(pct), 1)}
        for kp_id, (name, pct) in result.points.items()
        if float(pct) < threshold
    ]
    return sorted(weak, key=lambda p: (p["score"], p["name"]))


def mentor_for(*, staff: Staff, weak_ids: set[int], certified: set[int], coordinators) -> dict:
    """An experienced certified colleague in the same unit (longest service first), else
    the unit's nearest coordinator."""
    # The unit's staff are few; the city's certified people are thousands, so they are
    # matched here rather than sent to the database as a list of ids for every plan.
    colleagues = (
        Staff.objects.filter(department_id=staff.department_id, status=StaffStatus.ACTIVE)
        .exclude(pk=staff.pk)
        .order_by(F("hire_date").asc(nulls_last=True), "pk")
        .values_list("pk", flat=True)
    )
    colleague = next((pk for pk in colleagues if pk in certified), None)
    if colleague is not None:
        return {"mentor": Staff.objects.get(pk=colleague)}
    coordinator = coordinators(staff.department)
    return {"mentor_user": coordinator}


def _carry_over(
    weak: list[dict], before: list[dict], result: exams_adapter.ExamResult | None, threshold: float
) -> list[dict]:
    """The weak points of a plan that continues an open one: this exam's, then the open
    plan's that this exam did not show mastered (weakest first). A point the exam shows
    at or above the threshold is dropped, so a plan does not grow month after month;
    when that would leave nothing, the open plan's points stay (a plan is closed by its
    follow-up check, not by the exam)."""
    known = {p["id"] for p in weak}
    mastered = {
        k for k, (_name, score) in (result.points if result else {}).items() if score >= threshold
    }
    left = [p for p in before if p["id"] not in known]
    carried = [p for p in left if p["id"] not in mastered] or ([] if weak else left)
    return weak + sorted(carried, key=lambda p: (p["score"], p["name"]))


def _nearest_coordinator_factory():
    cache: dict[int, object] = {}

    def nearest(department: Department):
        if department.pk not in cache:
            steplen = department.steplen
            ancestors = [department.path[:i] for i in range(len(department.path), 0, -steplen)]
            assignment = (
                RoleAssignment.objects.filter(role=Role.COORDINATOR, department__path__in=ancestors)
                .select_related("user")
                .order_by("-department__depth", "pk")
                .first()
            )
            cache[department.pk] = assignment.user if assignment else None
        return cache[department.pk]

    return nearest


@dataclass
class GuidanceResult:
    created: list[GuidancePlan] = field(default_factory=list)
    continued: int = 0


def guidance_generate(
    *,
    monthly_exam: MonthlyExam,
    results: dict[int, exams_adapter.ExamResult] | None = None,
    created_by=None,
) -> GuidanceResult:
    """Special guidance after a monthly exam.

    For every person with a result: the weak knowledge points (below the programme's
    threshold). Whoever failed, or has a weak point, or still has an open plan from an
    earlier cycle gets a plan (the open plan is marked "continued" and linked): targeted
    lessons (modules covering the weak points), a targeted practice set, a mentor and a
    follow-up quiz. Safe to run twice (one plan per person and monthly exam).
    """
    programme = monthly_exam.programme
    if results is None:
        if monthly_exam.exam_session_id is None:
            return GuidanceResult()
        results = exams_adapter.session_results(session_id=monthly_exam.exam_session_id)
        if monthly_exam.makeup_session_id:
            results = {
                **exams_adapter.session_results(session_id=monthly_exam.makeup_session_id),
                **results,
            }
    threshold = float(programme.weak_point_threshold)
    done = set(
        GuidancePlan.objects.filter(monthly_exam=monthly_exam).values_list("staff_id", flat=True)
    )
    open_before = {
        plan.staff_id: plan
        for plan in GuidancePlan.objects.filter(
            monthly_exam__programme=programme,
            status=GuidanceStatus.OPEN,
            monthly_exam__month__lt=monthly_exam.month,
        ).order_by("created_at")
    }
    staff_by_id = Staff.objects.select_related("department").in_bulk(
        [*results.keys(), *open_before.keys()]
    )
    certified = certificates_adapter.certified_staff_ids(
        staff_ids=None
    )  # mentors may come from the whole unit
    coordinators = _nearest_coordinator_factory()
    lessons_by_point = _lessons_by_knowledge_point(programme=programme)
    outcome = GuidanceResult()
    for staff_id in sorted(set(results) | set(open_before)):
        staff = staff_by_id.get(staff_id)
        if staff is None or staff_id in done or staff.status != StaffStatus.ACTIVE:
            continue
        result = results.get(staff_id)
        weak = weak_points_of(result, threshold) if result else []
        failed = bool(result and not result.passed)
        previous = open_before.get(staff_id)
        if previous is not None:
            weak = _carry_over(weak, previous.weak_points, result, threshold)
        if not (failed or weak or previous):
            continue
        if failed and not weak and result:
            weak = sorted(
                (
                    {"id": k, "name": n, "score": round(float(s), 1)}
                    for k, (n, s) in result.points.items()
                ),
                key=lambda p: p["score"],
            )[:3]
        weak_ids = {p["id"] for p in weak}
        # What the bank can draw for the check; what it cannot is said on the plan.
        check = exams_adapter.check_rules(
            knowledge_point_ids=sorted(weak_ids), per_point=exams_adapter.FOLLOWUP_PER_POINT
        )
        with transaction.atomic():
            plan = GuidancePlan.objects.create(
                followup_note="\n".join(check.problems),
                staff=staff,
                monthly_exam=monthly_exam,
                previous=previous,
                failed_exam=failed,
                exam_score=result.score if result else None,
                weak_points=weak,
                practice_set_id=exams_adapter.practice_set_for_points(
                    title=gettext("Targeted practice: %(name)s") % {"name": staff.name},
                    knowledge_point_ids=sorted(weak_ids),
                ),
                followup_session_id=exams_adapter.followup_session_create(
                    title=gettext("Follow-up quiz %(month)s")
                    % {"month": monthly_exam.month.strftime("%Y-%m")},
                    knowledge_point_ids=sorted(weak_ids),
                    staff_ids=[staff_id],
                    department=programme.department,
                    created_by=created_by,
                ),
                **mentor_for(
                    staff=staff, weak_ids=weak_ids, certified=certified, coordinators=coordinators
                ),
            )
            lesson_ids = sorted({i for p in weak_ids for i in lessons_by_point.get(p, ())})
            if lesson_ids:
                plan.lessons.set(lesson_ids)
            if previous is not None:
                GuidancePlan.objects.filter(pk=previous.pk, status=GuidanceStatus.OPEN).update(
                    status=GuidanceStatus.CONTINUED
                )
                outcome.continued += 1
        outcome.created.append(plan)
        if plan.followup_note:
            _tell_coordinator_about_check(plan, coordinators(staff.department))
        if staff.user_id:
            notification_send(
                user=staff.user,
                key=f"guidance:{plan.pk}",
                title=gettext("Your guidance plan is ready"),
                body=", ".join(p["name"] for p in weak),
                url=reverse("training:plan", args=[plan.public_id]),
                email=False,
            )
    MonthlyExam.objects.filter(pk=monthly_exam.pk).update(guidance_generated_at=timezone.now())
    if outcome.created:
        audit_record(
            action="training.guidance_generated",
            actor=created_by,
            target=monthly_exam,
            data={"plans": len(outcome.created), "continued": outcome.continued},
        )
    return outcome


def _tell_coordinator_about_check(plan: GuidancePlan, coordinator) -> None:
    """The coordinator of a plan whose follow-up check could not be drawn as asked
    learns why (and can fill the bank or record the follow-up by hand)."""
    if coordinator is None:
        return
    if plan.followup_session_id:
        title = gettext("The follow-up check of %(name)s was drawn from other questions")
    else:
        title = gettext("No follow-up check could be drawn for %(name)s")
    notification_send(
        user=coordinator,
        key=f"plan-check:{plan.pk}",
        title=(title % {"name": plan.staff.name})[:200],
        body=plan.followup_note,
        url=reverse("training:plan", args=[plan.public_id]),
        email=False,
    )


def _lessons_by_knowledge_point(*, programme: Programme) -> dict[int, list[int]]:
    mapping: dict[int, list[int]] = defaultdict(list)
    rows = Lesson.objects.filter(module__track__programme=programme).values_list(
        "pk", "module__knowledge_point_ids"
    )
    for lesson_id, point_ids in rows:
        for point_id in point_ids or ():
            mapping[int(point_id)].append(lesson_id)
    return mapping


@transaction.atomic
def guidance_followup_record(
    *, plan: GuidancePlan, score: Decimal | float, passed: bool | None = None, actor=None
) -> GuidancePlan:
    """Record the follow-up quiz: a pass closes the plan; otherwise it stays open and
    continues into the next cycle at the next guidance generation."""
    plan = GuidancePlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != GuidanceStatus.OPEN:
        raise ValidationError(MSG_PLAN_CLOSED, code="closed")
    score = Decimal(str(score))
    if not Decimal(0) <= score <= Decimal(100):
        raise ValidationError(MSG_SCORE_RANGE, code="score")
    if passed is None:
        passed = score >= plan.monthly_exam.programme.monthly_exam_pass_score
    plan.followup_score = score
    fields = ["followup_score"]
    if passed:
        plan.status = GuidanceStatus.CLOSED
        plan.closed_at = timezone.now()
        fields += ["status", "closed_at"]
    plan.save(update_fields=fields)
    audit_record(
        action="training.guidance_followup",
        actor=actor,
        target=plan,
        data={"score": str(score), "passed": passed},
    )
    return plan


def guidance_followups_collect() -> int:
    """Read the follow-up quiz results from the exam engine for open plans (only the
    checks somebody has finished: most open plans' checks are not yet taken)."""
    closed = 0
    plans = list(
        GuidancePlan.objects.filter(
            status=GuidanceStatus.OPEN,
            followup_session_id__isnull=False,
            followup_score__isnull=True,
        ).select_related("monthly_exam__programme")
    )
    taken = exams_adapter.sessions_with_finished_attempts(
        session_ids=[plan.followup_session_id for plan in plans]
    )
    for plan in plans:
        if plan.followup_session_id not in taken:
            continue
        result = exams_adapter.session_results(session_id=plan.followup_session_id).get(
            plan.staff_id
        )
        if result is not None:
            plan = guidance_followup_record(plan=plan, score=result.score, passed=result.passed)
            closed += plan.status == GuidanceStatus.CLOSED
    return closed


MSG_MENTOR_NOT_COLLEAGUE = _("The mentor must be an active colleague of the same unit.")


@transaction.atomic
def guidance_plan_set_mentor(
    *, plan: GuidancePlan, mentor: Staff | None = None, mentor_user=None, actor
) -> GuidancePlan:
    """A coordinator chooses the mentor: a colleague of the same unit, or a user
    (normally the coordinator themself)."""
    if mentor is not None and (
        mentor.department_id != plan.staff.department_id
        or mentor.status != StaffStatus.ACTIVE
        or mentor.pk == plan.staff_id
    ):
        raise ValidationError({"mentor": MSG_MENTOR_NOT_COLLEAGUE})
    plan.mentor = mentor
    plan.mentor_user = None if mentor is not None else mentor_user
    plan.save(update_fields=["mentor", "mentor_user"])
    audit_record(
        action="training.guidance_mentor_set",
        actor=actor,
        target=plan,
        data={"mentor": str(mentor.public_id) if mentor else None, "user": plan.mentor_user_id},
    )
    return plan


@transaction.atomic
def mentor_session_record(
    *,
    plan: GuidancePlan,
    held_on: datetime.date,
    topic: str,
    attendees: Iterable[Staff],
    notes: str = "",
    actor,
) -> MentorSession:
    topic = clean_text(topic or "")
    attendees = list(attendees)
    errors = {}
    if not topic:
        errors["topic"] = ValidationError(MSG_TOPIC_REQUIRED, code="required")
    if not attendees:
        errors["attendees"] = ValidationError(MSG_ATTENDEES_REQUIRED, code="required")
    if errors:
        raise ValidationError(errors)
    session = MentorSession.objects.create(
        plan=plan, held_on=held_on, topic=topic, notes=(notes or "").strip(), recorded_by=actor
    )
    session.attendees.set(attendees)
    audit_record(
        action="training.mentor_session_recorded",
        actor=actor,
        target=plan,
        data={"session": session.pk, "attendees": len(attendees)},
    )
    return session
