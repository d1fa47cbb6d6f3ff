"""The demo city, the product's first user, in one test: building the city takes most
of the time (about a minute), so it is built once and then

- it is realistic, and holds what the README promises its demo sign-ins;
- after every scheduled command has run once, people of every role follow every
  same-site link and press every exam start button on their pages without a server
  error, a dead link, program output on a page, an empty practice set or an exam that
  will not start (issue: the cycle closes for a real city);
- in a real browser, a learner on a phone follows their guidance plan, a coordinator
  reads the completion matrix and exports it, and the main pages of every role pass
  the accessibility check;
- an assessment sitting runs end to end on it (issue 19): planned with its theory exam,
  candidates proposed from what the page offers and confirmed by their unit's
  coordinator, seats and tickets printed (the PDF's text read, its QR code decoded),
  check-in by scanning, three examiners scoring on phones, a wide spread resolved,
  results reviewed, certificates issued and verified; bad input refused with a message;
- an in-person class runs on it (issue 20): scheduled, checked into by a learner's phone
  with the rotating QR code, closed, hours credited, rated, the aggregate shown from the
  fifth answer, both exports read with openpyxl.

The demo accounts used are the README's sign-ins; everything else (candidates,
examiners, the class's audience) is chosen from what the pages propose, so the flows do
not depend on how seed_demo fills the city. The phone's camera and barcode reader are
the outside system of the door page: it gets a BarcodeDetector that reports what
zbarimg decoded from the printed ticket.
"""

import datetime
import io
import re
import shutil
import subprocess

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect
from pypdf import PdfReader

from certificates.models import Candidate, Certificate, Sitting
from exams.models import Attempt, AttemptStatus, ExamSession
from organisation.crypto import decrypt_id_number
from organisation.idnumbers import validate_id_number
from organisation.models import Department, DepartmentKind, Role, RoleAssignment, Staff
from tests.cycle.linkwalk import COMMANDS, walk
from tests.factories import add_totp
from training import services as training_services
from training.models import (
    ClassAttendance,
    EvaluationQuestion,
    GuidancePlan,
    GuidanceStatus,
    TrainingClass,
)

from .test_pages_e2e import _small_targets

DEMO_PASSWORD = "Demo@2026"
PHONE = {"width": 390, "height": 844}
# The README's sign-ins that open with the demo password (no forced change first).
README_SIGN_INS = {
    "HZ000856",
    "HZ001262",
    "HZ001337",
    "HZ000001",
    "HZ001292",
    "HZ000842",
    "HZ001336",
}


