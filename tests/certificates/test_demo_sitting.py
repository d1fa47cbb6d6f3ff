"""The demo city's planned assessment sitting, made on the real services."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from certificates.demo import seed_sitting
from certificates.models import CandidateStatus, Sitting
from certificates.services import candidate_propose, certification_settings_get
from exams.demo import seed_bank
from exams.models import QuestionType
from organisation.models import Role

from ..factories import StaffFactory, make_user_with_role
from .sitting_helpers import passed_monthly_exam

pytestmark = pytest.mark.django_db


def test_the_city_plans_its_next_sitting_and_leaves_the_township_to_its_coordinator(city):
    seed_bank()
    make_user_with_role(Role.COORDINATOR, city.city)
    waiting = passed_monthly_exam(city.township_b1)
    township = passed_monthly_exam(city.township_a1)
    StaffFactory(department=city.county_b)  # has not passed an exam: not proposed

    sitting = seed_sitting(keep=("A1",))

    day = timezone.localdate() + datetime.timedelta(days=21)
    assert sitting.department == city.city
    assert sitting.level == certification_settings_get().required_level
    assert timezone.localtime(sitting.theory_starts_at).date() == day
    assert sitting.confirm_by == day - datetime.timedelta(days=7)
    assert sitting.theory_session.published
    tasks = list(sitting.tasks.all())
    assert len(tasks) == 3
    assert {t.type for t in tasks} == {QuestionType.SCENARIO}
    assert all(sum(r["points"] for r in t.rubric) == t.points == 100 for t in tasks)
    assert sitting.rooms.count() == 2
    assert {c.staff_id: c.status for c in sitting.candidates.all()} == {
        waiting.pk: CandidateStatus.CONFIRMED
    }
    # The township's coordinator proposes their own person on the page.
    their_coordinator = make_user_with_role(Role.COORDINATOR, city.township_a1)
    assert candidate_propose(sitting=sitting, staff=township, acting_user=their_coordinator)


def test_no_city_coordinator_no_sitting(city):
    seed_bank()
    assert seed_sitting() is None


def test_whoever_awaits_a_sitting_still_to_be_held_is_not_proposed_again(city):
    seed_bank()
    organiser = make_user_with_role(Role.COORDINATOR, city.city)
    waiting = passed_monthly_exam(city.township_b1)
    earlier = seed_sitting()
    assert earlier.candidates.filter(staff=waiting).exists()
    # Its day has come (held today, results not reviewed yet): the demo plans the next.
    Sitting.objects.filter(pk=earlier.pk).update(
        theory_starts_at=timezone.now() - datetime.timedelta(hours=1)
    )
    later = seed_sitting()
    assert later.pk != earlier.pk
    assert not later.candidates.filter(staff=waiting).exists()
    assert organiser == later.created_by
