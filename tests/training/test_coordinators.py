"""Coordinators and managers: completion matrix, overdue list, reminders and escalation
(each sent once), unit rates, annual records for appraisal."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from organisation.models import Role
from tests.factories import StaffFactory, make_learner, make_user_with_role
from training.models import Enrolment, ModuleCompletion, Notification, StudyHourCredit
from training.services import modules_publish_due
from training.services.reminders import reminders_send, week_tag
from training.simulation import SimulatedClock

from .helpers import make_module, make_programme, make_track

pytestmark = pytest.mark.django_db


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def cohort(city):
    """A city programme; three learners in county A, one in county B; week 1 due 10 days
    ago, week 2 due in 3 days."""
    track = make_track(make_programme(city.city, escalate_after_days=7))
    people = []
    for unit in (city.township_a1, city.township_a1, city.township_a2, city.township_b1):
        user, staff = make_learner(unit)
        user.email = f"{staff.staff_number}@example.cn"
        user.save()
        Enrolment.objects.create(
            staff=staff, track=track, enrolled_at=timezone.now() - datetime.timedelta(days=30)
        )
        people.append(staff)
    week1 = make_module(track, week=1, starts_on=days(-16), due_on=days(-10))
    week2 = make_module(track, week=2, starts_on=days(-3), due_on=days(3))
    ModuleCompletion.objects.create(
        staff=people[0], module=week1, completed_at=timezone.now() - datetime.timedelta(days=12)
    )
    return track, people, week1, week2


def test_reminders_go_to_overdue_learners_once_a_week(cohort, django_capture_on_commit_callbacks):
    _track, people, week1, week2 = cohort

    # Later the same week (its last day, or week 2's due day if that comes first: the
    # day after, week 2 is overdue and is news).
    later = min(days(6 - timezone.localdate().weekday()), week2.due_on)

    # E-mail leaves in the background once the run commits (notices.services).
    with django_capture_on_commit_callbacks(execute=True):
        first = reminders_send()
        second = reminders_send(today=later)
    week_later = SimulatedClock(timezone.now() + datetime.timedelta(days=7))
    with week_later.running(), django_capture_on_commit_callbacks(execute=True):
        next_week = reminders_send()

    assert first.reminders == 3  # people[1..3] are overdue on week 1
    assert second.reminders == 0  # the same week: nothing new
    # A week later: week 1 again for the same three, and week 2 (due in 3 days) for all.
    assert next_week.reminders == 3 + 4
    keys = Notification.objects.filter(key=f"overdue:{week1.pk}:{week_tag(days(0))}")
    assert {n.user_id for n in keys} == {p.user_id for p in people[1:]}
    assert Notification.objects.filter(key__startswith=f"overdue:{week1.pk}:").count() == 6
    assert len([m for m in mail.outbox if "逾期" in m.subject or "Overdue" in m.subject]) == 10


def test_last_years_programme_leaves_the_overdue_list_and_the_reminders(cohort, city):
    """A city that left last year's programme active: its unfinished modules are
    nobody's overdue work this year (no list row, no reminder)."""
    from organisation.models import Staff
    from training.selectors import overdue_rows

    _track, people, week1, _week2 = cohort
    old = make_track(make_programme(city.city, year=timezone.localdate().year - 1))
    for staff in people:
        Enrolment.objects.create(
            staff=staff, track=old, enrolled_at=timezone.now() - datetime.timedelta(days=400)
        )
    make_module(old, week=50, starts_on=days(-380), due_on=days(-373))
    rows = overdue_rows(staff_queryset=Staff.objects.all(), today=timezone.localdate())
    assert {r.module.pk for r in rows} == {week1.pk}
    assert reminders_send().reminders == 3  # week 1 only, as without the old programme


