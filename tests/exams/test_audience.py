"""Who an exam is for: the one-person check used at every start must agree with the
set-based query used to draw everyone's paper."""

import pytest

from exams.access import learner_staff
from exams.services import audience_staff, staff_in_audience
from organisation.models import Staff, StaffStatus
from tests.factories import StaffFactory, make_learner

from .helpers import make_bank, open_session


@pytest.fixture
def people(city):
    return {
        "in unit": StaffFactory(department=city.county_a),
        "unit below": StaffFactory(department=city.township_a1),
        "sibling unit": StaffFactory(department=city.county_b),
        "parent unit": StaffFactory(department=city.city),
        "left": StaffFactory(department=city.township_a2, status=StaffStatus.LEFT),
        "not window staff": StaffFactory(department=city.township_a2, is_window_staff=False),
        "named, elsewhere": StaffFactory(department=city.township_b1),
        "named, not window staff": StaffFactory(department=city.county_b, is_window_staff=False),
    }


@pytest.mark.parametrize("window_staff_only", [True, False])
def test_one_person_check_agrees_with_the_audience_query(city, people, window_staff_only):
    make_bank()
    session = open_session(
        city.city,
        departments=[city.county_a],
        staff=[people["named, elsewhere"], people["named, not window staff"]],
        window_staff_only=window_staff_only,
    )
    expected = set(audience_staff(session=session).values_list("pk", flat=True))
    for label, person in people.items():
        fresh = Staff.objects.get(pk=person.pk)  # without its unit loaded
        assert staff_in_audience(session=session, staff=fresh) == (person.pk in expected), label
    assert {people["in unit"].pk, people["unit below"].pk, people["named, elsewhere"].pk} <= (
        expected
    )
    assert people["sibling unit"].pk not in expected
    assert people["parent unit"].pk not in expected
    assert people["left"].pk not in expected
    assert (people["not window staff"].pk in expected) is (not window_staff_only)


def test_learner_staff_is_loaded_once_with_the_unit(city, django_assert_num_queries):
    user, person = make_learner(city.township_a1)
    user = type(user).objects.get(pk=user.pk)
    with django_assert_num_queries(1):
        assert learner_staff(user).department.path == city.township_a1.path
        assert learner_staff(user).pk == person.pk


@pytest.mark.parametrize("window_staff_only", [True, False])
def test_the_learners_lists_agree_with_the_audience_query(city, people, window_staff_only):
    """open_sessions_for / upcoming_sessions_for read the rule from the person's side."""
    import datetime

    from django.utils import timezone

    from exams.selectors import open_sessions_for, upcoming_sessions_for

    make_bank()
    kwargs = {
        "departments": [city.county_a],
        "staff": [people["named, elsewhere"], people["named, not window staff"]],
        "window_staff_only": window_staff_only,
    }
    now = timezone.now()
    open_now = open_session(city.city, **kwargs)
    later = open_session(
        city.city,
        opens=now + datetime.timedelta(days=1),
        closes=now + datetime.timedelta(days=2),
        **kwargs,
    )
    expected = set(audience_staff(session=open_now).values_list("pk", flat=True))
    for label, person in people.items():
        fresh = Staff.objects.get(pk=person.pk)
        assert (open_now in open_sessions_for(staff=fresh)) == (person.pk in expected), label
        assert (later in upcoming_sessions_for(staff=fresh)) == (person.pk in expected), label
