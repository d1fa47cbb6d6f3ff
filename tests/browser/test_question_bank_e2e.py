"""In a real browser at phone size: a coordinator checks a question-bank workbook, reads
the errors by row, fixes the file, imports it and finds the questions in the bank."""

import re

import pytest
from playwright.sync_api import expect

from exams.models import Question
from organisation.models import Role

from ..exams.test_bank_io import q, xlsx
from ..factories import make_user_with_role

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def phone(page):
    page.set_viewport_size({"width": 390, "height": 844})
    return page


def _upload(page, live_server, data):
    page.goto(f"{live_server.url}/exams/bank/import/")
    page.set_input_files(
        "input[type=file]", files=[{"name": "题库.xlsx", "mimeType": XLSX, "buffer": data}]
    )
    page.locator("main form button[type=submit]").click()


def test_coordinator_checks_fixes_and_imports_a_question_bank_on_a_phone(
    phone, live_server, city, sign_in, screenshot, axe_check
):
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    sign_in(phone, coordinator.username, "correct-horse-42")
    good = q(
        "单选题",
        "首问负责制要求第一位接待的工作人员做什么？",
        ["转交他人", "负责到底", "让群众自行咨询"],
        "Ｂ",
    )
    bad = q(
        "单选", "窗口人员着装要求是？", ["统一着装", "随意"], "C"
    )  # C points at an empty option

    _upload(phone, live_server, xlsx([good, bad], title="2026年综窗题库"))
    main = phone.locator("main")
    expect(phone.locator("h1")).to_contain_text("导入预检")
    error_row = main.get_by_role("row", name=re.compile("答案选了选项 C"))
    expect(error_row.get_by_role("cell").first).to_have_text("4")  # title row 1, header 2
    # Only the valid row may be imported now; this coordinator fixes the file instead.
    expect(phone.get_by_role("button", name="导入 1 道有效试题")).to_have_count(1)
    assert axe_check(phone) == []
    screenshot(phone, "bank-01-errors-by-row")
    assert not Question.objects.exists()

    fixed = q("单选", "窗口人员着装要求是？", ["统一着装", "随意"], "A")
    _upload(phone, live_server, xlsx([good, fixed], title="2026年综窗题库"))
    expect(main).to_contain_text("首问负责制")
    phone.get_by_role("button", name="导入 2 道试题").click()
    expect(phone).to_have_url(re.compile(r"/exams/bank/"))
    expect(main).to_contain_text("窗口人员着装要求是？")
    assert axe_check(phone) == []
    screenshot(phone, "bank-02-imported")
    assert Question.objects.count() == 2
    assert Question.objects.get(stem__startswith="首问负责制").answer == ["B"]