def test_a_manager_gets_one_weekly_digest_after_n_days(cohort, city):
    _track, people, week1, _week2 = cohort
    manager_a = make_user_with_role(Role.MANAGER, city.county_a)
    manager_b = make_user_with_role(Role.MANAGER, city.county_b)
    city_manager = make_user_with_role(Role.MANAGER, city.city)
    week0 = make_module(week1.track, week=5, starts_on=days(-20), due_on=days(-14))

    first = reminders_send()
    second = reminders_send()

    assert first.escalations == 2  # one digest for manager A, one for manager B
    assert second.escalations == 0
    digest_a = Notification.objects.get(user=manager_a, key__startswith="digest:")
    # Manager A: three people (one of them overdue on two modules) in two townships.
    assert "3" in digest_a.title and "2" in digest_a.title
    assert city.township_a1.name in digest_a.body and week0.title in digest_a.body
    assert digest_a.url == reverse("training:overdue")
    assert Notification.objects.filter(user=manager_b, key__startswith="digest:").count() == 1
    assert not Notification.objects.filter(user=city_manager).exists()
    assert people  # the cohort's learners got their own reminders, not the managers'


def test_no_escalation_before_the_configured_number_of_days(cohort, city):
    track, _people, _week1, _week2 = cohort
    track.programme.escalate_after_days = 11
    track.programme.save()
    manager_a = make_user_with_role(Role.MANAGER, city.county_a)

    result = reminders_send()

    assert result.escalations == 0 and result.reminders == 3
    assert not Notification.objects.filter(user=manager_a).exists()


def test_the_remind_command_is_safe_to_run_twice(cohort):
    call_command("training_remind")
    count = Notification.objects.count()
    call_command("training_remind")
    assert Notification.objects.count() == count == 3


def test_weekly_publication_happens_once_and_tells_learners(cohort):
    track, people, _w1, _w2 = cohort
    week3 = make_module(track, week=3, starts_on=days(0), due_on=days(6), published=False)

    assert modules_publish_due() == 1
    assert modules_publish_due() == 0
    week3.refresh_from_db()
    assert week3.is_published
    assert Notification.objects.filter(key=f"module:{week3.pk}").count() == len(people)


def test_the_matrix_shows_each_persons_weeks_in_the_coordinators_units_only(
    client, cohort, coordinator_a, django_assert_max_num_queries
):
    track, people, _w1, _w2 = cohort
    client.force_login(coordinator_a)
    url = reverse("training:matrix") + f"?track={track.pk}"

    with django_assert_max_num_queries(16):
        response = client.get(url)

    body = response.content.decode()
    assert response.status_code == 200
    assert people[0].name in body and people[2].name in body
    assert people[3].name not in body  # county B
    assert '<td class="cell cell-overdue">逾期</td>' in body  # the cells, in Chinese
    assert '<td class="cell cell-done">已完成</td>' in body


def test_the_matrix_query_count_does_not_grow_with_people(
    client, cohort, coordinator_a, city, django_assert_num_queries
):
    track, _people, _w1, _w2 = cohort
    client.force_login(coordinator_a)
    url = reverse("training:matrix") + f"?track={track.pk}"
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(5):
        _user, staff = make_learner(city.township_a2)
        Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_the_matrix_exports_to_xlsx_with_text_labels(client, cohort, coordinator_a):
    track, people, _w1, _w2 = cohort
    people[1].name = "=HYPERLINK(1)"
    people[1].save()
    client.force_login(coordinator_a)

    response = client.get(reverse("training:matrix") + f"?track={track.pk}&format=xlsx")

    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    names = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(1)" in names
    assert any(str(cell) in ("Overdue", "逾期") for r in rows[1:] for cell in r)


def test_a_track_the_coordinator_cannot_see_is_a_404(client, city):
    other = make_track(make_programme(city.county_b))
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    client.force_login(coordinator)
    response = client.get(reverse("training:matrix") + f"?track={other.pk}")
    assert response.status_code == 404


def test_a_learner_cannot_see_coordinator_pages(client, learner_a1):
    user, _staff = learner_a1
    client.force_login(user)
    for name in ("training:matrix", "training:overdue", "training:guidance", "training:units"):
        assert client.get(reverse(name)).status_code == 404


