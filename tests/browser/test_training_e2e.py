"""In a real browser at phone size: the learner's home shows the next step, and the
lesson page's external player script posts heartbeats the server accounts."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from training.models import Enrolment, LessonProgress

from ..factories import make_learner
from ..training.helpers import make_lesson, make_module, make_programme, make_track

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Window-Clerk-2027"


@pytest.fixture
def enrolled(city):
    user, staff = make_learner(city.township_a1)
    user.set_password(PASSWORD)
    user.save()
    track = make_track(make_programme(city.county_a))
    Enrolment.objects.create(
        staff=staff, track=track, enrolled_at=timezone.now() - datetime.timedelta(days=30)
    )
    module = make_module(track, week=3, title="一网通办平台操作")
    lesson = make_lesson(module, title="统一身份认证", body_html="<p>核验申请人身份。</p>")
    return user, staff, lesson


def test_learner_home_on_a_phone_shows_the_next_step(
    page, live_server, enrolled, sign_in, screenshot, axe_check
):
    user, _staff, _lesson = enrolled
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, user.username, PASSWORD)

    expect(page.locator(".next-step")).to_contain_text("学习本周培训内容")
    expect(page.locator(".next-step")).to_contain_text("一网通办平台操作")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert axe_check(page) == []
    screenshot(page, "training-01-learner-home-phone")

    page.locator(".next-step a.button").click()
    expect(page.locator("h1")).to_contain_text("一网通办平台操作")
    assert axe_check(page) == []
    screenshot(page, "training-02-module-phone")


def test_the_player_script_sends_heartbeats_with_csrf(page, live_server, enrolled, sign_in):
    user, staff, lesson = enrolled
    sign_in(page, user.username, PASSWORD)
    page.goto(f"{live_server.url}/training/lessons/{lesson.pk}/")
    expect(page.locator("h1")).to_contain_text("统一身份认证")

    # No real media file here: pretend the video plays at 12 s and fire "play".
    with page.expect_response(lambda r: "/heartbeat/" in r.url) as response:
        page.evaluate(
            """() => {
                const v = document.getElementById('lesson-video');
                Object.defineProperty(v, 'paused', {get: () => false});
                Object.defineProperty(v, 'currentTime', {get: () => 12});
                v.dispatchEvent(new Event('play'));
            }"""
        )
    assert response.value.status == 200
    progress = LessonProgress.objects.get(staff=staff, lesson=lesson)
    assert progress.last_position == 12 and progress.watched_seconds == 0
