"""The learner's exam in a real browser, at phone size: answer, lose the connection,
keep answering, reconnect, everything saved, reload, same time left, hand in."""

import re

import pytest
from playwright.sync_api import expect

from exams.models import Attempt, AttemptStatus

from ..exams.helpers import make_bank, open_session
from ..factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "Window-Clerk-2027"


@pytest.fixture
def examinee(city):
    user = UserFactory(username="EXAM1", first_name="林examinee")
    user.set_password(PASSWORD)
    user.save()
    StaffFactory(department=city.township_a1, user=user)
    make_bank()
    session = open_session(
        city.county_a, departments=[city.county_a], minutes=30, shuffle_questions=False
    )
    return user, session


def _started(page, live_server, sign_in) -> str:
    """The examinee signs in and starts the exam; the exam page's address."""
    sign_in(page, "EXAM1", PASSWORD)
    page.goto(f"{live_server.url}/exams/")
    page.get_by_role("button", name="开始或继续").click()
    expect(page).to_have_url(re.compile(r"/exams/attempts/"))
    return page.url


def _seconds(text: str) -> int:
    parts = [int(p) for p in text.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


def test_exam_survives_going_offline_and_a_reload_on_a_phone(
    page, live_server, examinee, sign_in, screenshot, axe_check
):
    _user, session = examinee
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "EXAM1", PASSWORD)
    page.goto(f"{live_server.url}/exams/")
    expect(page.locator("main")).to_contain_text(session.title)
    page.get_by_role("button", name="开始或继续").click()
    expect(page).to_have_url(re.compile(r"/exams/attempts/"))
    status = page.locator("#save-status")

    # Question 1 (single choice): answer, saved (the status read "all saved" before the
    # answer too: wait for the save itself).
    with page.expect_response(re.compile(r"/save/$")) as saved:
        page.locator("#q1 .option").nth(1).click()
    assert saved.value.status == 200
    expect(status).to_have_text("全部已保存")
    screenshot(page, "40-exam-phone")
    assert axe_check(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Lose the connection, keep answering.
    page.context.set_offline(True)
    page.get_by_role("link", name="第 3 题").click()
    page.locator("#q3 .option").first.click()
    page.get_by_role("link", name="第 7 题").click()
    page.locator("#q7 input[type=text]").fill("一网通办")
    expect(status).to_contain_text("2 条答案暂存在本机")
    expect(status).to_contain_text("不会交卷")
    screenshot(page, "41-exam-offline")
    attempt = Attempt.objects.get()
    assert attempt.items.get(position=3).answer is None

    # Reconnect: the queued answers go out in order.
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(status).to_have_text("全部已保存", timeout=15000)
    assert attempt.items.get(position=1).answer is not None
    assert attempt.items.get(position=3).answer is not None
    assert attempt.items.get(position=7).answer == ["一网通办"]

    # Reload: the answers are there and the time left continues from the server.
    before = _seconds(page.locator("#timer").inner_text())
    page.reload()
    page.get_by_role("link", name="第 7 题").click()
    expect(page.locator("#q7 input[type=text]")).to_have_value("一网通办")
    after = _seconds(page.locator("#timer").inner_text())
    assert 0 <= before - after <= 10

    # Hand in: the confirmation says how many questions are still unanswered (10 asked,
    # 3 answered).
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="交卷").click()
    expect(page.locator("h1")).to_contain_text(session.title)
    # The hand-in closed the attempt; the scoring follows (正在评分). No finaliser runs
    # here: the page looks again every few seconds and, after the grace period, scores
    # the attempt itself.
    expect(page.locator("main")).to_contain_text("正在评分")
    screenshot(page, "42-exam-result-scoring")
    expect(page.locator("main")).not_to_contain_text("正在评分", timeout=20000)
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    assert "还有 7 道题未作答" in asked[0]
    screenshot(page, "42-exam-result")
    assert axe_check(page) == []
    assert "['" not in page.locator("main").inner_text()


def test_an_answer_given_before_the_pages_script_arrived_is_saved(
    page, live_server, examinee, sign_in
):
    """On a slow phone the exam page shows (and is touched) before its script has
    arrived: the answer given then is saved once the script runs."""
    _user, _session = examinee
    url = _started(page, live_server, sign_in)
    held = []
    page.route(re.compile(r"/js/exam[^/]*\.js"), lambda route: held.append(route))
    page.goto(url, wait_until="commit")
    page.locator("#q2 .option").first.click()  # the script is still on its way
    assert held, "the exam script was not requested"
    assert Attempt.objects.get().items.get(position=2).answer is None
    with page.expect_response(re.compile(r"/save/$")) as saved:
        held[0].continue_()
    assert saved.value.status == 200
    expect(page.locator("#save-status")).to_have_text("全部已保存")
    assert Attempt.objects.get().items.get(position=2).answer is not None
    expect(page.locator('[data-nav="2"]')).to_have_class(re.compile("answered"))


def test_a_reload_rendered_before_its_last_save_was_stored_shows_that_answer(
    page, live_server, examinee, sign_in
):
    """The race of a reload while a save is in flight: the server renders the new page
    before the save commits, and the old page, told the save was stored, drops it from
    its queue. Played here by serving the page as rendered before the save."""
    _user, _session = examinee
    url = _started(page, live_server, sign_in)
    before = page.request.get(url).text()  # the page as the server renders it now
    page.get_by_role("link", name="第 2 题").click()
    with page.expect_response(re.compile(r"/save/$")) as saved:
        page.locator("#q2 .option").first.click()
    assert saved.value.status == 200
    expect(page.locator("#save-status")).to_have_text("全部已保存")
    assert Attempt.objects.get().items.get(position=2).answer is not None
    page.route(url, lambda route: route.fulfill(body=before, content_type="text/html"))
    page.goto(url)
    page.get_by_role("link", name="第 2 题").click()
    expect(page.locator("#q2 .option input").first).to_be_checked()
    expect(page.locator('[data-nav="2"]')).to_have_class(re.compile("answered"))


def test_answers_typed_offline_survive_a_reload_while_offline(page, live_server, examinee, sign_in):
    _user, _session = examinee
    url = _started(page, live_server, sign_in)
    page.context.set_offline(True)
    page.get_by_role("link", name="第 2 题").click()
    page.locator("#q2 .option").first.click()
    expect(page.locator("#save-status")).to_contain_text("网络已断开")
    # The server stays unreachable from the moment the network returns: routed before
    # going online, so that the page's "online" handler cannot send the save first.
    page.route("**/save/", lambda route: route.abort())
    page.context.set_offline(False)
    page.goto(url)
    page.get_by_role("link", name="第 2 题").click()
    expect(page.locator("#q2 .option input").first).to_be_checked()
    page.unroute("**/save/")
    page.evaluate("window.dispatchEvent(new Event('online'))")
    expect(page.locator("#save-status")).to_have_text("全部已保存", timeout=15000)
    assert Attempt.objects.get().items.get(position=2).answer is not None
