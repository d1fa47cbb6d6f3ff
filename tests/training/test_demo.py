import datetime
import itertools
import random

import pytest

from tests.factories import StaffFactory
from training.demo import seed_classes, seed_programme, seed_programmes
from training.models import Lesson, WeeklyModule

pytestmark = pytest.mark.django_db


def test_the_demo_programme_has_a_module_every_week_none_published(city):
    start = datetime.date(2026, 10, 29)
    programme = seed_programme(start=start, end=datetime.date(2026, 12, 13))

    modules = WeeklyModule.objects.filter(track__programme=programme)
    mondays = sorted(set(modules.values_list("starts_on", flat=True)))
    assert mondays[0] == datetime.date(2026, 10, 26)  # the Monday on or before the start
    assert all(b - a == datetime.timedelta(weeks=1) for a, b in itertools.pairwise(mondays))
    assert mondays[-1] == datetime.date(2026, 12, 7)
    assert modules.count() == 3 * len(mondays)  # one per track
    assert not modules.filter(published_at__isnull=False).exists()  # training_publish does
    assert all(m.knowledge_point_ids for m in modules)
    assert Lesson.objects.filter(module__in=modules, body_html__contains="<p>").exists()


def test_a_demo_city_living_across_the_new_year_has_a_programme_per_year(city):
    """Programmes, their monthly exams, hours targets and reports are a year's: the demo
    lived from November into January has the old year's and the new year's, their weeks
    following each other without a gap or a week twice."""
    from training.models import Programme

    old, new = seed_programmes(start=datetime.date(2025, 11, 1), end=datetime.date(2026, 1, 20))

    assert (old.year, new.year) == (2025, 2026)
    assert [p.name for p in Programme.objects.order_by("year")] == [
        "综窗人员岗位能力提升 2025",
        "综窗人员岗位能力提升 2026",
    ]
    weeks = [
        sorted(
            set(WeeklyModule.objects.filter(track__programme=p).values_list("starts_on", flat=True))
        )
        for p in (old, new)
    ]
    assert weeks[0][-1] == datetime.date(2025, 12, 29)  # the week straddling the new year
    assert weeks[1][0] == datetime.date(2026, 1, 5)  # the first Monday of 2026
    mondays = weeks[0] + weeks[1]
    assert all(b - a == datetime.timedelta(weeks=1) for a, b in itertools.pairwise(mondays))
    assert mondays[-1] == datetime.date(2026, 1, 19)
    # A programme is made only for a year that has a week to learn in.
    assert (
        len(seed_programmes(start=datetime.date(2027, 12, 1), end=datetime.date(2028, 1, 3))) == 1
    )


def test_demo_classes_one_given_and_rated_one_to_come(city):
    from organisation.models import Role
    from tests.factories import make_user_with_role
    from training import selectors
    from training.models import StudyHourCredit, TrainingClass

    for _ in range(10):
        StaffFactory(department=city.township_a1)
    coordinator = make_user_with_role(Role.COORDINATOR, city.township_a1)
    seed_programme(start=datetime.date.today(), end=datetime.date.today())

    assert seed_classes(rng=random.Random(7)) == 2

    given, coming = TrainingClass.objects.order_by("starts_at")
    assert given.is_closed and not coming.is_closed
    assert StudyHourCredit.objects.filter(source_key=f"class:{given.pk}").exists()
    assert given.attendances.count() == coming.attendances.count() == 10
    assert selectors.class_evaluation(user=coordinator, training_class=given).shown
