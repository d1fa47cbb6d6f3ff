"""In a real browser at phone size: upload a roster, read the preview, import it; and
the progress bar of a background check polls and reloads by itself (external JS)."""

import re

import pytest
from playwright.sync_api import expect

from organisation.models import Role, Staff
from roster import services
from roster.models import ImportStatus, RosterImport

from ..factories import make_user_with_role
from ..roster.files import person, upload, xlsx

pytestmark = pytest.mark.django_db(transaction=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def test_coordinator_uploads_previews_and_imports_on_a_phone(
    phone, live_server, city, sign_in, screenshot, axe_check
):
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    sign_in(phone, coordinator.username, "correct-horse-42")
    phone.goto(f"{live_server.url}/roster/upload/")
    expect(phone.locator("h1")).to_contain_text("上传花名册")
    assert axe_check(phone) == []
    data = xlsx([person("A1", name="王小红"), person("甲二镇")], title="花名册")
    phone.set_input_files(
        "input[type=file]", files=[{"name": "花名册.xlsx", "mimeType": XLSX, "buffer": data}]
    )
    phone.locator("main form button[type=submit]").click()
    expect(phone).to_have_url(re.compile(r"/roster/[0-9a-f-]{36}/$"))
    expect(phone.locator("main")).to_contain_text("预检通过，可以导入")
    expect(phone.locator("main")).to_contain_text("王小红")
    assert axe_check(phone) == []
    screenshot(phone, "roster-01-preview")
    assert not Staff.objects.exists()
    phone.get_by_role("button", name="立即导入").click()
    expect(phone.locator("main")).to_contain_text("花名册已导入")
    assert Staff.objects.count() == 2
    screenshot(phone, "roster-02-imported")


def test_the_progress_bar_polls_and_the_page_reloads_when_done(
    phone, live_server, city, sign_in, axe_check
):
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    record = services.roster_upload(
        file=upload(xlsx([person() for _ in range(10)])),
        filename="大文件.xlsx",
        acting_user=coordinator,
    )
    RosterImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.CHECKING, rows_done=4, rows_total=10
    )
    sign_in(phone, coordinator.username, "correct-horse-42")
    phone.goto(f"{live_server.url}/roster/{record.public_id}/")
    bar = phone.locator("#roster-progress-bar")
    expect(bar).to_have_attribute("value", "40")
    assert axe_check(phone) == []
    RosterImport.objects.filter(pk=record.pk).update(rows_done=7)
    expect(phone.locator("#roster-progress-text")).to_contain_text("7 / 10", timeout=8000)
    RosterImport.objects.filter(pk=record.pk).update(status=ImportStatus.READY, rows_done=10)
    expect(phone.get_by_role("button", name="立即导入")).to_be_visible(timeout=8000)
    expect(phone.locator("#roster-progress")).to_have_count(0)
