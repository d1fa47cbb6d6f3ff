"""The demo city in a real browser: a learner follows their guidance plan, a
coordinator reads the completion matrix and exports it, and every main page of the
demo passes the accessibility check."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import expect

from training.models import GuidancePlan

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
DEMO_PASSWORD = "Demo@2026"


@pytest.fixture
def demo(db):
    call_command("seed_demo", verbosity=0)


def test_learner_follows_the_guidance_plan(page, live_server, demo, sign_in, screenshot, axe_check):
    plan = GuidancePlan.objects.select_related("staff").order_by("pk").first()
    assert plan is not None, "the demo city has guidance plans"
    staff = plan.staff
    if staff.user is None:
        staff.user = get_user_model().objects.create(username=staff.staff_number)
        staff.save(update_fields=["user"])
    staff.user.set_password(DEMO_PASSWORD)
    staff.user.save()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, staff.staff_number, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/training/plans/{plan.public_id}/")
    expect(page.locator("h1")).to_be_visible()
    weak = plan.weak_points[0]["name"] if plan.weak_points else ""
    expect(page.locator("main")).to_contain_text(weak)
    assert axe_check(page) == []
    screenshot(page, "50-guidance-plan-phone")


def test_coordinator_reads_and_exports_the_completion_matrix(
    page, live_server, demo, sign_in, screenshot, axe_check
):
    sign_in(page, "HZ001262", DEMO_PASSWORD)  # the demo county coordinator
    page.goto(f"{live_server.url}/training/matrix/")
    expect(page.locator("main table")).to_be_visible()
    expect(page.locator("main")).to_contain_text("已完成")
    assert axe_check(page) == []
    screenshot(page, "51-completion-matrix")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").first.click()
    book = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    assert book.active.max_row > 10


PAGES = {
    "HZ001336": ["/", "/exams/", "/certificates/", "/training/notifications/"],
    "HZ001262": [
        "/training/guidance/",
        "/training/overdue/",
        "/roster/",
        "/certificates/dashboard/",
    ],
    "HZ000001": ["/certificates/dashboard/", "/training/units/"],
}


def test_main_demo_pages_have_no_serious_accessibility_violations(
    page, live_server, demo, sign_in, axe_check
):
    for username, paths in PAGES.items():
        page.context.clear_cookies()
        sign_in(page, username, DEMO_PASSWORD)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            assert axe_check(page) == [], path
