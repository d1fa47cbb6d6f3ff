"""Issue 20, "done when", in a real browser on a small city (tests/factories.py): a
coordinator schedules a class (a class in the past and a capacity of 0 are refused
first), a learner on a phone checks in with the rotating QR's link (a stale code is
refused with a clear message), the trainer closes the class, the learner's study hours
rise by the hours of the time present, the learner rates the class, the coordinator
sees the aggregate only from the fifth answer, and both exports open in openpyxl with
the right rows."""

import datetime
import io
import re

import pytest
from django.db.models import F
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from organisation.models import Role
from training import services
from training.models import ClassAttendance, EvaluationQuestion, TrainingClass

from ..factories import make_learner, make_user_with_role
from ..training.helpers import make_programme
from .test_pages_e2e import _small_targets

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "Window-Clerk-2027"
PHONE = {"width": 390, "height": 844}


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _account(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def _download(page, link_name):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    with open(info.value.path(), "rb") as handle:
        return load_workbook(io.BytesIO(handle.read()))


def test_a_class_from_scheduling_to_rating(
    page, browser, browser_context_args, live_server, city, sign_in, axe_check, screenshot
):
    coordinator = _account(make_user_with_role(Role.COORDINATOR, city.county_a))
    learner_user, learner = make_learner(city.township_a1, name="林晓")
    _account(learner_user)
    others = [make_learner(city.township_a1)[1] for _ in range(4)]
    make_programme(city.county_a)

    # --- the coordinator schedules it (bad input first) ---
    sign_in(page, coordinator.username, PASSWORD)
    page.goto(f"{live_server.url}/training/classes/new/")
    expect(page.locator("h1")).to_have_text("安排集中授课")
    assert axe_check(page) == []
    page.fill("#id_title", "一网通办平台实操培训")
    page.select_option("#id_programme", index=1)
    page.select_option("#id_department", str(city.county_a.pk))
    page.fill("#id_trainer_name", "王老师")
    page.fill("#id_venue", "甲县政务服务中心三楼培训室")
    past = timezone.now() - datetime.timedelta(hours=3)
    page.fill("#id_starts_at", _local(past))
    page.fill("#id_ends_at", _local(past + datetime.timedelta(hours=1)))
    page.fill("#id_capacity", "0")
    page.fill("#id_audience_numbers", " ".join(s.staff_number for s in [learner, *others]))
    page.get_by_role("button", name="安排并通知").click()
    expect(page.locator("#id_starts_at_error")).to_contain_text("培训开始时间不能早于现在")
    expect(page.locator("#id_capacity_error")).to_contain_text("容纳人数至少为 1")
    assert not TrainingClass.objects.exists()

    start = timezone.now() + datetime.timedelta(minutes=10)
    page.fill("#id_starts_at", _local(start))
    page.fill("#id_ends_at", _local(start + datetime.timedelta(hours=1)))
    page.fill("#id_capacity", "30")
    page.get_by_role("button", name="安排并通知").click()
    expect(page.locator(".messages")).to_contain_text("已通知 5 人")
    klass = TrainingClass.objects.get()
    assert klass.hours == 2  # an hour at 30 minutes per study hour
    screenshot(page, "classes-01-scheduled")

    # --- the trainer's screen shows the rotating code ---
    page.get_by_role("link", name="显示签到二维码").click()
    qr = page.get_by_role("img", name="签到二维码")
    expect(qr).to_be_visible()
    checkin_url = qr.get_attribute("data-checkin-url")
    assert checkin_url.startswith(live_server.url) and "code=" in checkin_url

    # --- the learner, on a phone ---
    phone = browser.new_context(**{**browser_context_args, "viewport": PHONE}).new_page()
    sign_in(phone, learner_user.username, PASSWORD)
    expect(phone.locator("#class-h")).to_be_visible()
    expect(phone.locator(".class-list")).to_contain_text("一网通办平台实操培训")
    hours_before = phone.locator(".stat .num").first.inner_text()
    assert hours_before.startswith("0 /")

    stale = services.class_code(
        training_class=klass, now=timezone.now() - datetime.timedelta(minutes=2)
    )
    phone.goto(f"{live_server.url}/training/classes/{klass.public_id}/checkin/?code={stale}")
    expect(phone.get_by_role("alert")).to_contain_text("签到码已过期")
    assert axe_check(phone) == []

    phone.goto(checkin_url)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_role("button", name="签到").click()
    expect(phone.locator(".messages")).to_contain_text("签到成功")
    expect(phone.locator(".my-state")).to_contain_text("出席")
    assert axe_check(phone) == []
    assert _small_targets(phone) == []
    screenshot(phone, "classes-02-checked-in-phone")

    # The coordinator's list counts them (the attendance part refreshes itself).
    page.goto(f"{live_server.url}/training/classes/{klass.public_id}/")
    expect(page.locator("#attendance")).to_contain_text("林晓")
    expect(page.locator("#attendance .tag-present")).to_have_count(1)

    for staff in others:  # they came too, checked in by the trainer
        services.class_check_in_by_trainer(training_class=klass, staff=staff, actor=coordinator)

    # --- the hour passes; the trainer closes the class ---
    shift = datetime.timedelta(minutes=75)
    TrainingClass.objects.filter(pk=klass.pk).update(
        starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )
    ClassAttendance.objects.filter(training_class=klass).update(
        checked_in_at=F("checked_in_at") - shift
    )
    page.reload()
    page.get_by_role("button", name="结束培训").click()
    expect(page.locator(".messages")).to_contain_text("学时已计入")
    assert axe_check(page) == []

    sheet = _download(page, "签到表（Excel）").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][1] == "一网通办平台实操培训"
    numbers = {s.staff_number for s in [learner, *others]}
    people = {r[1]: r for r in rows if r and len(r) > 8 and r[1] in numbers}
    assert set(people) == numbers
    assert people[learner.staff_number][3] == "出席"
    assert people[learner.staff_number][8] == 2.0

    # --- the learner's hours rose by the class's two hours; they rate it (large text) ---
    type(learner_user).objects.filter(pk=learner_user.pk).update(large_text=True)
    phone.goto(f"{live_server.url}/")
    expect(phone.locator(".stat .num").first).to_have_text(re.compile(r"^2 /"))
    phone.goto(f"{live_server.url}/training/classes/{klass.public_id}/mine/")
    expect(phone.locator(".my-hours")).to_have_text("2")
    phone.get_by_role("link", name="评价本次培训").click()
    for fieldset in phone.locator("fieldset.rating").all():
        fieldset.get_by_label("4").check()
    phone.fill("#id_comment", "案例贴近窗口实际")
    expect(phone.locator("html")).to_have_class(re.compile("large-text"))
    assert axe_check(phone) == []
    assert _small_targets(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "classes-03-rating-phone")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator(".messages")).to_contain_text("已匿名记录")

    # --- the aggregate appears from the fifth answer only ---
    klass.refresh_from_db()
    ratings = {q.pk: 5 for q in EvaluationQuestion.objects.filter(is_active=True)}
    for staff in others[:3]:
        services.evaluation_submit(staff=staff, training_class=klass, ratings=ratings)
    page.reload()
    expect(page.locator(".evaluation-hidden")).to_contain_text("目前 4 份答卷")
    expect(page.locator(".overall")).to_have_count(0)
    services.evaluation_submit(staff=others[3], training_class=klass, ratings=ratings)
    page.reload()
    expect(page.locator(".overall")).to_have_text("4.80")
    expect(page.locator("#eval-h + p")).to_contain_text("5 份答卷")

    page.goto(f"{live_server.url}/training/evaluations/")
    expect(page.locator("table.evaluation-classes")).to_contain_text("4.80")
    assert axe_check(page) == []
    screenshot(page, "classes-04-evaluations")
    workbook = _download(page, "导出 Excel")
    classes = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert classes[1][0].startswith("一网通办平台实操培训") and classes[1][1] == 5
    assert classes[1][-1] == 4.8
    phone.context.close()
