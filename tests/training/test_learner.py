"""The learner's home page: the next step in each situation, pages, the heartbeat API."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from exams.models import Question
from exams.services import record_mistake
from tests.exams.helpers import make_bank, open_session
from tests.factories import make_learner
from training.models import (
    CompletionRule,
    Enrolment,
    GuidancePlan,
    LessonProgress,
    ModuleCompletion,
    MonthlyExam,
)
from training.selectors import StepKind, learner_home

from .helpers import make_lesson, make_module, make_programme, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def learner(city, learner_a1):
    user, staff = learner_a1
    programme = make_programme(city.county_a)
    track = make_track(programme)
    Enrolment.objects.create(
        staff=staff, track=track, enrolled_at=timezone.now() - datetime.timedelta(days=60)
    )
    return user, staff, track


def today():
    return timezone.localdate()


def test_next_step_is_this_weeks_module(learner):
    _user, staff, track = learner
    module = make_module(track, week=2)
    make_lesson(module)

    home = learner_home(staff=staff)

    assert home.next_step.kind == StepKind.MODULE
    assert home.next_step.url == reverse("training:module", args=[module.pk])


def test_next_step_is_an_overdue_module_before_this_week(learner):
    _user, staff, track = learner
    make_module(track, week=2)
    late = make_module(
        track,
        week=1,
        starts_on=today() - datetime.timedelta(days=14),
        due_on=today() - datetime.timedelta(days=8),
    )

    home = learner_home(staff=staff)

    assert home.next_step.kind == StepKind.OVERDUE
    assert home.next_step.url == reverse("training:module", args=[late.pk])


def test_next_step_is_the_guidance_plan_when_one_is_open(learner):
    _user, staff, track = learner
    make_module(track, week=2)
    exam = MonthlyExam.objects.create(programme=track.programme, month=today().replace(day=1))
    plan = GuidancePlan.objects.create(
        staff=staff, monthly_exam=exam, weak_points=[{"id": 1, "name": "数据安全", "score": 40}]
    )

    home = learner_home(staff=staff)

    assert home.next_step.kind == StepKind.GUIDANCE
    assert home.next_step.url == reverse("training:plan", args=[plan.public_id])
    assert "数据安全" in home.next_step.detail


def test_next_step_is_an_open_exam_before_anything_else(learner):
    _user, staff, track = learner
    make_module(track, week=2)
    make_bank()
    session = open_session(staff.department, staff=[staff])  # the engine's, published

    home = learner_home(staff=staff)

    assert session.published
    assert home.next_step.kind == StepKind.EXAM
    assert home.next_step.url == f"{reverse('exams:list')}#session-{session.public_id}"
    assert session.title in home.next_step.detail + home.next_step.title


def test_next_step_is_the_mistakes_when_the_modules_are_done(learner):
    _user, staff, track = learner
    module = make_module(track, week=2)
    ModuleCompletion.objects.create(staff=staff, module=module, completed_at=timezone.now())
    make_bank()
    for question in Question.objects.all()[:4]:
        record_mistake(staff=staff, question=question, correct=False)

    home = learner_home(staff=staff)

    assert home.next_step.kind == StepKind.MISTAKES
    assert home.next_step.url == reverse("exams:mistakes")


def test_next_step_is_all_caught_up_when_nothing_is_left(learner):
    _user, staff, track = learner
    module = make_module(track, week=2)
    ModuleCompletion.objects.create(staff=staff, module=module, completed_at=timezone.now())
    assert learner_home(staff=staff).next_step.kind == StepKind.DONE


def test_unpublished_modules_are_not_shown(learner):
    _user, staff, track = learner
    make_module(track, week=3, published=False)
    assert learner_home(staff=staff).current == []


def test_modules_due_before_enrolment_are_not_asked_of_a_new_hire(city):
    _user, staff = make_learner(city.township_a1)
    track = make_track(make_programme(city.county_a))
    make_module(
        track,
        week=1,
        starts_on=today() - datetime.timedelta(days=20),
        due_on=today() - datetime.timedelta(days=14),
    )
    Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
    home = learner_home(staff=staff)
    assert home.overdue == [] and home.next_step.kind == StepKind.DONE


def test_the_home_page_shows_the_next_step_and_study_hours(client, learner):
    user, _staff, track = learner
    make_lesson(make_module(track, week=2, title="一窗受理流程"))
    client.force_login(user)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "一窗受理流程" in body
    assert reverse("training:module", args=[track.modules.get().pk]) in body


def test_the_home_page_for_a_coordinator_without_staff_record(client, coordinator_a):
    client.force_login(coordinator_a)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert reverse("training:matrix") in response.content.decode()


def test_module_and_lesson_pages_render_with_the_external_player_script(client, learner):
    user, _staff, track = learner
    module = make_module(track, week=2)
    lesson = make_lesson(module, body_html="<p>一次告知</p>")
    client.force_login(user)

    assert client.get(reverse("training:module", args=[module.pk])).status_code == 200
    response = client.get(reverse("training:lesson", args=[lesson.pk]))

    body = response.content.decode()
    assert response.status_code == 200
    assert "js/training_video.js" in body
    assert "<script>" not in body
    assert "一次告知" in body


def test_someone_else_s_module_is_a_404(client, city, learner):
    _user, _staff, track = learner
    module = make_module(track, week=2)
    lesson = make_lesson(module)
    outsider, _ = make_learner(city.township_b1)
    client.force_login(outsider)

    assert client.get(reverse("training:module", args=[module.pk])).status_code == 404
    assert client.get(reverse("training:lesson", args=[lesson.pk])).status_code == 404
    response = client.post(
        reverse("training-api-heartbeat", args=[lesson.pk]),
        {"position": 0, "visible": True, "active": True},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not LessonProgress.objects.exists()


def test_heartbeat_api_accounts_on_the_server(client, learner):
    user, staff, track = learner
    lesson = make_lesson(make_module(track, week=2, completion_rule=CompletionRule.LESSONS))
    client.force_login(user)
    url = reverse("training-api-heartbeat", args=[lesson.pk])

    first = client.post(
        url, {"position": 0, "visible": True, "active": True}, content_type="application/json"
    )
    seek = client.post(
        url, {"position": 2000, "visible": True, "active": True}, content_type="application/json"
    )

    assert first.status_code == 200 and seek.status_code == 200
    assert seek.json()["credited_seconds"] == 0
    assert LessonProgress.objects.get(staff=staff).watched_seconds == 0


def test_heartbeat_api_rejects_a_bad_position(client, learner):
    user, _staff, track = learner
    lesson = make_lesson(make_module(track, week=2))
    client.force_login(user)
    response = client.post(
        reverse("training-api-heartbeat", args=[lesson.pk]),
        {"position": -5, "visible": True, "active": True},
        content_type="application/json",
    )
    assert response.status_code == 400


def test_home_api_returns_the_next_step(client, learner):
    user, _staff, track = learner
    make_module(track, week=2)
    client.force_login(user)
    data = client.get(reverse("training-api-home")).json()
    assert data["next_step"]["kind"] == StepKind.MODULE
    assert data["study_hours_target"] == "40.0"


def test_reading_a_text_lesson_completes_it(client, learner):
    user, staff, track = learner
    lesson = make_lesson(make_module(track, week=2), video_seconds=0, video_url="")
    client.force_login(user)
    response = client.post(reverse("training:lesson_read", args=[lesson.pk]))
    assert response.status_code == 302
    assert LessonProgress.objects.get(staff=staff, lesson=lesson).is_completed


def test_lesson_text_is_sanitised():
    from training.content import sanitise_html

    dirty = '<p onclick="x()">好</p><script>alert(1)</script><a href="javascript:x">a</a>'
    clean = sanitise_html(dirty)
    assert "script" not in clean and "onclick" not in clean and "javascript" not in clean
    assert "<p>好</p>" in clean


def test_the_learners_home_page_does_not_grow_with_modules(client, learner):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user, _staff, track = learner
    make_lesson(make_module(track, week=1))
    client.force_login(user)
    client.get(reverse("home"))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("home"))
    for week in range(2, 8):
        module = make_module(
            track,
            week=week,
            starts_on=today() - datetime.timedelta(days=30 - week),
            due_on=today() - datetime.timedelta(days=20 - week),
        )
        make_lesson(module)
    with CaptureQueriesContext(connection) as after:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert len(after) == len(before)


def test_a_heartbeat_on_a_lesson_without_video_is_refused(learner):
    from django.core.exceptions import ValidationError

    from training.services import lesson_heartbeat

    _user, staff, track = learner
    text = make_lesson(make_module(track, week=2), video_seconds=0, video_url="")
    with pytest.raises(ValidationError):
        lesson_heartbeat(staff=staff, lesson=text, position=0, visible=True, active=True)
    assert not LessonProgress.objects.exists()


def test_a_lesson_page_never_renders_a_script_even_if_stored_unsanitised(client, learner):
    user, _staff, track = learner
    lesson = make_lesson(make_module(track, week=2))
    type(lesson).objects.filter(pk=lesson.pk).update(
        body_html='<p>好</p><img src=x onerror="alert(1)"><script>alert(2)</script>'
    )
    client.force_login(user)
    body = client.get(reverse("training:lesson", args=[lesson.pk])).content.decode()
    assert "onerror" not in body and "alert(2)" not in body and "<p>好</p>" in body


def test_my_record_lists_modules_and_credits(client, learner):
    from decimal import Decimal

    from training.models import StudyHourCredit

    user, staff, track = learner
    module = make_module(track, week=2, title="服务礼仪")
    StudyHourCredit.objects.create(
        staff=staff,
        year=today().year,
        source="quiz",
        source_key=f"quiz:{module.pk}",
        hours=Decimal("0.5"),
        credited_at=timezone.now(),
    )
    client.force_login(user)
    body = client.get(reverse("training:my_record")).content.decode()
    assert "服务礼仪" in body and "0.5" in body


def test_my_record_is_only_for_learners(client, coordinator_a):
    client.force_login(coordinator_a)
    assert client.get(reverse("training:my_record")).status_code == 404


def test_the_home_page_says_when_only_the_quiz_is_left(client, learner):
    user, staff, track = learner
    module = make_module(track, week=2, completion_rule=CompletionRule.LESSONS_AND_QUIZ)
    lesson = make_lesson(module)
    client.force_login(user)
    assert "还需通过周测" not in client.get("/").content.decode()  # a lesson to read first
    LessonProgress.objects.create(staff=staff, lesson=lesson, completed_at=timezone.now())
    page = client.get("/").content.decode()
    assert "1/1" in page and "还需通过周测" in page
    ModuleCompletion.objects.create(
        staff=staff, module=module, completed_at=timezone.now(), quiz_passed_at=timezone.now()
    )
    assert "还需通过周测" not in client.get("/").content.decode()


def test_last_years_unfinished_module_is_not_overdue_on_the_home_page(learner, city):
    _user, staff, track = learner
    old = make_track(make_programme(city.county_a, year=today().year - 1))
    Enrolment.objects.create(
        staff=staff, track=old, enrolled_at=timezone.now() - datetime.timedelta(days=400)
    )
    last_year = make_module(
        old,
        week=52,
        starts_on=today() - datetime.timedelta(days=380),
        due_on=today() - datetime.timedelta(days=374),
    )
    make_lesson(last_year)
    late = make_module(
        track,
        week=1,
        starts_on=today() - datetime.timedelta(days=14),
        due_on=today() - datetime.timedelta(days=8),
    )
    make_lesson(late)
    home = learner_home(staff=staff)
    assert [s.module for s in home.overdue] == [late]
    assert home.next_step.url == reverse("training:module", args=[late.pk])