def _realistic_as_the_readme_promises(printed: str) -> None:
    kinds = list(Department.objects.values_list("kind", flat=True))
    assert 290 <= len(kinds) <= 320
    assert kinds.count(DepartmentKind.CITY_DEPARTMENT) == 43
    assert kinds.count(DepartmentKind.COUNTY) == 19
    assert 200 <= kinds.count(DepartmentKind.TOWNSHIP) <= 240
    assert 5500 <= Staff.objects.filter(is_window_staff=True).count() <= 6500
    # Examiners were appointed for the sittings the city held.
    assert set(RoleAssignment.objects.values_list("role", flat=True)) == {
        "administrator",
        "coordinator",
        "examiner",
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
    # The learner the README walks through failed the first monthly exam the city lived
    # through, has a guidance plan for it, and their plan agrees with their result.
    learner = Staff.objects.get(staff_number="HZ001336")
    assert learner.department.name == "东湖区滨江街道"
    first = (
        Attempt.objects.filter(staff=learner, session__kind="monthly")
        .order_by("session__opens_at")
        .first()
    )
    assert first is not None and first.passed is False
    made = GuidancePlan.objects.get(staff=learner, monthly_exam__exam_session_id=first.session_id)
    assert made.weak_points and made.failed_exam and made.exam_score == first.percent
    # Whatever day the demo is built on, they have an open plan (the first, or the one
    # continuing it after a later exam), agreeing with the exam it was made from, and its
    # follow-up check is theirs to take.
    plan = GuidancePlan.objects.get(staff=learner, status=GuidanceStatus.OPEN)
    assert plan.weak_points and plan.followup_session_id
    if plan.exam_score is not None:  # the main sitting's result, else the make-up's
        sittings = [plan.monthly_exam.exam_session_id, plan.monthly_exam.makeup_session_id]
        sat = next(
            a
            for pk in sittings
            for a in Attempt.objects.filter(staff=learner, session_id=pk, finished_at__isnull=False)
        )
        assert (plan.exam_score, plan.failed_exam) == (sat.percent, not sat.passed)
    assert not (
        Attempt.objects.filter(staff=learner, session_id=plan.followup_session_id)
        .exclude(status=AttemptStatus.PREPARED)  # drawn ahead, not started
        .exists()
    )
    # The city lived: plans were made and closed by follow-up checks, and the
    # assessment certified people (every figure from the product having run).
    assert GuidancePlan.objects.count() > 30
    assert GuidancePlan.objects.filter(status=GuidanceStatus.CLOSED).exists()
    assert Certificate.objects.filter(source="issued", assessment__isnull=False).exists()
    # Each month the city held its assessment sitting: certified people came from them
    # (theory from the exam engine, practical from three examiners' scores).
    held = Sitting.objects.filter(results_at__isnull=False)
    assert held.exists() and all(s.rooms.filter(signed_off_at__isnull=False) for s in held)
    assert Certificate.objects.filter(assessment__sitting_candidate__sitting__in=held).exists()
    # The next one is planned, with its theory exam and practical tasks, and the
    # township's coordinator sees it.
    from certificates.access import sittings_visible_to

    planned = Sitting.objects.get(theory_starts_at__gt=timezone.now())
    assert planned.theory_session.published and planned.tasks.count() == 3
    township = get_user_model().objects.get(username="HZ001337")
    assert sittings_visible_to(township).filter(pk=planned.pk).exists()


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
    # The README's struggling learner, on a phone, opens their plan from the home page
    # and goes to its follow-up check.
    plan = GuidancePlan.objects.get(staff__staff_number="HZ001336", status=GuidanceStatus.OPEN)
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "HZ001336", DEMO_PASSWORD)
    page.locator(f"a[href='/training/plans/{plan.public_id}/']").first.click()
    expect(page.locator("h1")).to_contain_text("指导计划")
    expect(page.locator("main")).to_contain_text(plan.weak_points[0]["name"])
    if plan.exam_score is not None:
        expect(page.locator("main")).to_contain_text(str(plan.exam_score))
    assert axe_check(page) == []
    screenshot(page, "50-guidance-plan-phone")
    check = ExamSession.objects.get(pk=plan.followup_session_id)
    if check.closes_at > timezone.now():
        page.get_by_role("link", name="参加复测").click()
        row = page.locator(f"#session-{check.public_id}")  # the link lands on its row
        expect(page).to_have_url(re.compile(f"/exams/#session-{check.public_id}$"))
        expect(row).to_contain_text(check.title)
        row.get_by_role("button", name="开始或继续").click()
        expect(page.locator("main")).to_contain_text(check.title)
    else:  # built on a day after its 21 days: the plan says so
        expect(page.locator("main")).to_contain_text("复测已截止")

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


# --- issue 19: an assessment sitting on the demo city ------------------------------------

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
RUBRIC = (("受理材料审核", 40), ("系统操作规范", 30), ("服务礼仪", 30))


def _open(browser, live_server, username, *, phone=False, camera=False):
    """A signed-in page of its own browser context (people work side by side)."""
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
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("a.brand")).to_be_visible()
    return page


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


def _theory_exam_sat(session, people) -> None:
    """The candidates sit the sitting's theory exam in the exam engine, every answer
    right (the engine's own browser tests cover taking it on a page)."""
    from exams.services import attempt_save, attempt_start, attempt_submit, attempts_score_handed_in

    User = get_user_model()
    for staff in people:
        if staff.user is None:
            staff.user = User.objects.create(username=staff.staff_number)
            staff.save(update_fields=["user"])
        attempt = attempt_start(session=session, staff=staff)
        for item in attempt.items.all():
            attempt_save(
                attempt_id=attempt.public_id,
                user_id=staff.user_id,
                position=item.position,
                answer=item.key,
                seq=1,
            )
        attempt_submit(attempt=attempt)
    attempts_score_handed_in()


