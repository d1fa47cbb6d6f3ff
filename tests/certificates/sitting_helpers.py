"""Builders for assessment sitting tests: a sitting with a scenario task, candidates
who passed a monthly exam (through the exam engine), examiners."""

from __future__ import annotations

import datetime

from django.utils import timezone

from certificates.models import CandidateStatus, Sitting
from certificates.services import (
    candidate_confirm,
    candidate_propose,
    certification_settings_get,
    sitting_create,
    sitting_room_add,
)
from exams.models import KnowledgePoint, Question, QuestionType
from organisation.models import Role, RoleAssignment

from ..exams.helpers import hand_in_and_score, open_session
from ..factories import StaffFactory, UserFactory, make_user_with_role

RUBRIC = [
    {"item": "受理材料审核", "points": 40},
    {"item": "系统操作规范", "points": 30},
    {"item": "服务礼仪", "points": 30},
]


def scenario_task(stem: str = "综窗受理情景操作：企业开办一件事") -> Question:
    kp, _ = KnowledgePoint.objects.get_or_create(name="一网通办平台操作")
    return Question.objects.create(
        type=QuestionType.SCENARIO,
        stem=stem,
        rubric=RUBRIC,
        points=100,
        knowledge_point=kp,
    )


def plan_sitting(
    organiser, department, level, *, starts_in=datetime.timedelta(days=3), tasks=None, **kwargs
) -> Sitting:
    start = timezone.now() + starts_in
    return sitting_create(
        title=kwargs.pop("title", "2026年第4批政务服务综合窗口办事员认定"),
        level=level,
        department=department,
        theory_starts_at=start,
        theory_ends_at=start + datetime.timedelta(minutes=90),
        practical_starts_at=start + datetime.timedelta(hours=2),
        practical_ends_at=start + datetime.timedelta(hours=5),
        confirm_by=timezone.localtime(start).date() - datetime.timedelta(days=1),
        tasks=tasks if tasks is not None else [scenario_task()],
        acting_user=organiser,
        **kwargs,
    )


def passed_monthly_exam(unit, *, exam_unit=None):
    """A person of `unit` who answered every question of a monthly exam of `exam_unit`
    (their own unit by default) right, handed in and was scored (the bank must hold
    two single-choice questions)."""
    from exams.services import attempt_save, attempt_start

    user = UserFactory()
    staff = StaffFactory(department=unit, user=user)
    exam_unit = exam_unit or unit
    session = open_session(
        exam_unit, departments=[exam_unit], rules=[{"type": "single", "count": 2, "points": 50}]
    )
    attempt = attempt_start(session=session, staff=staff)
    for item in attempt.items.all():
        attempt_save(
            attempt_id=attempt.public_id,
            user_id=user.pk,
            position=item.position,
            answer=item.key,
            seq=1,
        )
    assert hand_in_and_score(attempt).passed
    return staff


def examiner(department, **kwargs):
    """An account with the examiner role bound to `department` (their unit)."""
    return make_user_with_role(Role.EXAMINER, department, **kwargs)


def confirmed_candidates(sitting, organiser, units, per_unit: int) -> list:
    """Recommended candidates, `per_unit` in each unit, confirmed by the organiser
    (who manages their units)."""
    people = []
    for unit in units:
        for _ in range(per_unit):
            staff = StaffFactory(department=unit)
            candidate = candidate_propose(
                sitting=sitting, staff=staff, recommended=True, acting_user=organiser
            )
            people.append(candidate_confirm(candidate=candidate, acting_user=organiser))
    return people


def full_scores(sitting, value_for) -> dict[str, str]:
    """Scores for every criterion; `value_for(max_points)` gives the points."""
    from certificates.services import sitting_criteria

    return {c.key: str(value_for(c.max_points)) for c in sitting_criteria(sitting)}


def set_examiners_per_room(count: int) -> None:
    rules = certification_settings_get()
    rules.examiners_per_room = count
    rules.save(update_fields=["examiners_per_room"])


__all__ = [
    "RUBRIC",
    "CandidateStatus",
    "RoleAssignment",
    "confirmed_candidates",
    "examiner",
    "full_scores",
    "plan_sitting",
    "scenario_task",
    "set_examiners_per_room",
    "sitting_room_add",
]
