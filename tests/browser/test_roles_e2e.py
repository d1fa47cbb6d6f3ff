"""In a real browser, the main journeys of coordinators, managers and the public:
roster upload with errors fixed and committed, import progress, the managers'
dashboard with drill-down and export, and verifying a certificate from its QR code."""

import io
import re
import shutil
import subprocess

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from organisation.models import Role, Staff
from roster.models import ImportStatus, RosterImport

from ..certificates.helpers import issued_certificate
from ..factories import StaffFactory, make_user_with_role
from ..roster.files import person, xlsx

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
PASSWORD = "Window-Clerk-2027"


def _user(role, department, username):
    user = make_user_with_role(role, department, username=username)
    user.set_password(PASSWORD)
    user.save()
    return user


def test_coordinator_uploads_fixes_and_commits_a_roster(
    page, live_server, city, sign_in, screenshot, axe_check, tmp_path
):
    _user(Role.COORDINATOR, city.county_a, "COORD-A")
    good = [person("A1"), person("A2")]
    bad = person("A1", id_number="11010519491231002")  # a digit lost, as Excel does
    path = tmp_path / "花名册.xlsx"
    path.write_bytes(xlsx([*good, bad], title="甲县综窗人员花名册"))

    sign_in(page, "COORD-A", PASSWORD)
    page.goto(f"{live_server.url}/roster/upload/")
    assert axe_check(page) == []
    page.set_input_files("input[type=file]", str(path))
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("#errors-h")).to_be_visible()
    # Row 5: title row, header row, then the third person.
    expect(page.locator("main table").first).to_contain_text("5B")
    expect(page.locator("main table").first).to_contain_text("17 位")
    screenshot(page, "10-roster-preview-errors")
    assert axe_check(page) == []
    assert Staff.objects.count() == 0

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("错误")).first.click()
    report = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    assert report.active.max_row >= 4

    fixed = tmp_path / "花名册-已更正.xlsx"
    fixed.write_bytes(xlsx(good, title="甲县综窗人员花名册"))
    page.goto(f"{live_server.url}/roster/upload/")
    page.set_input_files("input[type=file]", str(fixed))
    page.locator("main form button[type=submit]").first.click()
    page.locator("form[action$='/commit/'] button[type=submit]").click()
    expect(page.locator(".msg-success")).to_be_visible()
    assert Staff.objects.count() == 2
    screenshot(page, "11-roster-committed")
    with page.expect_download() as download_info:
        page.locator("form[action$='/passwords.xlsx'] button").click()
    sheet = load_workbook(io.BytesIO(download_info.value.path().read_bytes())).active
    assert sheet.max_row >= 3


def test_import_progress_bar_follows_the_background_task(page, live_server, city, sign_in):
    owner = _user(Role.COORDINATOR, city.county_a, "COORD-P")
    record = RosterImport.objects.create(
        created_by=owner,
        department=city.county_a,
        filename="大名单.xlsx",
        sha256="1" * 64,
        status=ImportStatus.COMMITTING,
        rows_total=50000,
        rows_done=10000,
        report={"counts": {}},
    )
    sign_in(page, "COORD-P", PASSWORD)
    page.goto(f"{live_server.url}/roster/{record.public_id}/")
    bar = page.locator("#roster-progress-bar")
    expect(bar).to_have_attribute("value", "20")
    RosterImport.objects.filter(pk=record.pk).update(rows_done=35000)
    expect(page.locator("#roster-progress-text")).to_contain_text(
        "35000 / 50000 (70%)", timeout=10000
    )


def test_manager_drills_down_and_exports(page, live_server, city, sign_in, screenshot, axe_check):
    from certificates.models import SkillLevel
    from certificates.services import certification_settings_get

    certification_settings_get()
    level = SkillLevel.objects.get(code=5)
    issued_certificate(city.township_a1, level, name="持证人")
    StaffFactory(department=city.township_a1, name="待取证人")
    _user(Role.MANAGER, city.county_a, "MGR-A")

    sign_in(page, "MGR-A", PASSWORD)
    page.goto(f"{live_server.url}/certificates/dashboard/")
    expect(page.locator("h1")).to_contain_text("甲县")
    assert axe_check(page) == []
    screenshot(page, "20-dashboard")
    page.get_by_role("link", name="甲一镇").first.click()
    expect(page.locator("h1")).to_contain_text("甲一镇")
    expect(page.locator("main")).to_contain_text("50.0%")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="导出 Excel").first.click()
    workbook = load_workbook(io.BytesIO(download_info.value.path().read_bytes()))
    text = "\n".join(
        str(c)
        for ws in workbook
        for row in ws.iter_rows(values_only=True)
        for c in row
        if c is not None
    )
    assert "甲一镇" in text


