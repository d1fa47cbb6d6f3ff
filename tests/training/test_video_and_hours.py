"""Video time is accounted on the server from heartbeats: only wall-clock time actually
elapsed, while visible and active, with the position advancing by about that time.
Study hours are credited by the programme's rules, once."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from training.models import (
    CompletionRule,
    Enrolment,
    LessonProgress,
    ModuleCompletion,
    StudyHourCredit,
)
from training.services import lesson_heartbeat, lesson_mark_read, module_quiz_record

from .helpers import make_lesson, make_module, make_programme, make_track

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime.datetime(2026, 11, 23, 9, 0, 0))


@pytest.fixture
def setup(city, learner_a1, settings):
    settings.TRAINING_HEARTBEAT_SECONDS = 15
    _user, staff = learner_a1
    programme = make_programme(city.county_a)
    track = make_track(programme)
    module = make_module(track, completion_rule=CompletionRule.LESSONS)
    lesson = make_lesson(module, video_seconds=40 * 60)
    Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
    return staff, lesson


def beat(staff, lesson, seconds_after_start, position, *, visible=True, active=True):
    return lesson_heartbeat(
        staff=staff,
        lesson=lesson,
        position=position,
        visible=visible,
        active=active,
        now=T0 + datetime.timedelta(seconds=seconds_after_start),
    )


def watch(staff, lesson, *, start=0, seconds, step=15):
    """Play normally: a heartbeat every `step` seconds with the position following."""
    beat(staff, lesson, start, start)
    for t in range(start + step, start + seconds + 1, step):
        beat(staff, lesson, t, t)


def test_normal_playback_credits_the_elapsed_time(setup):
    staff, lesson = setup
    watch(staff, lesson, seconds=150)
    assert LessonProgress.objects.get(staff=staff).watched_seconds == pytest.approx(150)


def test_the_first_heartbeat_only_sets_the_baseline(setup):
    staff, lesson = setup
    result = beat(staff, lesson, 0, 600)
    assert result.credited_seconds == 0
    assert result.reason == "baseline"


def test_seeking_ahead_earns_nothing(setup):
    staff, lesson = setup
    beat(staff, lesson, 0, 0)

    result = beat(staff, lesson, 15, 1500)  # jumped 25 minutes in 15 seconds

    assert result.credited_seconds == 0
    assert result.reason == "seek"
    assert LessonProgress.objects.get(staff=staff).watched_seconds == 0


def test_seeking_to_the_end_cannot_complete_the_lesson(setup):
    staff, lesson = setup
    beat(staff, lesson, 0, 0)
    beat(staff, lesson, 15, 2395)
    result = beat(staff, lesson, 30, 2399)

    assert result.lesson_completed is False
    assert LessonProgress.objects.get(staff=staff).watched_seconds <= 15


def test_a_background_tab_or_idle_user_earns_nothing(setup):
    staff, lesson = setup
    beat(staff, lesson, 0, 0)

    hidden = beat(staff, lesson, 15, 15, visible=False)
    idle = beat(staff, lesson, 30, 30, active=False)

    assert hidden.credited_seconds == 0 and idle.credited_seconds == 0
    assert LessonProgress.objects.get(staff=staff).watched_seconds == 0


def test_time_between_heartbeats_is_capped_at_the_interval(setup):
    staff, lesson = setup
    beat(staff, lesson, 0, 0)

    result = beat(staff, lesson, 25, 25)  # late heartbeat: only 15 s can count

    assert result.credited_seconds == 15


def test_a_long_gap_restarts_the_baseline_without_credit(setup):
    staff, lesson = setup
    beat(staff, lesson, 0, 0)

    result = beat(staff, lesson, 3600, 3600 % 2400)

    assert result.credited_seconds == 0


def test_fast_heartbeats_cannot_earn_more_than_wall_clock_time(setup):
    staff, lesson = setup
    beat(staff, lesson, 0, 0)
    for i in range(1, 101):  # 100 heartbeats within 10 seconds, position +10 s each
        beat(staff, lesson, i * 0.1, i * 10)
    assert LessonProgress.objects.get(staff=staff).watched_seconds <= 10 + 2


def test_a_paused_video_earns_nothing(setup):
    staff, lesson = setup
    beat(staff, lesson, 0, 100)
    result = beat(staff, lesson, 15, 100)
    assert result.credited_seconds == 0


def test_watching_thirty_minutes_credits_one_study_hour_once(setup):
    staff, lesson = setup
    watch(staff, lesson, seconds=30 * 60)
    assert StudyHourCredit.objects.filter(staff=staff).count() == 1
    assert StudyHourCredit.objects.get(staff=staff).hours == Decimal("1")

    # More heartbeats past the block do not credit the same block again.
    watch(staff, lesson, start=30 * 60 + 100, seconds=60)
    assert StudyHourCredit.objects.filter(staff=staff).count() == 1


def test_twenty_nine_minutes_credit_half_a_study_hour_by_the_table(setup):
    staff, lesson = setup
    watch(staff, lesson, seconds=29 * 60)
    assert StudyHourCredit.objects.get(staff=staff).hours == Decimal("0.5")


def test_the_study_hour_rule_is_configurable(setup):
    staff, lesson = setup
    programme = lesson.module.track.programme
    programme.lesson_minutes_per_credit = 10
    programme.lesson_credit_hours = Decimal("0.8")
    programme.lesson_short_minutes = 5
    programme.save()

    watch(staff, lesson, seconds=20 * 60)

    # One lesson earns its tier once, however long it is watched.
    assert sum(c.hours for c in StudyHourCredit.objects.filter(staff=staff)) == Decimal("0.8")


def test_two_videos_played_in_parallel_are_credited_once(setup):
    staff, lesson = setup
    other = make_lesson(lesson.module, order=2, video_seconds=40 * 60)
    for t in range(0, 10 * 60, 15):  # both tabs playing, heartbeats five seconds apart
        beat(staff, lesson, t, t)
        beat(staff, other, t + 5, t)
    watched = sum(
        LessonProgress.objects.filter(staff=staff).values_list("watched_seconds", flat=True)
    )
    assert watched <= 10 * 60


def test_watching_ninety_percent_completes_the_lesson_and_the_module(setup):
    staff, lesson = setup
    watch(staff, lesson, seconds=int(40 * 60 * 0.9) + 15)
    assert LessonProgress.objects.get(staff=staff).is_completed
    assert ModuleCompletion.objects.get(staff=staff).completed_at is not None


def test_a_passed_weekly_quiz_credits_half_a_study_hour_once(setup):
    staff, lesson = setup
    module = lesson.module

    module_quiz_record(staff=staff, module=module, score=80)
    module_quiz_record(staff=staff, module=module, score=90)

    credits = StudyHourCredit.objects.filter(staff=staff, source="quiz")
    assert [c.hours for c in credits] == [Decimal("0.5")]


def test_a_failed_weekly_quiz_credits_nothing(setup):
    staff, lesson = setup
    module_quiz_record(staff=staff, module=lesson.module, score=40)
    assert not StudyHourCredit.objects.filter(staff=staff).exists()


def test_lessons_and_quiz_rule_needs_both(setup):
    staff, lesson = setup
    module = lesson.module
    module.completion_rule = CompletionRule.LESSONS_AND_QUIZ
    module.save()
    watch(staff, lesson, seconds=int(40 * 60 * 0.9) + 15)
    assert ModuleCompletion.objects.get(staff=staff).completed_at is None

    module_quiz_record(staff=staff, module=module, score=75)

    assert ModuleCompletion.objects.get(staff=staff).completed_at is not None


def test_a_text_lesson_is_completed_by_reading(setup):
    staff, lesson = setup
    text = make_lesson(lesson.module, order=2, video_seconds=0, video_url="")
    lesson_mark_read(staff=staff, lesson=text)
    assert LessonProgress.objects.get(staff=staff, lesson=text).is_completed


def test_someone_not_enrolled_cannot_send_heartbeats(setup, city):
    from tests.factories import make_learner

    _user, outsider = make_learner(city.township_b1)
    _staff, lesson = setup
    with pytest.raises(PermissionDenied):
        beat(outsider, lesson, 0, 0)
    assert not LessonProgress.objects.filter(staff=outsider).exists()
