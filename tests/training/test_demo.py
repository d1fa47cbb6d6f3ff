import random

import pytest

from tests.factories import StaffFactory
from training.demo import seed_training
from training.models import Enrolment, GuidancePlan, Lesson, WeeklyModule

pytestmark = pytest.mark.django_db


def test_demo_training_data_is_created_and_deterministic(city):
    for unit in (city.township_a1, city.township_a2, city.township_b1):
        for _ in range(8):
            StaffFactory(department=unit)

    result = seed_training(rng=random.Random(7))

    assert result.modules == WeeklyModule.objects.count() == 24
    assert Lesson.objects.filter(body_html__contains="<p>").exists()
    assert Enrolment.objects.count() == result.enrolments == 24
    assert GuidancePlan.objects.count() == result.plans