def test_overdue_list_is_scoped(client, cohort, coordinator_a):
    _track, people, _w1, _w2 = cohort
    client.force_login(coordinator_a)
    body = client.get(reverse("training:overdue")).content.decode()
    assert people[1].name in body and people[2].name in body
    assert people[3].name not in body and people[0].name not in body


def test_unit_rates_per_unit_in_constant_queries(
    client, cohort, manager_a, city, django_assert_num_queries
):
    _track, people, _w1, _w2 = cohort
    StudyHourCredit.objects.create(
        staff=people[0],
        year=timezone.localdate().year,
        source="lesson",
        source_key="x",
        hours=Decimal("4"),
        credited_at=timezone.now(),
    )
    from training.selectors import unit_rates

    # 8: the due assignments are counted from the tracks' due dates (one more, small,
    # query) instead of a join of every enrolment with every module.
    with django_assert_num_queries(8):
        rows = unit_rates(user=manager_a, year=timezone.localdate().year)

    by_unit = {r.department.code: r for r in rows}
    assert set(by_unit) == {"A1", "A2"}
    assert (by_unit["A1"].people, by_unit["A1"].due, by_unit["A1"].completed) == (2, 2, 1)
    assert by_unit["A1"].completion_rate == 50
    assert by_unit["A1"].hours == Decimal("4")
    assert client.force_login(manager_a) is None
    assert client.get(reverse("training:units")).status_code == 200


def test_unit_rates_roll_up_each_subtree_as_totals_not_averages(cohort, city):
    _track, _people, _w1, _w2 = cohort
    city_manager = make_user_with_role(Role.MANAGER, city.city)
    from training.selectors import unit_rates

    rows = {
        r.department.code: r for r in unit_rates(user=city_manager, year=timezone.localdate().year)
    }

    assert set(rows) == {"A", "B"}
    assert (rows["A"].people, rows["A"].due, rows["A"].completed) == (3, 3, 1)
    assert rows["A"].completion_rate == 33
    assert (rows["B"].people, rows["B"].completion_rate) == (1, 0)


def test_annual_records_export_one_row_per_person(client, cohort, manager_a):
    _track, people, _w1, _w2 = cohort
    client.force_login(manager_a)
    response = client.get(reverse("training:records_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 3
    first = next(r for r in rows if r[1] == people[0].staff_number)
    assert first[6] == 1  # modules completed
    assert first[7] == 1  # modules due so far (week 2 is not due yet)


def test_no_second_reminder_or_digest_within_seven_days_across_a_week_boundary(cohort, city):
    _track, people, week1, _week2 = cohort
    manager_a = make_user_with_role(Role.MANAGER, city.county_a)
    start = timezone.now()
    # Sunday evening, then Monday morning: a new calendar week, but one day later.
    sunday = start + datetime.timedelta(days=6 - timezone.localdate().weekday())
    with SimulatedClock(sunday).running():
        reminders_send()
    with SimulatedClock(sunday + datetime.timedelta(hours=14)).running():
        monday = reminders_send()

    assert monday.escalations == 0
    assert Notification.objects.filter(user=manager_a, key__startswith="digest:").count() == 1
    for person in people[1:]:
        assert (
            Notification.objects.filter(
                user_id=person.user_id, key__startswith=f"overdue:{week1.pk}:"
            ).count()
            == 1
        )


def test_people_without_an_account_count_in_the_digest_but_get_no_reminder(cohort, city):
    track, _people, _week1, _week2 = cohort
    no_account = StaffFactory(department=city.township_a2)
    Enrolment.objects.create(
        staff=no_account, track=track, enrolled_at=timezone.now() - datetime.timedelta(days=30)
    )
    manager_a = make_user_with_role(Role.MANAGER, city.county_a)

    result = reminders_send()

    assert result.reminders == 3  # the cohort's three overdue learners, nobody else
    digest = Notification.objects.get(user=manager_a, key__startswith="digest:")
    # County A: two of the cohort and the one without an account, in two townships.
    assert "3" in digest.title and "2" in digest.title
    # The rest of the week (every manager has had the digest) reminds nobody again.
    assert reminders_send().reminders == 0