def test_public_verifies_a_certificate_from_its_qr_code(
    page, live_server, city, tmp_path, screenshot, axe_check, settings
):
    from certificates.models import SkillLevel
    from certificates.services import certification_settings_get

    settings.CERTIFICATE_PUBLIC_BASE_URL = live_server.url
    certification_settings_get()
    certificate = issued_certificate(
        city.township_a1, SkillLevel.objects.get(code=5), name="欧阳明"
    )
    from certificates.pdf import render_certificate_pdf

    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(render_certificate_pdf(certificate))
    pdftoppm, zbarimg = shutil.which("pdftoppm"), shutil.which("zbarimg")
    subprocess.run([pdftoppm, "-png", "-r", "110", pdf, tmp_path / "page"], check=True)  # noqa: S603
    png = next(tmp_path.glob("page*.png"))
    url = subprocess.run(  # noqa: S603
        [zbarimg, "--raw", "-q", png], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert url.startswith(live_server.url)

    page.goto(url)
    expect(page.locator("main")).to_contain_text(certificate.number)
    expect(page.locator("main")).to_contain_text("欧*明")
    assert "欧阳明" not in page.content()
    assert axe_check(page) == []
    screenshot(page, "30-public-verification")


def test_learner_downloads_and_opens_the_certificate(page, live_server, city, sign_in, screenshot):
    from pypdf import PdfReader

    from certificates.models import SkillLevel
    from certificates.services import certification_settings_get

    certification_settings_get()
    user = make_user_with_role(Role.MANAGER, city.township_b1, username="LEARN-C")
    user.set_password(PASSWORD)
    user.save()
    certificate = issued_certificate(
        city.township_a1, SkillLevel.objects.get(code=5), name="周晓燕", user=user
    )
    sign_in(page, "LEARN-C", PASSWORD)
    page.goto(f"{live_server.url}/certificates/")
    expect(page.locator("main")).to_contain_text(certificate.number)
    screenshot(page, "31-learner-certificate")
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("PDF")).first.click()
    text = PdfReader(download_info.value.path()).pages[0].extract_text()
    assert "周晓燕" in text and certificate.number in text


def test_learner_sees_results_and_mistakes(page, live_server, city, sign_in, screenshot):
    from exams.services import attempt_save, attempt_start

    from ..exams.helpers import hand_in_and_score, make_bank, open_session
    from ..factories import UserFactory

    user = UserFactory(username="LEARN-R")
    user.set_password(PASSWORD)
    user.save()
    staff = StaffFactory(department=city.township_a1, user=user)
    make_bank()
    session = open_session(city.county_a, departments=[city.county_a], show_answers="after_submit")
    attempt = attempt_start(session=session, staff=staff)
    attempt_save(attempt_id=attempt.public_id, user_id=user.pk, position=1, answer=["Z"], seq=1)
    hand_in_and_score(attempt)  # the wrong answer goes into the mistake book
    sign_in(page, "LEARN-R", PASSWORD)
    page.goto(f"{live_server.url}/exams/")
    page.get_by_role("link", name=session.title).click()
    expect(page.locator("main")).to_contain_text("答案与解析")
    screenshot(page, "43-exam-answers")
    page.goto(f"{live_server.url}/exams/mistakes/")
    expect(page.locator(".answer-card").first).to_contain_text("正确答案")
    page.get_by_role("link", name="练习我的错题").click()
    expect(page.locator("main form")).to_be_visible()


def test_coordinator_grades_open_answers(page, live_server, city, sign_in, screenshot, axe_check):
    from exams.models import AttemptItem
    from exams.services import attempt_save, attempt_start

    from ..exams.helpers import hand_in_and_score, make_bank, open_session
    from ..factories import UserFactory

    points = make_bank(per_type=1)
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {
                "type": "short_answer",
                "count": 1,
                "points": 20,
                "knowledge_point": points["政策法规"],
            }
        ],
    )
    for text in ("先核验申请人身份。", "一次性告知所需材料。"):
        user = UserFactory()
        staff = StaffFactory(department=city.township_a1, user=user)
        attempt = attempt_start(session=session, staff=staff)
        attempt_save(attempt_id=attempt.public_id, user_id=user.pk, position=1, answer=text, seq=1)
        hand_in_and_score(attempt)
    _user(Role.COORDINATOR, city.county_a, "COORD-G")
    sign_in(page, "COORD-G", PASSWORD)
    page.goto(f"{live_server.url}/exams/manage/")
    page.get_by_role("link", name=session.title).click()
    page.locator("#queue-h + ul a").first.click()
    for _ in range(2):
        expect(page.locator("p.answer")).to_be_visible()
        assert axe_check(page) == []
        page.fill("input[name=points]", "18")
        page.get_by_role("button", name="保存并评下一份").click()
    expect(page.locator("main")).to_contain_text("本题所有答案均已评分")
    screenshot(page, "44-grading-done")
    assert list(AttemptItem.objects.values_list("awarded", flat=True)) == [18, 18]
