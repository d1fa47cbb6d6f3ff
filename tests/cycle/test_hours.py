"""Study hours by the programme's credit table (30 min or more of a lesson = 1 hour,
15-30 = 0.5, under 15 = 0.25, a passed quiz 0.5), reading lessons credited by the time
really spent on the page, one lesson at a time per person."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.training.helpers import make_lesson, make_module, make_programme, make_track
from training.models import CompletionRule, Enrolment, LessonProgress, StudyHourCredit
from training.services import reading_heartbeat

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime.datetime(2026, 11, 23, 9, 0, 0))


@pytest.fixture
def reading(city, learner_a1, settings):
    settings.TRAINING_HEARTBEAT_SECONDS = 15
    _user, staff = learner_a1
    programme = make_programme(city.county_a)
    track = make_track(programme)
    module = make_module(track, completion_rule=CompletionRule.LESSONS)
    first = make_lesson(module, video_seconds=0, video_url="", title="受理规范")
    second = make_lesson(module, video_seconds=0, video_url="", order=2, title="一次告知")
    Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
    return staff, first, second, programme


def read(staff, lesson, seconds, *, visible=True, active=True):
    return reading_heartbeat(
        staff=staff,
        lesson=lesson,
        visible=visible,
        active=active,
        now=T0 + datetime.timedelta(seconds=seconds),
    )


def hours(staff):
    return sum(StudyHourCredit.objects.filter(staff=staff).values_list("hours", flat=True))


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (0, "0"),
        (0.5, "0"),
        (1, "0.25"),
        (14.9, "0.25"),
        (15, "0.5"),
        (29.9, "0.5"),
        (30, "1"),
        (90, "1"),
    ],
)
def test_the_default_credit_table(city, minutes, expected):
    programme = make_programme(city.city)
    assert programme.credit_for_seconds(minutes * 60) == Decimal(expected)


def test_the_administrator_sets_the_table_and_it_must_rise(city):
    programme = make_programme(city.city, lesson_short_minutes=10, lesson_short_hours="0.4")
    programme.full_clean()
    assert programme.credit_for_seconds(10 * 60) == Decimal("0.4")
    programme.lesson_short_minutes = 40  # above the full tier
    with pytest.raises(ValidationError):
        programme.full_clean()


def test_reading_time_is_credited_by_the_table(reading):
    staff, lesson, _second, _programme = reading
    for second in range(0, 15 * 60 + 1, 15):  # the page open and in use for 15 minutes
        result = read(staff, lesson, second)
    assert result.read_seconds == 15 * 60
    assert hours(staff) == Decimal("0.5")
    assert StudyHourCredit.objects.filter(staff=staff).count() == 1  # raised, not added


def test_a_quarter_hour_is_stored_as_a_quarter_hour(reading):
    """The table's smallest credit is 0.25 h: it is stored as 0.25, not rounded to 0.3
    (PostgreSQL rounds to the column's scale; SQLite would not have shown it)."""
    staff, lesson, _second, _programme = reading
    for second in range(0, 2 * 60 + 1, 15):  # two minutes of reading
        read(staff, lesson, second)
    credit = StudyHourCredit.objects.get(staff=staff)
    credit.refresh_from_db()
    assert credit.hours == Decimal("0.25")


def test_a_background_tab_or_an_idle_reader_earns_nothing(reading):
    staff, lesson, _second, _programme = reading
    read(staff, lesson, 0)
    read(staff, lesson, 15, visible=False)
    read(staff, lesson, 30, active=False)
    assert LessonProgress.objects.get(staff=staff, lesson=lesson).read_seconds == 0


def test_two_lessons_open_at_once_are_credited_once(reading):
    staff, first, second, _programme = reading
    for t in range(0, 20 * 60, 15):  # two tabs, heartbeats five seconds apart
        read(staff, first, t)
        read(staff, second, t + 5)
    spent = sum(LessonProgress.objects.filter(staff=staff).values_list("read_seconds", flat=True))
    assert spent <= 20 * 60  # never more than the wall-clock time
    assert hours(staff) <= Decimal("0.5") + Decimal("0.25")


def test_a_video_lesson_is_not_read(reading, city):
    staff, first, _second, _programme = reading
    video = make_lesson(first.module, order=3, video_seconds=600)
    with pytest.raises(PermissionDenied):
        read(staff, video, 0)


def test_the_reading_page_reports_heartbeats_over_the_api(reading, client):
    staff, lesson, _second, _programme = reading
    client.force_login(staff.user)
    page = client.get(f"/training/lessons/{lesson.pk}/")
    assert page.status_code == 200 and b"training_reading.js" in page.content
    response = client.post(
        f"/api/training/lessons/{lesson.pk}/reading/",
        {"visible": True, "active": True},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["interval"] == 15


def test_a_reading_heartbeat_costs_six_statements_until_a_new_tier(reading):
    """Every open reading page posts a heartbeat every interval: the lesson with its
    programme, the enrolment, the person's lock, the progress row, the other-lesson
    check and the update; the credit row is touched only on reaching a new tier."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from training.models import Lesson

    staff, lesson, _second, _programme = reading

    def statements(seconds):
        fresh = Lesson.objects.get(pk=lesson.pk)  # as the API view passes it
        with CaptureQueriesContext(connection) as ctx:
            result = read(staff, fresh, seconds)
        sql = [q["sql"] for q in ctx.captured_queries if "SAVEPOINT" not in q["sql"].upper()]
        return result, sql

    for second in range(0, 60 + 1, 15):  # a minute: the first tier (0.25 h) reached
        read(staff, lesson, second)
    assert hours(staff) == Decimal("0.25")
    result, sql = statements(75)
    assert result.reason == "credited" and result.hours == Decimal("0.25")
    assert len(sql) == 6, sql
    assert not any("studyhourcredit" in s for s in sql)
    for second in range(90, 15 * 60 - 15 + 1, 15):
        read(staff, lesson, second)
    result, sql = statements(15 * 60)  # fifteen minutes: the next tier
    assert result.hours == Decimal("0.5") and hours(staff) == Decimal("0.5")
    assert any("studyhourcredit" in s for s in sql)
