"""Every page as its people read it, in a real browser at phone size, with the
elder-friendly large text mode off and on: axe clean, nothing scrolls sideways, tap
targets of at least 44 px, no program output, everything reachable by keyboard."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from accounts.models import User
from organisation.models import Role
from organisation.services import staff_create_account

from ..certificates.helpers import quick_certificate
from ..exams.helpers import make_bank, open_session
from ..factories import StaffFactory, UserFactory, make_user_with_role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "Window-Clerk-2027"
PHONE = {"width": 390, "height": 844}
LEAKS = ("['", "None", "[]", "{'")


def _user(role, department, username):
    user = make_user_with_role(role, department, username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def _small_targets(page) -> list[str]:
    """Buttons, button-like links and top-bar links under 44 px high (inline links in
    running text are exempt, as in WCAG 2.5.8)."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
              '.topbar a, .topbar button, main button, main .button, .nav-item, main select,'
              + ' main input[type=text], main input[type=number], main input[type=password]'))
            .filter(e => e.offsetParent !== null && e.type !== 'hidden')
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.height < 43.5)
            .map(([e, r]) => (e.textContent || e.name || e.tagName).trim().slice(0, 30)
                 + ' ' + Math.round(r.height))"""
    )


def _check(page, axe_check, width=PHONE["width"]):
    expect(page.locator("main")).to_be_visible()
    assert axe_check(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert _small_targets(page) == []
    text = page.locator("main").inner_text()
    assert not [leak for leak in LEAKS if leak in text], text


def _large_text_on(page):
    """Turn the mode on from the keyboard: Tab to the top bar's toggle, press Enter. It
    is the third stop for every role (skip link, brand, toggle), before the menu."""
    toggle = page.get_by_role("button", name="大字模式")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    for _ in range(3):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-pressed')") == "false":
            break
    else:
        raise AssertionError("the large-text toggle is not within the first three Tab stops")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_class(re.compile("large-text"))
    expect(page.get_by_role("button", name="大字模式")).to_have_attribute("aria-pressed", "true")


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_learner_pages_on_a_phone(page, live_server, city, sign_in, screenshot, axe_check, large):
    from certificates.services import certification_settings_get
    from exams.models import Question, QuestionType
    from exams.services import (
        attempt_save,
        attempt_start,
        attempt_submit,
        attempts_score_handed_in,
    )

    page.set_viewport_size(PHONE)
    user = UserFactory(username="LEARN-P", first_name="钟梅")
    user.set_password(PASSWORD)
    user.save()
    staff = StaffFactory(department=city.township_a1, user=user)
    make_bank(per_type=2)
    Question.objects.filter(type=QuestionType.SHORT_ANSWER).update(
        rubric=[{"item": "一次性告知", "points": 5}, {"item": "登记台账", "points": 5}]
    )
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {"type": "single", "count": 1, "points": Decimal(10)},
            {"type": "multiple", "count": 1, "points": Decimal(10)},
            {"type": "short_answer", "count": 1, "points": Decimal(10)},
        ],
        show_answers="after_submit",
        shuffle_questions=False,
    )
    attempt = attempt_start(session=session, staff=staff)
    attempt_save(attempt_id=attempt.public_id, user_id=user.pk, position=1, answer=["C"], seq=1)
    attempt_save(
        attempt_id=attempt.public_id, user_id=user.pk, position=2, answer=["C", "A"], seq=2
    )
    attempt_submit(attempt=attempt)
    attempts_score_handed_in()  # the finaliser's scorer, as on exam day
    certification_settings_get()
    from certificates.models import SkillLevel

    certificate = quick_certificate(
        staff, SkillLevel.objects.get(code=5), issued=datetime.date(2026, 1, 5)
    )

    sign_in(page, "LEARN-P", PASSWORD)
    expect(page.locator("h1")).to_contain_text("钟梅")
    if large:
        _large_text_on(page)
        assert User.objects.get(pk=user.pk).large_text
    _check(page, axe_check)
    suffix = "-large-text" if large else ""
    screenshot(page, f"pages-01-learner-home{suffix}")

    page.goto(f"{live_server.url}/exams/attempts/{attempt.public_id}/")
    main = page.locator("main")
    expect(main).to_contain_text("A. 甲")
    expect(main).to_contain_text("参考答案")
    expect(main).to_contain_text("一次性告知")
    expect(main).to_contain_text("0.0 / 10.0")
    if large:
        expect(page.locator("html")).to_have_class(re.compile("large-text"))
    _check(page, axe_check)
    screenshot(page, f"pages-02-exam-result{suffix}")

    page.goto(f"{live_server.url}/exams/mistakes/")
    expect(page.locator(".answer-card").first).to_contain_text("正确答案")
    _check(page, axe_check)

    page.goto(f"{live_server.url}/certificates/c/{certificate.public_id}/")
    expect(page.locator("main")).to_contain_text(certificate.verification_code)
    _check(page, axe_check)

    # 200% zoom on a desktop: a 1280 px window shows 640 CSS px.
    page.set_viewport_size({"width": 640, "height": 400})
    page.goto(f"{live_server.url}/exams/attempts/{attempt.public_id}/")
    _check(page, axe_check, width=640)


def test_first_sign_in_says_why_and_goes_home(page, live_server, city, sign_in, axe_check):
    page.set_viewport_size(PHONE)
    staff = StaffFactory(department=city.township_a1, name="钟梅")
    code = staff_create_account(staff=staff)
    sign_in(page, staff.staff_number, code)
    expect(page).to_have_url(re.compile(r"/accounts/password/change/$"))
    expect(page.locator("main")).to_contain_text("一次性初始密码")
    expect(page.locator("main")).not_to_contain_text("成功登录")
    _large_text_on(page)  # one tap away even before the password is changed
    _check(page, axe_check)
    page.fill("input[name=oldpassword]", code)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.locator("h1")).to_contain_text("钟梅")
    expect(page.locator("html")).to_have_class(re.compile("large-text"))


@pytest.mark.parametrize("large", [False, True], ids=["normal", "large-text"])
def test_coordinator_and_manager_pages_on_a_phone(
    page, live_server, city, sign_in, screenshot, axe_check, large
):
    page.set_viewport_size(PHONE)
    coordinator = _user(Role.COORDINATOR, city.county_a, "COORD-P")
    StaffFactory(department=city.county_a, user=coordinator, is_window_staff=False)
    _user(Role.MANAGER, city.county_a, "MANAGER-P")
    waiting = StaffFactory(department=city.township_a2, name="待认证")
    for unit in (city.township_a1, city.township_a2):
        StaffFactory(department=unit)
    suffix = "-large-text" if large else ""

    sign_in(page, "COORD-P", PASSWORD)
    if large:
        _large_text_on(page)
    expect(page.locator("#work-h")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("本年度学时")
    _check(page, axe_check)

    page.goto(f"{live_server.url}/exams/manage/new/")
    rows = page.locator("#rule-rows tr")
    before = rows.count()
    page.get_by_role("button", name="添加一条规则").click()
    expect(rows).to_have_count(before + 1)
    total = page.locator("input[name=rules-TOTAL_FORMS]")
    expect(total).to_have_value(str(before + 1))
    expect(page.locator(f"input[name=rules-{before}-count]")).to_be_focused()
    _check(page, axe_check)

    page.goto(f"{live_server.url}/org/staff/{waiting.public_id}/")
    expect(page.locator("#record-h")).to_be_visible()
    _check(page, axe_check)

    page.context.clear_cookies()
    sign_in(page, "MANAGER-P", PASSWORD)
    if large:
        _large_text_on(page)
    work = page.locator("#work-h").locator("xpath=..")
    expect(work.get_by_role("link", name="持证上岗率")).to_be_visible()
    _check(page, axe_check)
    work.get_by_role("link", name="持证上岗率").click()
    expect(page.locator("h1")).to_contain_text(city.county_a.name)
    _check(page, axe_check)
    screenshot(page, f"pages-03-manager-dashboard{suffix}")
    page.goto(f"{live_server.url}/certificates/dashboard/{city.township_a2.pk}/")
    expect(page.locator("main")).to_contain_text("待认证")
    assert waiting.id_number_masked not in page.locator("main").inner_text()
    _check(page, axe_check)
