"""In a real browser at phone size: a coordinator sets up a monthly exam from a
blueprint, is told the bank is short before anything opens, fixes the rule and
publishes; publishing draws everyone's paper in the background."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from exams.models import Attempt, ExamSession
from organisation.models import Role

from ..exams.helpers import make_bank
from ..factories import make_learner, make_user_with_role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def test_coordinator_is_stopped_by_a_short_bank_then_publishes(
    phone, live_server, city, sign_in, screenshot, axe_check
):
    make_bank()  # 4 questions of each type on each of 3 topics
    people = [make_learner(city.township_a1)[1] for _ in range(3)]
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    sign_in(phone, coordinator.username, "correct-horse-42")

    phone.goto(f"{live_server.url}/exams/manage/new/")
    expect(phone.locator("h1")).to_contain_text("新建考试")
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    phone.get_by_label("名称").fill("十一月月考")
    phone.get_by_label("组织单位").select_option(str(city.county_a.pk))
    phone.get_by_label("开始时间").fill(tomorrow.strftime(FMT))
    phone.get_by_label("结束时间").fill((tomorrow + datetime.timedelta(hours=3)).strftime(FMT))
    phone.get_by_label("参考单位（含下级）").select_option([str(city.township_a1.pk)])
    phone.locator("input[name=rules-0-count]").fill("20")
    phone.locator("select[name=rules-0-type]").select_option("single")
    phone.locator("input[name=rules-0-points]").fill("5")
    assert axe_check(phone) == []
    phone.get_by_role("button", name="保存").click()

    expect(phone).to_have_url(re.compile(r"/exams/manage/[0-9a-f-]{36}/$"))
    shortage = phone.locator("#shortages")
    expect(shortage).to_contain_text("20")
    expect(shortage).to_contain_text("12")  # 4 single-choice on each of 3 topics
    expect(phone.get_by_role("button", name="发布")).to_be_disabled()
    screenshot(phone, "exam-session-01-bank-short")
    session = ExamSession.objects.get()
    assert not session.published

    phone.get_by_role("link", name="修改设置").click()
    phone.locator("input[name=rules-0-count]").fill("10")
    phone.get_by_role("button", name="保存").click()
    expect(phone.locator("#shortages")).to_have_count(0)
    phone.get_by_role("button", name="发布").click()
    expect(phone.locator("main")).to_contain_text("已发布")
    session.refresh_from_db()
    assert session.published
    # The paper-drawing task ran on commit (the test settings run tasks at once).
    assert set(Attempt.objects.values_list("staff_id", flat=True)) == {p.pk for p in people}
    assert all(a.items.count() == 10 for a in Attempt.objects.all())
