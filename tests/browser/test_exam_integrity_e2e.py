"""The integrity options in a real browser at phone size, with two browser contexts
as two devices: copying the questions is blocked, leaving the page is warned with the
times left, the second phone takes the exam over and the first one is told and stops,
and leaving once more than allowed hands the exam in (scored by the finaliser)."""

import re

import pytest
from playwright.sync_api import expect

from exams.models import Attempt, AttemptStatus, DeviceSwitch
from exams.services import attempts_finalise_overdue

from ..exams.helpers import make_bank, open_session
from ..factories import StaffFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "Window-Clerk-2027"
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def strict_exam(city):
    user = UserFactory(username="EXAM2", first_name="周examinee")
    user.set_password(PASSWORD)
    user.save()
    StaffFactory(department=city.township_a1, user=user)
    make_bank()
    return open_session(
        city.county_a,
        departments=[city.county_a],
        minutes=30,
        shuffle_questions=False,
        one_device=True,
        leave_limit=1,
        leave_auto_submit=True,
        no_copy=True,
    )


def _leave_and_come_back(page):
    page.evaluate("window.dispatchEvent(new Event('blur'))")
    page.evaluate("window.dispatchEvent(new Event('focus'))")


def test_two_phones_one_exam(
    browser, browser_context_args, live_server, strict_exam, sign_in, screenshot, axe_check
):
    first = browser.new_context(**browser_context_args, viewport=PHONE).new_page()
    sign_in(first, "EXAM2", PASSWORD)
    first.goto(f"{live_server.url}/exams/")
    first.get_by_role("button", name="开始或继续").click()
    expect(first).to_have_url(re.compile(r"/exams/attempts/"))
    expect(first.locator(".integrity-rules")).to_contain_text("只能在一台设备上作答")
    first.locator("#q1 .option").first.click()
    expect(first.locator("#save-status")).to_have_text("全部已保存")

    # Copying the question text is blocked, and it cannot be selected.
    blocked = first.evaluate(
        """() => {
          const e = new ClipboardEvent('copy', {bubbles: true, cancelable: true});
          document.querySelector('#q1 .stem').dispatchEvent(e);
          return e.defaultPrevented;
        }"""
    )
    assert blocked is True
    assert first.evaluate("getComputedStyle(document.querySelector('#q1 .stem')).userSelect") == (
        "none"
    )

    # Leaving the page once: counted, and warned with the times left.
    _leave_and_come_back(first)
    warning = first.locator("#integrity-warning")
    expect(warning).to_contain_text("您已离开考试页面 1 次，还可离开 0 次")
    assert Attempt.objects.get().leave_count == 1

    # The second phone opens the exam: it takes it over.
    second = browser.new_context(**browser_context_args, viewport=PHONE).new_page()
    sign_in(second, "EXAM2", PASSWORD)
    second.goto(f"{live_server.url}/exams/")
    second.get_by_role("button", name="开始或继续").click()
    expect(second).to_have_url(re.compile(r"/exams/attempts/"))
    second.get_by_role("link", name="第 2 题").click()
    second.locator("#q2 .option").first.click()
    expect(second.locator("#save-status")).to_have_text("全部已保存")
    assert DeviceSwitch.objects.count() == 1

    # The first phone's next save is refused: it says so in Chinese and stops.
    first.get_by_role("link", name="第 3 题").click()
    first.locator("#q3 .option").first.click()
    expect(warning).to_contain_text("此考试已在另一台设备上继续作答")
    expect(first.locator("#submit-exam")).to_be_disabled()
    expect(first.locator("#q3 .option input").first).to_be_disabled()
    screenshot(first, "43-exam-other-device-phone")
    assert axe_check(first) == []
    assert first.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    attempt = Attempt.objects.get()
    assert attempt.items.get(position=3).answer is None
    assert attempt.items.get(position=2).answer is not None

    # The second phone leaves once more than allowed: handed in, then scored.
    _leave_and_come_back(second)
    expect(second.locator("main")).to_contain_text(
        "离开考试页面次数超过限制，系统已自动交卷。", timeout=15000
    )
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.HANDED_IN and attempt.leave_handed_in
    attempts_finalise_overdue()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED and attempt.score is not None
