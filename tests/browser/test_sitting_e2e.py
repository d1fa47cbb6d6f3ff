"""A small assessment sitting end to end in a real browser (issue 19): planned by the
city's coordinator, candidates proposed and confirmed by their unit's coordinator,
seats and tickets printed (the PDF's text read and its QR code decoded), check-in at
the door by scanning, three examiners scoring on phone-sized pages, a wide spread
resolved by the chief examiner, results reviewed, certificates issued and verified.

The city is the small one of tests/conftest.py (factories), not the demo city. The
phone's camera and its barcode reader are the outside system here: the page gets a
BarcodeDetector that reports what zbarimg decoded from the printed ticket.
"""

from __future__ import annotations

import datetime
import io
import re
import shutil
import subprocess

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.models import Candidate, Certificate, Sitting
from organisation.models import Role

from ..certificates.sitting_helpers import examiner, scenario_task
from ..exams.helpers import hand_in_and_score, make_bank, open_session
from ..factories import StaffFactory, UserFactory, make_user_with_role

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(
        not (shutil.which("zbarimg") and shutil.which("pdftoppm")),
        reason="zbar-tools and poppler-utils are needed to read the printed ticket",
    ),
]
PASSWORD = "Window-Clerk-2027"
PHONE = {"width": 390, "height": 844}

FAKE_CAMERA = """
window.__ticket = "";
window.BarcodeDetector = class {
  constructor() {}
  detect() { return Promise.resolve(window.__ticket ? [{ rawValue: window.__ticket }] : []); }
};
const fakeCamera = async () => {
  const canvas = document.createElement("canvas");
  canvas.width = 64; canvas.height = 64;
  canvas.getContext("2d").fillRect(0, 0, 64, 64);
  return canvas.captureStream();
};
if (navigator.mediaDevices) { navigator.mediaDevices.getUserMedia = fakeCamera; }
else { Object.defineProperty(navigator, "mediaDevices", { value: { getUserMedia: fakeCamera } }); }
"""


def _password(user):
    user.set_password(PASSWORD)
    user.save()
    return user


