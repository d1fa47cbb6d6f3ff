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


def test_demo_classes_one_given_and_rated_one_to_come(city):
    from organisation.models import Role
    from tests.factories import make_user_with_role
    from training import selectors
    from training.models import StudyHourCredit, TrainingClass

    for _ in range(10):
        StaffFactory(department=city.township_a1)
    coordinator = make_user_with_role(Role.COORDINATOR, city.township_a1)

    result = seed_training(rng=random.Random(7))

    assert result.classes == 2
    given, coming = TrainingClass.objects.order_by("starts_at")
    assert given.is_closed and not coming.is_closed
    assert StudyHourCredit.objects.filter(source_key=f"class:{given.pk}").exists()
    assert given.attendances.count() == coming.attendances.count() == 10
    assert selectors.class_evaluation(user=coordinator, training_class=given).shown