def _an_assessment_sitting(browser, live_server, screenshot, axe_check, tmp_path) -> None:
    base = live_server.url
    org = _open(browser, live_server, "HZ000856")  # the city's coordinator organises

    # A practical task: a scenario task with its rubric, added to the bank on its page.
    stem = "综窗受理情景操作：企业开办一件事（认定实操）"
    org.goto(f"{base}/exams/bank/new/")
    org.select_option("#id_type", "scenario")
    org.fill("#id_stem", stem)
    org.fill("#id_rubric", "\n".join(f"{item}({points}分)" for item, points in RUBRIC))
    org.select_option("#id_knowledge_point", index=1)
    org.get_by_role("button", name="保存").click()
    expect(org.locator("main")).to_contain_text("试题已加入题库")
    draft = org.url  # it goes live once another coordinator has reviewed it
    reviewer = _open(browser, live_server, "HZ001262")
    reviewer.goto(draft)
    reviewer.get_by_role("button", name="审核通过并启用").click()
    expect(reviewer.locator("main")).to_contain_text("已启用")
    reviewer.context.close()

    # --- planned: the theory exam is created with it --------------------------------
    title = "2026年第9批政务服务综合窗口办事员认定"
    day = timezone.localdate() + datetime.timedelta(days=3)
    org.goto(f"{base}/certificates/sittings/")
    org.get_by_label("名称").fill(title)
    org.get_by_label("等级").select_option(label="四级/中级工")
    org.get_by_label("理论考试开始").fill(f"{day}T09:00")
    org.get_by_label("理论考试结束").fill(f"{day}T10:30")
    org.get_by_label("实操考核开始").fill(f"{day}T14:00")
    org.get_by_label("实操考核结束").fill(f"{day}T17:00")
    org.get_by_label("各单位确认考生截止日期").fill(str(day - datetime.timedelta(days=1)))
    org.get_by_label(stem[:40]).check()
    org.get_by_role("button", name="创建认定批次").click()
    expect(org.locator("h1")).to_contain_text(title)
    sitting = Sitting.objects.get(title=title)
    theory = sitting.theory_session
    assert theory is not None and theory.kind == "formal_theory" and theory.published
    expect(org.locator(".facts")).to_contain_text(theory.title)

    rooms = org.locator("form[aria-label='添加考场']")
    rooms.get_by_label("考场号").fill("1")
    rooms.get_by_label("地点").fill("市政务服务中心三楼机房")
    rooms.get_by_label("座位数").fill("3")
    rooms.get_by_role("button", name="添加考场").click()
    expect(org.locator("main")).to_contain_text("市政务服务中心三楼机房")

    # --- three candidates of the README's township, as the page proposes them -------
    org.locator("summary", has_text="报名考生").click()
    org.get_by_label("单位（含下级单位）").select_option(label="东湖区滨江街道")
    org.get_by_role("button", name="显示").click()
    offered = org.locator("form[action$='/propose/'] input[name=staff]")
    assert offered.count() >= 3
    for i in range(3):
        offered.nth(i).check()
    org.get_by_label("由我（培训专管员）推荐").check()
    org.get_by_role("button", name="报名").click()
    expect(org.locator("main")).to_contain_text("已报名 3 名考生")

    unit = _open(browser, live_server, "HZ001337")  # the township's coordinator confirms
    unit.goto(f"{base}/certificates/sittings/{sitting.public_id}/")
    for _ in range(3):
        unit.get_by_role("button", name=re.compile("^确认 ")).first.click()
        expect(unit.locator("main")).to_contain_text("已确认")
    expect(unit.get_by_role("button", name=re.compile("^确认 "))).to_have_count(0)
    unit.context.close()
    people = list(Candidate.objects.filter(sitting=sitting).select_related("staff__user"))
    assert {p.status for p in people} == {"confirmed"}

    # --- seats and tickets; a seat over the room's capacity is refused ---------------
    org.reload()
    org.get_by_role("button", name="随机编排座位").click()
    expect(org.locator("main")).to_contain_text("已编排座位并生成准考证号")
    seats = dict(Candidate.objects.filter(sitting=sitting).values_list("pk", "seat"))
    move = org.locator("form[aria-label^='调整 ']").first
    org.locator("summary", has_text="调整座位").first.click()
    move.get_by_label("座位").fill("9")
    move.get_by_role("button", name="调整座位").click()
    expect(org.locator("main")).to_contain_text("第 01 考场只有 1 至 3 号座位")
    assert dict(Candidate.objects.filter(sitting=sitting).values_list("pk", "seat")) == seats

    # --- examiners: an account of the candidates' unit is refused, then three of the
    # --- accounts the page proposes (away from the candidates' units) are appointed --
    from organisation.models import RoleAssignment

    assign = org.locator("form[aria-label='安排考评员']")
    assign.get_by_label("考场号").fill("1")
    assign.get_by_label("考评员账号（用户名）").fill("HZ001336")  # a README learner of 滨江街道
    assign.get_by_role("button", name="安排考评员").click()
    expect(org.locator("main")).to_contain_text("考评员不得考核本单位及其上下级单位")
    examiners_before = RoleAssignment.objects.filter(role=Role.EXAMINER).count()
    assert not RoleAssignment.objects.filter(role=Role.EXAMINER, user__username="HZ001336")
    proposed = [
        value
        for value in org.locator("select[name=proposed] option").evaluate_all(
            "options => options.map(o => o.value)"
        )
        if value in README_SIGN_INS
    ]
    assert len(proposed) >= 3, proposed
    examiners = proposed[:3]
    for i, username in enumerate(examiners):
        assign = org.locator("form[aria-label='安排考评员']")
        assign.get_by_label("考场号").fill("1")
        assign.locator("select[name=proposed]").select_option(username)
        if i == 0:
            assign.get_by_label("考评组长").check()
        assign.get_by_role("button", name="安排考评员").click()
        expect(org.locator("main")).to_contain_text("考评员已安排")
    assert RoleAssignment.objects.filter(role=Role.EXAMINER).count() == examiners_before + 3
    assert axe_check(org) == []
    screenshot(org, "sitting-01-coordinator")

    with org.expect_download() as download:
        org.get_by_role("link", name="全部准考证（PDF）").click()
    pdf = download.value.path().read_bytes()
    reader = PdfReader(io.BytesIO(pdf))
    seated = list(
        Candidate.objects.filter(sitting=sitting)
        .select_related("staff")
        .order_by("room__number", "seat")
    )
    assert len(reader.pages) == len(seated) == 3
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
        tickets[person.pk] = _decode_qr(pdf, tmp_path, number)
        assert tickets[person.pk] == person.ticket_number
    # The organiser comes back after the day and signs in again below.
    org.context.close()

    # --- the day comes: the theory exam in the engine, check-in by scanning ----------
    now = timezone.now()
    Sitting.objects.filter(pk=sitting.pk).update(
        theory_starts_at=now - datetime.timedelta(minutes=10),
        theory_ends_at=now + datetime.timedelta(minutes=80),
        practical_starts_at=now + datetime.timedelta(minutes=90),
        practical_ends_at=now + datetime.timedelta(hours=4),
    )
    ExamSession.objects.filter(pk=theory.pk).update(
        opens_at=now - datetime.timedelta(minutes=10),
        closes_at=now + datetime.timedelta(minutes=80),
    )
    theory.refresh_from_db()
    _theory_exam_sat(theory, [p.staff for p in seated])

    door = _open(browser, live_server, examiners[1], phone=True, camera=True)
    door.goto(f"{base}/certificates/sittings/examine/")
    door.get_by_role("link", name="入场签到").first.click()
    expect(door.locator("h1")).to_contain_text("第01考场入场签到")
    for person in seated[:2]:
        door.evaluate("ticket => { window.__ticket = ticket; }", tickets[person.pk])
        door.get_by_role("button", name="用摄像头扫码").click()
        expect(door.locator(".door-result")).to_contain_text(f"{person.staff.name} 签到成功")
    door.get_by_label("准考证号").fill(tickets[seated[2].pk])
    door.get_by_role("button", name="签到", exact=True).click()
    expect(door.locator(".door-result")).to_contain_text(f"{seated[2].staff.name} 签到成功")
    door.evaluate("ticket => { window.__ticket = ticket; }", tickets[seated[0].pk])
    door.get_by_role("button", name="用摄像头扫码").click()
    expect(door.locator(".door-result")).to_contain_text("该准考证已使用")
    expect(door.locator("main")).to_contain_text("已签到 3 / 3 人")
    _no_horizontal_scroll(door)
    assert axe_check(door) == []
    screenshot(door, "sitting-02-door-phone")
    # Large text (适老化) stays usable at phone width; this examiner scores with it on.
    door.get_by_role("button", name="大字模式").click()
    expect(door.locator("html.large-text")).to_have_count(1)
    _no_horizontal_scroll(door)

    # --- three examiners score on phones; a score outside the rubric is refused; the
    # --- third is far off for the first candidate, which flags the spread --------------
    from certificates.models import PracticalScore

    shares = dict(zip(examiners, (0.9, 0.85, 0.8), strict=True))
    chief = None
    for username in examiners:
        phone = (
            door if username == examiners[1] else _open(browser, live_server, username, phone=True)
        )
        phone.goto(f"{base}/certificates/sittings/examine/")
        phone.get_by_role("link", name="评分", exact=True).first.click()
        links = phone.get_by_role("link", name=re.compile(r"^为 .+ 评分$"))
        expect(links).to_have_count(3)
        for i in range(3):
            phone.get_by_role("link", name=re.compile(r"^为 .+ 评分$")).nth(i).click()
            share = 0.5 if (username == examiners[2] and i == 0) else shares[username]
            if username == examiners[0] and i == 0:
                phone.get_by_label(re.compile(RUBRIC[0][0])).fill("45")
                for item, points in RUBRIC[1:]:
                    phone.get_by_label(re.compile(item)).fill(str(points))
                phone.get_by_role("button", name="保存评分").click()
                expect(phone.get_by_role("alert")).to_contain_text(
                    "受理材料审核：请输入 0 至 40 的分数"
                )
                assert not PracticalScore.objects.filter(candidate__sitting=sitting).exists()
                _no_horizontal_scroll(phone)
                assert axe_check(phone) == []
                screenshot(phone, "sitting-03-scoring-phone")
            for item, points in RUBRIC:
                phone.get_by_label(re.compile(item)).fill(str(round(points * share, 1)))
            phone.get_by_role("button", name="保存评分").click()
            expect(phone.locator("main")).to_contain_text("的评分已保存")
        if username == examiners[0]:
            chief = phone
        elif phone is not door:
            phone.context.close()

    # --- the chief examiner's second look, then the sign-off ---------------------------
    chief.reload()
    expect(chief.locator("main")).to_contain_text("需考评组长复核")
    chief.get_by_label("复核结论").fill("复看操作录像，第三位考评员漏记两项操作，维持平均分")
    chief.get_by_role("button", name="复核后确认").click()
    expect(chief.locator("main")).to_contain_text("复核结论已记录")
    chief.get_by_role("button", name="考场签字确认").click()
    expect(chief.locator("main")).to_contain_text("本考场已签字确认，评分已锁定")
    _no_horizontal_scroll(chief)
    chief.context.close()
    door.context.close()

    # --- results reviewed (the theory from the exam), certificates issued, verified ---
    org = _open(browser, live_server, "HZ000856")
    org.goto(f"{base}/certificates/sittings/{sitting.public_id}/")
    org.get_by_role("button", name="审核成绩").click()
    expect(org.locator("main")).to_contain_text("成绩已审核")
    org.get_by_role("button", name="颁发 3 本证书").click()
    # No reload here: while issuing, the page refreshes itself every 3 s (as the
    # organiser would watch it), and a reload racing that refresh is detached by
    # Chromium ("Not attached to an active page").
    expect(org.locator("main [role=status]").last).to_contain_text(
        "已颁发 3 本证书", timeout=30_000
    )
    screenshot(org, "sitting-04-results")
    issued = Certificate.objects.filter(assessment__sitting_candidate__sitting=sitting)
    assert issued.count() == 3
    assert {float(c.assessment.theory_score) for c in issued} == {100.0}
    first = issued.get(assessment__sitting_candidate=seated[0])
    assert float(first.assessment.practical_score) == pytest.approx(75.0)
    org.context.close()

    public = browser.new_page(viewport=PHONE, locale="zh-CN")
    public.goto(f"{base}/certificates/verify/")
    public.get_by_label("证书编号").fill(first.number)
    public.get_by_label("核验码").fill(first.verification_code)
    public.get_by_role("button", name="核验").click()
    result = public.locator("main [role=status]")
    expect(result).to_contain_text("有效")
    expect(result).to_contain_text("四级/中级工")
    public.context.close()


