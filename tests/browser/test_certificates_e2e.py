"""In a real browser, at phone size: public verification without an account, the
managers' dashboard with its drill-down, and a learner's own certificate."""

import pytest
from playwright.sync_api import expect

from certificates.services import certificate_issue
from organisation.models import Role

from ..certificates.helpers import passed_assessment
from ..factories import StaffFactory, UserFactory, make_user_with_role

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _configuration(db):
    """Transactional tests flush the seeded levels and rules: seed them again."""
    import importlib

    from django.apps import apps

    importlib.import_module("certificates.migrations.0002_seed_configuration").seed(apps, None)


PASSWORD = "Window-Clerk-2027"
PHONE = {"width": 390, "height": 844}


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_anyone_verifies_a_certificate_on_a_phone(page, live_server, city, screenshot, axe_check):
    from certificates.models import SkillLevel

    staff = StaffFactory(department=city.township_a1, name="张小明")
    certificate = certificate_issue(
        assessment=passed_assessment(staff, SkillLevel.objects.get(code=5))
    )
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/certificates/verify/")
    expect(page.locator("h1")).to_contain_text("证书核验")
    assert axe_check(page) == []
    page.get_by_label("证书编号").fill(certificate.number)
    page.get_by_label("核验码").fill(certificate.verification_code)
    page.get_by_role("button", name="核验").click()
    result = page.locator("main [role=status]")
    expect(result).to_contain_text("张*明")
    expect(result).to_contain_text("有效")
    assert "张小明" not in page.content()
    _no_horizontal_scroll(page)
    assert axe_check(page) == []
    screenshot(page, "certificates-01-verify-phone")

    page.goto(f"{live_server.url}/certificates/v/{certificate.verification_code}/")
    expect(page.locator("main [role=status]")).to_contain_text("五级/初级工")


def test_a_manager_drills_down_the_dashboard_on_a_phone(
    page, live_server, city, sign_in, screenshot, axe_check
):
    from certificates.models import SkillLevel

    level = SkillLevel.objects.get(code=5)
    for unit, certified in ((city.township_a1, 2), (city.township_a2, 0)):
        for i in range(3):
            staff = StaffFactory(department=unit)
            if i < certified:
                certificate_issue(assessment=passed_assessment(staff, level))
    user = make_user_with_role(Role.MANAGER, city.county_a, username="MGR1")
    user.set_password(PASSWORD)
    user.save()
    page.set_viewport_size(PHONE)
    sign_in(page, "MGR1", PASSWORD)
    page.get_by_role("link", name="持证上岗率").first.click()
    expect(page.locator("h1")).to_contain_text("甲县")
    expect(page.locator("main")).to_contain_text("33.3%")
    expect(page.locator("main")).to_contain_text("红牌")
    expect(page.locator("svg.chart")).to_be_visible()
    _no_horizontal_scroll(page)
    assert axe_check(page) == []
    screenshot(page, "certificates-02-dashboard-phone")
    page.get_by_role("link", name="甲一镇").first.click()
    expect(page.locator("h1")).to_contain_text("甲一镇")
    expect(page.locator("main")).to_contain_text("66.7%")


def test_a_learner_downloads_their_certificate(page, live_server, city, sign_in, axe_check):
    from certificates.models import SkillLevel

    user = UserFactory(username="LEARN1")
    user.set_password(PASSWORD)
    user.save()
    staff = StaffFactory(department=city.township_a1, user=user, name="李华")
    certificate = certificate_issue(
        assessment=passed_assessment(staff, SkillLevel.objects.get(code=4))
    )
    page.set_viewport_size(PHONE)
    sign_in(page, "LEARN1", PASSWORD)
    page.goto(f"{live_server.url}/certificates/")
    expect(page.locator("main")).to_contain_text(certificate.number)
    assert axe_check(page) == []
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 PDF").click()
    assert download.value.suggested_filename == f"{certificate.number}.pdf"
