"""The demo city, the product's first user, in one test: building the city takes most
of the time (about a minute), so it is built once and then

- it is realistic, and holds what the README promises its demo sign-ins;
- after every scheduled command has run once, people of every role follow every
  same-site link and press every exam start button on their pages without a server
  error, a dead link, program output on a page, an empty practice set or an exam that
  will not start (issue: the cycle closes for a real city);
- in a real browser, a learner on a phone follows their guidance plan, a coordinator
  reads the completion matrix and exports it, and the main pages of every role pass
  the accessibility check.
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from openpyxl import load_workbook
from playwright.sync_api import expect

from exams.models import Attempt
from organisation.crypto import decrypt_id_number
from organisation.idnumbers import validate_id_number
from organisation.models import Department, DepartmentKind, Role, RoleAssignment, Staff
from tests.cycle.linkwalk import COMMANDS, walk
from tests.factories import add_totp
from training.models import GuidancePlan, GuidanceStatus

DEMO_PASSWORD = "Demo@2026"


def _realistic_as_the_readme_promises(printed: str) -> None:
    kinds = list(Department.objects.values_list("kind", flat=True))
    assert 290 <= len(kinds) <= 320
    assert kinds.count(DepartmentKind.CITY_DEPARTMENT) == 43
    assert kinds.count(DepartmentKind.COUNTY) == 19
    assert 200 <= kinds.count(DepartmentKind.TOWNSHIP) <= 240
    assert 5500 <= Staff.objects.filter(is_window_staff=True).count() <= 6500
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == {
        "administrator",
        "coordinator",
        "manager",
    }
    # Every ID number is valid, and stored encrypted, never in clear.
    for row in Staff.objects.order_by("?")[:50]:
        number = decrypt_id_number(row.id_number_encrypted)
        assert validate_id_number(number) == number
        assert number not in row.id_number_encrypted
    assert "admin" in printed and DEMO_PASSWORD in printed

    # The README's sign-ins, with the roles and units it names.
    roles = {
        (username, role, unit)
        for username, role, unit in RoleAssignment.objects.values_list(
            "user__username", "role", "department__name"
        )
    }
    assert ("HZ000856", Role.COORDINATOR, "洪州市") in roles
    assert ("HZ001262", Role.COORDINATOR, "东湖区") in roles
    assert ("HZ001337", Role.COORDINATOR, "东湖区滨江街道") in roles
    assert ("HZ000001", Role.MANAGER, "洪州市") in roles
    assert ("HZ001292", Role.MANAGER, "东湖区") in roles
    assert get_user_model().objects.get(username="HZ001242").must_change_password
    # The learner the README walks through failed October's monthly exam, has a guidance
    # plan for it, and their plan agrees with their result.
    learner = Staff.objects.get(staff_number="HZ001336")
    assert learner.department.name == "东湖区滨江街道"
    october = Attempt.objects.get(staff=learner, session__title="2026年10月月考")
    assert october.score < 60
    plan = GuidancePlan.objects.get(staff=learner, status=GuidanceStatus.OPEN)
    assert plan.weak_points
    assert GuidancePlan.objects.count() > 50


def _every_role_walks_after_the_scheduled_commands() -> None:
    for name in COMMANDS:
        call_command(name, verbosity=0)
    User = get_user_model()
    roles = dict(RoleAssignment.objects.values_list("user__username", "role"))
    accounts = list(
        User.objects.filter(is_active=True)
        .exclude(password__startswith="!")
        .exclude(username__isnull=True)
        .order_by("username")
    )
    assert {roles.get(u.username, "learner") for u in accounts} >= {
        Role.ADMINISTRATOR,
        Role.COORDINATOR,
        Role.MANAGER,
        "learner",
    }
    problems: dict[str, list[str]] = {}
    for user in accounts:
        if roles.get(user.username) == Role.ADMINISTRATOR:
            add_totp(user)
        client = Client()
        client.force_login(user)
        found, visited = walk(client, "/")
        assert visited > 3, user.username
        if found:
            problems[f"{roles.get(user.username, 'learner')} {user.username}"] = found[:15]
    assert problems == {}


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


def _every_role_in_a_real_browser(page, live_server, sign_in, screenshot, axe_check) -> None:
    # A learner on a phone follows their guidance plan.
    plan = GuidancePlan.objects.select_related("staff").order_by("pk").first()
    assert plan is not None, "the demo city has guidance plans"
    staff = plan.staff
    if staff.user is None:
        staff.user = get_user_model().objects.create(username=staff.staff_number)
        staff.save(update_fields=["user"])
    staff.user.set_password(DEMO_PASSWORD)
    staff.user.must_change_password = False
    staff.user.save()
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, staff.staff_number, DEMO_PASSWORD)
    page.goto(f"{live_server.url}/training/plans/{plan.public_id}/")
    expect(page.locator("h1")).to_be_visible()
    weak = plan.weak_points[0]["name"] if plan.weak_points else ""
    expect(page.locator("main")).to_contain_text(weak)
    assert axe_check(page) == []
    screenshot(page, "50-guidance-plan-phone")

    # The county coordinator reads the completion matrix and exports it.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 1280, "height": 900})
    sign_in(page, "HZ001262", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/training/matrix/")
    expect(page.locator("main table")).to_be_visible()
    expect(page.locator("main")).to_contain_text("已完成")
    assert axe_check(page) == []
    screenshot(page, "51-completion-matrix")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").first.click()
    book = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    assert book.active.max_row > 10

    # The main pages of every role pass the accessibility check.
    for username, paths in PAGES.items():
        page.context.clear_cookies()
        sign_in(page, username, DEMO_PASSWORD)
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status == 200, path
            assert axe_check(page) == [], path


# A live server needs a transactional test; serialized_rollback puts back what the
# migrations created once the city is flushed away.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_city(page, live_server, sign_in, screenshot, axe_check):
    printed = io.StringIO()
    call_command("seed_demo", stdout=printed)
    _realistic_as_the_readme_promises(printed.getvalue())
    _every_role_walks_after_the_scheduled_commands()
    _every_role_in_a_real_browser(page, live_server, sign_in, screenshot, axe_check)
