"""Large pages read only what they show (issue 18, item 7): the completion matrix and the
overdue list build the first rows on screen and count the rest in the database; the
number of queries of each page is pinned, whatever the number of people."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import make_learner
from training import views
from training.models import Enrolment, ModuleCompletion
from training.selectors import completion_matrix, overdue_page, overdue_rows

from .helpers import make_module, make_programme, make_track

pytestmark = pytest.mark.django_db

MATRIX_QUERIES = 12  # with the study hours column (classes)
OVERDUE_QUERIES = (
    8  # the units' ids first; completions counted by the database, then read for the rows shown
)
UNITS_QUERIES = 10


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def cohort(city):
    """Five learners in county A enrolled 30 days ago; week 1 due 20 days ago, week 2
    due 10 days ago; the first learner finished week 1."""
    track = make_track(make_programme(city.city))
    people = []
    for n in range(5):
        _user, staff = make_learner(
            city.township_a1 if n % 2 else city.township_a2, staff_number=f"P{n:03d}"
        )
        Enrolment.objects.create(
            staff=staff, track=track, enrolled_at=timezone.now() - datetime.timedelta(days=30)
        )
        people.append(staff)
    week1 = make_module(track, week=1, starts_on=days(-26), due_on=days(-20))
    week2 = make_module(track, week=2, starts_on=days(-16), due_on=days(-10))
    ModuleCompletion.objects.create(
        staff=people[0], module=week1, completed_at=timezone.now() - datetime.timedelta(days=21)
    )
    return track, people, week1, week2


def _more_people(city, track, n):
    for i in range(n):
        _user, staff = make_learner(city.township_a2, staff_number=f"Q{i:03d}")
        Enrolment.objects.create(
            staff=staff, track=track, enrolled_at=timezone.now() - datetime.timedelta(days=30)
        )


def test_the_matrix_page_builds_only_the_rows_it_shows(
    client, city, cohort, coordinator_a, monkeypatch, django_assert_num_queries
):
    track, _people, _w1, _w2 = cohort
    monkeypatch.setattr(views, "MATRIX_ROWS", 2)
    client.force_login(coordinator_a)
    url = reverse("training:matrix") + f"?track={track.pk}"
    client.get(url)
    with django_assert_num_queries(MATRIX_QUERIES):
        response = client.get(url)
    assert len(response.context["rows"]) == 2 and response.context["total"] == 5
    assert "仅显示 5 人中的前 2 人" in response.content.decode()
    _more_people(city, track, 4)
    with django_assert_num_queries(MATRIX_QUERIES):
        response = client.get(url)
    assert response.context["total"] == 9
    # The export still has everyone.
    everyone = completion_matrix(user=coordinator_a, track=track)
    assert everyone.total == len(everyone.rows) == 9


def test_a_limited_matrix_is_the_beginning_of_the_whole_one(city, cohort, coordinator_a):
    track, _people, _w1, _w2 = cohort
    whole = completion_matrix(user=coordinator_a, track=track)
    first = completion_matrix(user=coordinator_a, track=track, limit=3)
    assert first.total == whole.total == 5
    assert [(r.staff.pk, r.cells, r.done) for r in first.rows] == [
        (r.staff.pk, r.cells, r.done) for r in whole.rows[:3]
    ]


def test_the_overdue_page_shows_the_most_overdue_first_and_counts_everyone(
    client, city, cohort, coordinator_a, monkeypatch, django_assert_num_queries
):
    track, _people, week1, _w2 = cohort
    monkeypatch.setattr(views, "OVERDUE_ROWS", 3)
    client.force_login(coordinator_a)
    client.get(reverse("training:overdue"))
    with django_assert_num_queries(OVERDUE_QUERIES):
        response = client.get(reverse("training:overdue"))
    rows = response.context["rows"]
    # 4 people behind on week 1 (20 days) and 5 on week 2 (10 days).
    assert response.context["total"] == 9
    assert [r.days_overdue for r in rows] == [20, 20, 20]
    assert all(r.module == week1 for r in rows)
    _more_people(city, track, 5)
    with django_assert_num_queries(OVERDUE_QUERIES):
        response = client.get(reverse("training:overdue"))
    assert response.context["total"] == 19


def test_the_overdue_page_is_the_beginning_of_the_whole_list(cohort, coordinator_a, city):
    from organisation.models import Staff

    staff = Staff.objects.filter(department__path__startswith=city.county_a.path)
    whole = overdue_rows(staff_queryset=staff, today=timezone.localdate())
    first, total = overdue_page(staff_queryset=staff, today=timezone.localdate(), limit=4)
    assert total == len(whole) == 9
    key = [(r.staff.pk, r.module.pk, r.days_overdue) for r in whole[:4]]
    assert [(r.staff.pk, r.module.pk, r.days_overdue) for r in first] == key


def test_the_units_page_keeps_its_query_count(
    client, city, cohort, coordinator_a, django_assert_num_queries
):
    track, _people, _w1, _w2 = cohort
    client.force_login(coordinator_a)
    client.get(reverse("training:units"))
    with django_assert_num_queries(UNITS_QUERIES):
        first = client.get(reverse("training:units"))
    _more_people(city, track, 4)
    with django_assert_num_queries(UNITS_QUERIES):
        client.get(reverse("training:units"))
    assert first.status_code == 200


def test_unit_rates_count_only_modules_due_since_each_persons_enrolment(city, cohort, manager_a):
    from training.selectors import unit_rates

    track, _people, _w1, week2 = cohort
    _user, late = make_learner(city.township_a2, staff_number="L001")
    # Enrolled after week 1 was due, before week 2 was: only week 2 is due for them.
    Enrolment.objects.create(
        staff=late, track=track, enrolled_at=timezone.now() - datetime.timedelta(days=15)
    )
    _user, new = make_learner(city.township_a2, staff_number="L002")
    Enrolment.objects.create(staff=new, track=track, enrolled_at=timezone.now())
    year = timezone.localdate().year
    week2.published_at = None  # an unpublished module is never due
    week2.save()
    rows = {r.department.code: r for r in unit_rates(user=manager_a, year=year)}
    # A2: three people of the cohort (P000, P002, P004) with week 1 due, the late and the
    # new person with nothing due (week 2 unpublished).
    assert (rows["A2"].people, rows["A2"].due) == (5, 3)
    week2.published_at = timezone.now()
    week2.save()
    rows = {r.department.code: r for r in unit_rates(user=manager_a, year=year)}
    assert rows["A2"].due == 3 * 2 + 1  # the cohort: weeks 1 and 2; the late one: week 2


def test_the_overdue_page_agrees_with_the_whole_list_across_tracks(city, cohort, coordinator_a):
    """A second track with a module due the same day as week 1 and one due later: for
    every page size, the page is the whole list's beginning and the total its length."""
    from organisation.models import Staff

    _track, people, week1, _week2 = cohort
    other = make_track(make_programme(city.county_a))
    same_day = make_module(other, week=1, starts_on=days(-26), due_on=week1.due_on)
    make_module(other, week=2, starts_on=days(-12), due_on=days(-5))
    for n in range(4):
        _user, staff = make_learner(city.township_a1, staff_number=f"R{n:03d}")
        Enrolment.objects.create(
            staff=staff,
            track=other,
            enrolled_at=timezone.now() - datetime.timedelta(days=40 if n else 8),
        )
        if n == 2:
            ModuleCompletion.objects.create(
                staff=staff, module=same_day, completed_at=timezone.now()
            )
    people[1].status = "left"  # leavers are nobody's overdue
    people[1].save()
    staff = Staff.objects.filter(department__path__startswith=city.county_a.path)
    today = timezone.localdate()
    whole = [
        (r.staff.pk, r.module.pk, r.days_overdue)
        for r in overdue_rows(staff_queryset=staff, today=today)
    ]
    for limit in range(1, len(whole) + 2):
        first, total = overdue_page(staff_queryset=staff, today=today, limit=limit)
        assert total == len(whole)
        assert [(r.staff.pk, r.module.pk, r.days_overdue) for r in first] == whole[:limit]
