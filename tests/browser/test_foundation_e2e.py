"""In a real browser: first sign-in and password change, role navigation, the unit
pages at phone size, and accessibility of the main foundation pages."""

import re

import pytest
from playwright.sync_api import expect

from organisation.models import Role
from organisation.services import staff_create_account

from ..factories import StaffFactory, make_user_with_role

# serialized_rollback: the flush after each test must not lose data migrations
# (skill levels, certification rules).
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_PASSWORD = "Window-Clerk-2027"


def test_learner_first_sign_in_forces_password_change(
    page, live_server, city, sign_in, screenshot, axe_check
):
    staff = StaffFactory(department=city.township_a1, name="陈小明")
    code = staff_create_account(staff=staff)

    page.goto(f"{live_server.url}/accounts/login/")
    expect(page.locator("h1")).to_contain_text("登录")
    assert axe_check(page) == []
    screenshot(page, "01-login")

    sign_in(page, staff.staff_number, code)
    expect(page).to_have_url(re.compile(r"/accounts/password/change/$"))
    screenshot(page, "02-first-sign-in-password-change")
    page.fill("input[name=oldpassword]", code)
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.locator("main form button[type=submit]").first.click()

    page.goto(f"{live_server.url}/")
    expect(page.locator("h1")).to_contain_text("陈小明")
    expect(page.locator("main")).to_contain_text(staff.id_number_masked)
    assert staff.reveal_id_number() not in page.content()
    assert axe_check(page) == []

    # The new password works; the one-time password no longer does.
    page.context.clear_cookies()
    sign_in(page, staff.staff_number, code)
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    sign_in(page, staff.mobile, NEW_PASSWORD)
    expect(page.locator("h1")).to_contain_text("陈小明")


def test_coordinator_browses_units_on_a_phone(
    page, live_server, city, sign_in, screenshot, axe_check
):
    page.set_viewport_size({"width": 390, "height": 844})
    user = make_user_with_role(Role.COORDINATOR, city.county_a, username="COORD1")
    user.set_password(NEW_PASSWORD)
    user.save()
    StaffFactory(department=city.township_a1, name="王晓红")
    StaffFactory(department=city.township_b1, name="不可见")

    sign_in(page, "COORD1", NEW_PASSWORD)
    page.get_by_role("link", name="单位与人员").first.click()
    expect(page.locator("h1")).to_contain_text("甲县")
    expect(page.locator("main")).to_contain_text("王晓红")
    expect(page.locator("main")).not_to_contain_text("不可见")
    # Nothing wider than the phone's screen except inside scrollable tables.
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= 390
    assert axe_check(page) == []
    screenshot(page, "03-unit-page-phone")


def test_language_switch_to_english(page, live_server, db, screenshot):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_contain_text("Sign In")


def test_administrator_sets_up_totp_before_anything_else(
    page, live_server, city, sign_in, screenshot
):
    from allauth.mfa.totp.internal.auth import (
        format_hotp_value,
        hotp_value,
        yield_hotp_counters_from_time,
    )

    admin = make_user_with_role(Role.ADMINISTRATOR, city.city, username="ADMIN1")
    admin.set_password(NEW_PASSWORD)
    admin.save()
    sign_in(page, "ADMIN1", NEW_PASSWORD)
    page.goto(f"{live_server.url}/org/units/")
    # Straight to the set-up: the password just typed counts as the confirmation
    # (no "confirm access" asking for it a second time).
    expect(page).to_have_url(re.compile(r"/accounts/2fa/totp/activate/$"))
    expect(page.locator("img[src^='data:image/svg']")).to_be_visible()
    screenshot(page, "04-admin-totp-setup")
    secret = page.locator("#authenticator_secret").input_value()
    counter = next(iter(yield_hotp_counters_from_time()))
    page.fill("input[name=code]", format_hotp_value(hotp_value(secret, counter)))
    page.locator("main form button[type=submit]").first.click()
    # The recovery codes are shown once, with a way on.
    expect(page).to_have_url(re.compile(r"/accounts/2fa/recovery-codes/"))
    page.get_by_role("link", name="我已保存恢复码，继续").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/org/units/")
    expect(page.locator("h1")).to_contain_text("测试市")