# --- issue 20: an in-person class on the demo city ----------------------------------------


def _local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _workbook(page, link_name):
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    return load_workbook(io.BytesIO(info.value.path().read_bytes()))


def _an_in_person_class(browser, live_server, screenshot, axe_check) -> None:
    base = live_server.url
    title = "滨江街道一网通办平台实操培训"
    coordinator = get_user_model().objects.get(username="HZ001337")
    learner = Staff.objects.get(staff_number="HZ001336")

    # --- the township's coordinator schedules it for their unit (bad input first) -----
    page = _open(browser, live_server, "HZ001337")
    page.goto(f"{base}/training/classes/new/")
    expect(page.locator("h1")).to_have_text("安排集中授课")
    page.fill("#id_title", title)
    page.select_option("#id_programme", index=1)
    page.select_option("#id_department", index=1)
    page.select_option("#id_audience_units", index=0)
    page.fill("#id_trainer_name", "王老师")
    page.fill("#id_venue", "滨江街道便民服务中心二楼会议室")
    past = timezone.now() - datetime.timedelta(hours=3)
    page.fill("#id_starts_at", _local(past))
    page.fill("#id_ends_at", _local(past + datetime.timedelta(hours=1)))
    page.fill("#id_capacity", "0")
    page.get_by_role("button", name="安排并通知").click()
    expect(page.locator("#id_starts_at_error")).to_contain_text("培训开始时间不能早于现在")
    expect(page.locator("#id_capacity_error")).to_contain_text("容纳人数至少为 1")
    assert not TrainingClass.objects.filter(title=title).exists()
    start = timezone.now() + datetime.timedelta(minutes=10)
    page.fill("#id_starts_at", _local(start))
    page.fill("#id_ends_at", _local(start + datetime.timedelta(hours=1)))
    page.fill("#id_capacity", "200")
    page.get_by_role("button", name="安排并通知").click()
    expect(page.locator(".messages")).to_contain_text(re.compile(r"已通知 \d+ 人"))
    klass = TrainingClass.objects.get(title=title)
    expected = ClassAttendance.objects.filter(training_class=klass)
    assert expected.filter(staff=learner).exists()
    assert klass.hours > 0
    screenshot(page, "classes-01-scheduled")

    # --- the trainer's screen shows the rotating code ---------------------------------
    page.get_by_role("link", name="显示签到二维码").click()
    qr = page.get_by_role("img", name="签到二维码")
    expect(qr).to_be_visible()
    checkin_url = qr.get_attribute("data-checkin-url")
    assert checkin_url.startswith(base) and "code=" in checkin_url

    # --- the README's learner of the township, on a phone --------------------------------
    phone = _open(browser, live_server, "HZ001336", phone=True)
    expect(phone.locator(".class-list")).to_contain_text(title)
    hours_before = float(phone.locator(".stat .num").first.inner_text().split("/")[0])
    stale = training_services.class_code(
        training_class=klass, now=timezone.now() - datetime.timedelta(minutes=2)
    )
    phone.goto(f"{base}/training/classes/{klass.public_id}/checkin/?code={stale}")
    expect(phone.get_by_role("alert")).to_contain_text("签到码已过期")
    assert not expected.filter(staff=learner, checked_in_at__isnull=False).exists()
    phone.goto(checkin_url)
    _no_horizontal_scroll(phone)
    phone.get_by_role("button", name="签到").click()
    expect(phone.locator(".messages")).to_contain_text("签到成功")
    expect(phone.locator(".my-state")).to_contain_text("出席")
    assert axe_check(phone) == []
    assert _small_targets(phone) == []
    screenshot(phone, "classes-02-checked-in-phone")

    page.goto(f"{base}/training/classes/{klass.public_id}/")
    expect(page.locator("#attendance")).to_contain_text(learner.name)
    others = [a.staff for a in expected.exclude(staff=learner).select_related("staff")[:4]]
    assert len(others) == 4
    for staff in others:  # they came too, checked in by the trainer scanning their codes
        training_services.class_check_in_by_trainer(
            training_class=klass, staff=staff, actor=coordinator
        )

    # --- the hour passes; the trainer closes the class -----------------------------------
    shift = datetime.timedelta(minutes=75)
    TrainingClass.objects.filter(pk=klass.pk).update(
        starts_at=F("starts_at") - shift, ends_at=F("ends_at") - shift
    )
    expected.update(checked_in_at=F("checked_in_at") - shift)
    page.reload()
    page.get_by_role("button", name="结束培训").click()
    expect(page.locator(".messages")).to_contain_text("学时已计入")
    assert axe_check(page) == []
    rows = list(_workbook(page, "签到表（Excel）").active.iter_rows(values_only=True))
    assert rows[0][1] == title
    numbers = {s.staff_number for s in [learner, *others]}
    present = {r[1]: r for r in rows if r and len(r) > 8 and r[3] == "出席"}
    assert set(present) == numbers
    assert present[learner.staff_number][8] == float(klass.hours)

    # --- the learner's hours rose by the class's hours; they rate it (large text) --------
    phone.goto(f"{base}/")
    hours_after = float(phone.locator(".stat .num").first.inner_text().split("/")[0])
    assert hours_after == pytest.approx(hours_before + float(klass.hours))
    phone.goto(f"{base}/training/classes/{klass.public_id}/mine/")
    phone.get_by_role("button", name="大字模式").click()
    expect(phone.locator("html.large-text")).to_have_count(1)
    phone.get_by_role("link", name="评价本次培训").click()
    # `.all()` does not wait: on the page still showing it finds no question to answer.
    expect(phone.locator("h1")).to_have_text("培训满意度评价")
    for fieldset in phone.locator("fieldset.rating").all():
        fieldset.get_by_label("4").check()
    phone.fill("#id_comment", "案例贴近窗口实际")
    assert axe_check(phone) == []
    assert _small_targets(phone) == []
    _no_horizontal_scroll(phone)
    screenshot(phone, "classes-03-rating-phone")
    phone.get_by_role("button", name="提交").click()
    expect(phone.locator(".messages")).to_contain_text("已匿名记录")
    phone.context.close()

    # --- the aggregate appears from the fifth answer only ------------------------------
    klass.refresh_from_db()
    ratings = {q.pk: 5 for q in EvaluationQuestion.objects.filter(is_active=True)}
    for staff in others[:3]:
        training_services.evaluation_submit(staff=staff, training_class=klass, ratings=ratings)
    page.reload()
    expect(page.locator(".evaluation-hidden")).to_contain_text("目前 4 份答卷")
    expect(page.locator(".overall")).to_have_count(0)
    training_services.evaluation_submit(staff=others[3], training_class=klass, ratings=ratings)
    page.reload()
    expect(page.locator(".overall")).to_have_text("4.80")
    page.goto(f"{base}/training/evaluations/")
    expect(page.locator("table.evaluation-classes")).to_contain_text("4.80")
    assert axe_check(page) == []
    screenshot(page, "classes-04-evaluations")
    rows = list(_workbook(page, "导出 Excel").worksheets[0].iter_rows(values_only=True))
    ours = [r for r in rows if r and isinstance(r[0], str) and r[0].startswith(title)]
    assert len(ours) == 1 and ours[0][1] == 5 and ours[0][-1] == 4.8
    page.context.close()


# A live server needs a transactional test; serialized_rollback puts back what the
# migrations created once the city is flushed away.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_demo_city(page, browser, live_server, sign_in, screenshot, axe_check, tmp_path):
    printed = io.StringIO()
    call_command("seed_demo", stdout=printed)
    _realistic_as_the_readme_promises(printed.getvalue())
    _every_role_walks_after_the_scheduled_commands()
    _every_role_in_a_real_browser(page, live_server, sign_in, screenshot, axe_check)
    _an_assessment_sitting(browser, live_server, screenshot, axe_check, tmp_path)
    _an_in_person_class(browser, live_server, screenshot, axe_check)