def _no_horizontal_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _decode_qr(pdf: bytes, tmp_path, page_number: int) -> str:
    (tmp_path / "tickets.pdf").write_bytes(pdf)
    subprocess.run(  # noqa: S603
        [
            shutil.which("pdftoppm"),
            "-png",
            "-r",
            "150",
            "-f",
            str(page_number),
            "-l",
            str(page_number),
            "-singlefile",
            tmp_path / "tickets.pdf",
            tmp_path / "ticket",
        ],
        check=True,
    )
    return subprocess.run(  # noqa: S603
        [shutil.which("zbarimg"), "--quiet", "--raw", tmp_path / "ticket.png"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def _theory_exam(city, people):
    """The computer-based theory exam, sat through the exam engine (all answers right)."""
    from exams.services import attempt_save, attempt_start

    make_bank()
    session = open_session(
        city.city,
        staff=people,
        rules=[{"type": "single", "count": 4, "points": 25}],
        kind="formal_theory",
        title="2026年第5批理论考试",
    )
    for staff in people:
        user = UserFactory()
        staff.user = user
        staff.save(update_fields=["user"])
        attempt = attempt_start(session=session, staff=staff)
        for item in attempt.items.all():
            attempt_save(
                attempt_id=attempt.public_id,
                user_id=user.pk,
                position=item.position,
                answer=item.key,
                seq=1,
            )
        hand_in_and_score(attempt)
    return session


def _sign_in(browser, live_server, username, *, phone=False, camera=False):
    context = browser.new_context(
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        bypass_csp=True,
        viewport=PHONE if phone else {"width": 1280, "height": 900},
    )
    if camera:
        context.add_init_script(FAKE_CAMERA)
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("a.brand")).to_be_visible()
    return page


def test_a_small_sitting_from_plan_to_verified_certificates(
    browser, live_server, city, screenshot, axe_check, tmp_path
):
    from certificates.services import certification_settings_get

    certification_settings_get()  # the levels and rules (flushed by transactional tests)
    task = scenario_task()
    _password(make_user_with_role(Role.COORDINATOR, city.city, username="ORG1"))
    _password(make_user_with_role(Role.COORDINATOR, city.county_a, username="COA"))
    examiners = [_password(examiner(city.city, username=f"EX{i}")) for i in (1, 2, 3)]
    people = [
        StaffFactory(department=city.township_a1, name="张小明"),
        StaffFactory(department=city.township_a2, name="李华"),
        StaffFactory(department=city.township_b1, name="王芳"),
    ]
    _theory_exam(city, people)

    # --- the city's coordinator plans the sitting ----------------------------------
    org = _sign_in(browser, live_server, "ORG1")
    org.goto(f"{live_server.url}/certificates/sittings/")
    day = timezone.localdate() + datetime.timedelta(days=3)
    org.get_by_label("名称").fill("2026年第5批政务服务综合窗口办事员认定")
    org.get_by_label("等级").select_option(label="四级/中级工")
    org.get_by_label("理论考试开始").fill(f"{day}T09:00")
    org.get_by_label("理论考试结束").fill(f"{day}T10:30")
    org.get_by_label("实操考核开始").fill(f"{day}T14:00")
    org.get_by_label("实操考核结束").fill(f"{day}T17:00")
    org.get_by_label("各单位确认考生截止日期").fill(str(day - datetime.timedelta(days=1)))
    org.get_by_label(task.stem[:40]).check()
    org.get_by_label("理论考试（正式理论考试）").select_option(label="2026年第5批理论考试")
    org.get_by_role("button", name="创建认定批次").click()
    expect(org.locator("h1")).to_contain_text("2026年第5批")
    sitting = Sitting.objects.get()

    rooms = org.locator("form[aria-label='添加考场']")
    rooms.get_by_label("考场号").fill("1")
    rooms.get_by_label("地点").fill("市政务服务中心三楼机房")
    rooms.get_by_label("座位数").fill("10")
    rooms.get_by_role("button", name="添加考场").click()
    expect(org.locator("main")).to_contain_text("市政务服务中心三楼机房")

    org.locator("summary", has_text="报名考生").click()
    for staff in people:
        org.locator("label", has_text=f"{staff.name} ·").locator("input").check()
    org.get_by_label("由我（培训专管员）推荐").check()
    org.get_by_role("button", name="报名").click()
    expect(org.locator("main")).to_contain_text("已报名 3 名考生")

    # --- county A's coordinator confirms their two; the organiser the third --------
    coa = _sign_in(browser, live_server, "COA")
    coa.goto(f"{live_server.url}/certificates/sittings/{sitting.public_id}/")
    expect(coa.locator("main")).not_to_contain_text("王芳")
    for name in ("张小明", "李华"):
        coa.get_by_role("button", name=f"确认 {name}").click()
        expect(coa.locator("main")).to_contain_text(f"{name} 已确认")
    org.reload()
    org.get_by_role("button", name="确认 王芳").click()

    # --- seats, examiners, tickets ---------------------------------------------------
    org.get_by_role("button", name="随机编排座位").click()
    expect(org.locator("main")).to_contain_text("已编排座位并生成准考证号")
    assign = org.locator("form[aria-label='安排考评员']")
    for i, user in enumerate(examiners):
        assign.get_by_label("考场号").fill("1")
        assign.get_by_label("考评员账号（用户名）").fill(user.username)
        if i == 0:
            assign.get_by_label("考评组长").check()
        assign.get_by_role("button", name="安排考评员").click()
        expect(org.locator("main")).to_contain_text("考评员已安排")
        assign = org.locator("form[aria-label='安排考评员']")
    screenshot(org, "sitting-01-coordinator")
    assert axe_check(org) == []
    with org.expect_download() as download:
        org.get_by_role("link", name="全部准考证（PDF）").click()
    pdf = download.value.path().read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 3
    seated = list(Candidate.objects.select_related("staff").order_by("room__number", "seat"))
    tickets = {}
    for number, person in enumerate(seated, 1):
        text = reader.pages[number - 1].extract_text()
        for expected in (
            "准考证",
            person.staff.name,
            person.ticket_number,
            person.staff.id_number_masked,
            "第01考场",
        ):
            assert expected in text
        assert person.staff.id_number_masked.count("*") >= 8
        tickets[person.staff.name] = _decode_qr(pdf, tmp_path, number)
        assert tickets[person.staff.name] == person.ticket_number

    # --- the day comes: check-in at the door by scanning -----------------------------
    soon = timezone.now() + datetime.timedelta(minutes=20)
    Sitting.objects.filter(pk=sitting.pk).update(
        theory_starts_at=soon,
        theory_ends_at=soon + datetime.timedelta(minutes=90),
        practical_starts_at=soon + datetime.timedelta(hours=2),
        practical_ends_at=soon + datetime.timedelta(hours=5),
    )
    door = _sign_in(browser, live_server, "EX2", phone=True, camera=True)
    door.goto(f"{live_server.url}/certificates/sittings/examine/")
    door.get_by_role("link", name="入场签到").click()
    expect(door.locator("h1")).to_contain_text("第01考场入场签到")
    for name in ("张小明", "李华"):
        door.evaluate("ticket => { window.__ticket = ticket; }", tickets[name])
        door.get_by_role("button", name="用摄像头扫码").click()
        expect(door.locator(".door-result")).to_contain_text(f"{name} 签到成功")
    door.get_by_label("准考证号").fill(tickets["王芳"])
    door.get_by_role("button", name="签到", exact=True).click()
    expect(door.locator(".door-result")).to_contain_text("王芳 签到成功")
    door.evaluate("ticket => { window.__ticket = ticket; }", tickets["张小明"])
    door.get_by_role("button", name="用摄像头扫码").click()
    expect(door.locator(".door-result")).to_contain_text("该准考证已使用")
    expect(door.locator("main")).to_contain_text("已签到 3 / 3 人")
    _no_horizontal_scroll(door)
    assert axe_check(door) == []
    screenshot(door, "sitting-02-door-phone")
    # Large text (适老化) stays usable at phone width; EX2 scores with it on.
    door.get_by_role("button", name="大字模式").click()
    expect(door.locator("html.large-text")).to_have_count(1)
    _no_horizontal_scroll(door)

    # --- three examiners score on their phones; the third is far off for 张小明 ------
    shares = {"EX1": 0.9, "EX2": 0.85, "EX3": 0.8}
    for user in examiners:
        phone = (
            door
            if user.username == "EX2"
            else _sign_in(browser, live_server, user.username, phone=True)
        )
        phone.goto(f"{live_server.url}/certificates/sittings/examine/")
        phone.get_by_role("link", name="评分", exact=True).click()
        for person in ("张小明", "李华", "王芳"):
            phone.get_by_role("link", name=f"为 {person} 评分").click()
            share = (
                0.5 if (user.username == "EX3" and person == "张小明") else shares[user.username]
            )
            for item, points in (("受理材料审核", 40), ("系统操作规范", 30), ("服务礼仪", 30)):
                phone.get_by_label(re.compile(item)).fill(str(round(points * share, 1)))
            if user.username == "EX1" and person == "张小明":
                _no_horizontal_scroll(phone)
                assert axe_check(phone) == []
                screenshot(phone, "sitting-03-scoring-phone")
            phone.get_by_role("button", name="保存评分").click()
            expect(phone.locator("main")).to_contain_text(f"{person} 的评分已保存")
        if user.username == "EX1":
            chief = phone

    # --- the chief examiner's second look, then the sign-off ---------------------------
    chief.reload()
    expect(chief.locator("main")).to_contain_text("需考评组长复核")
    chief.get_by_label("复核结论").fill("复看操作录像，第三位考评员漏记两项操作，维持平均分")
    chief.get_by_role("button", name="复核后确认").click()
    expect(chief.locator("main")).to_contain_text("复核结论已记录")
    chief.get_by_role("button", name="考场签字确认").click()
    expect(chief.locator("main")).to_contain_text("本考场已签字确认，评分已锁定")
    _no_horizontal_scroll(chief)

    # --- results reviewed, certificates issued in one step, verified -------------------
    org.reload()
    org.get_by_role("button", name="审核成绩").click()
    expect(org.locator("main")).to_contain_text("成绩已审核")
    org.get_by_role("button", name="颁发 3 本证书").click()
    org.reload()
    expect(org.locator("main [role=status]").last).to_contain_text("已颁发 3 本证书")
    screenshot(org, "sitting-04-results")
    assert Certificate.objects.count() == 3
    certificate = Certificate.objects.get(staff__name="张小明")
    assert float(certificate.assessment.practical_score) == pytest.approx(75.0)

    public = browser.new_page(viewport=PHONE, locale="zh-CN")
    public.goto(f"{live_server.url}/certificates/verify/")
    public.get_by_label("证书编号").fill(certificate.number)
    public.get_by_label("核验码").fill(certificate.verification_code)
    public.get_by_role("button", name="核验").click()
    result = public.locator("main [role=status]")
    expect(result).to_contain_text("张*明")
    expect(result).to_contain_text("有效")
    expect(result).to_contain_text("四级/中级工")
