"""Attempts closed by the server at the deadline feed the mistake book like a hand-in,
in a few bulk statements per batch whatever the number of attempts."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exams.models import AttemptStatus, MistakeEntry
from exams.services import attempt_save, attempt_start, attempts_finalise_overdue

from ..factories import StaffFactory, UserFactory
from .helpers import make_bank, open_session


@pytest.fixture
def session(city):
    make_bank()
    return open_session(city.county_a, departments=[city.county_a])


def _start(session, department, n):
    people = []
    for _ in range(n):
        user = UserFactory()
        staff = StaffFactory(department=department, user=user)
        people.append((user, staff, attempt_start(session=session, staff=staff)))
    return people


def test_finalised_attempts_feed_the_mistake_book_with_objective_answers_only(session, city):
    (user, staff, attempt), *_ = _start(session, city.township_a1, 1)
    single = attempt.items.filter(type="single").order_by("position")
    right, wrong = single[0], single[1]
    attempt_save(
        attempt_id=attempt.public_id, user_id=user.pk, position=right.position, answer=["B"], seq=1
    )
    attempt_save(
        attempt_id=attempt.public_id, user_id=user.pk, position=wrong.position, answer=["A"], seq=2
    )
    # An entry already in the book, half-way out: a new mistake resets its streak.
    old = MistakeEntry.objects.create(
        staff=staff, question=wrong.question, correct_streak=1, wrong_count=2, active=True
    )

    assert attempts_finalise_overdue(now=attempt.deadline + datetime.timedelta(seconds=1)) == 1

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINALISED
    in_book = set(MistakeEntry.objects.filter(staff=staff).values_list("question_id", flat=True))
    objective_wrong = {
        i.question_id
        for i in attempt.items.filter(type__in=["single", "multiple", "true_false", "fill_blank"])
        if i.awarded < i.points
    }
    assert in_book == objective_wrong
    assert right.question_id not in in_book
    short_answers = set(
        attempt.items.filter(type="short_answer").values_list("question_id", flat=True)
    )
    assert not in_book & short_answers  # graded by a person: never in the book
    old.refresh_from_db()
    assert (old.wrong_count, old.correct_streak, old.active) == (3, 0, True)


def test_the_finaliser_writes_the_mistake_book_in_bulk(session, city):
    few = _start(session, city.township_a1, 2)
    with CaptureQueriesContext(connection) as small:
        attempts_finalise_overdue(now=few[0][2].deadline + datetime.timedelta(minutes=1))
    many = _start(session, city.township_a2, 12)
    with CaptureQueriesContext(connection) as large:
        attempts_finalise_overdue(now=many[0][2].deadline + datetime.timedelta(minutes=1))
    # Nothing answered: every objective question of every paper is a mistake.
    assert MistakeEntry.objects.count() == 14 * 8
    assert len(large.captured_queries) == len(small.captured_queries)
