"""The question-bank pages: who may use them, list filters, create/edit (past attempts
untouched, key corrections re-score after a confirmation), import and export."""

import html
import io
import re

import pytest
from openpyxl import load_workbook

from audit.models import AuditEntry
from exams.models import Attempt, AttemptItem, KnowledgePoint, Question
from exams.services import attempt_save, attempt_start, attempt_submit
from organisation.models import Role

from ..factories import StaffFactory, UserFactory, make_user_with_role
from .helpers import make_bank, open_session
from .test_bank_io import GOOD, q, xlsx

BANK = "/exams/bank/"


@pytest.fixture
def bank(db):
    return make_bank(per_type=2)


def _form(question, **changes):
    data = {
        "type": question.type,
        "stem": question.stem,
        "answer": "".join(question.answer) if question.type in ("single", "multiple") else "",
        "rubric": "",
        "explanation": question.explanation,
        "knowledge_point": question.knowledge_point_id,
        "difficulty": question.difficulty,
        "status": question.status,
    }
    for letter, text in zip("ABCDEF", question.options, strict=False):
        data[f"option_{letter}"] = text
    data.update(changes)
    return data


@pytest.mark.parametrize("who", ["anonymous", "learner", "manager", "other"])
def test_only_coordinators_and_administrators_reach_the_bank(client, city, bank, who):
    question = Question.objects.first()
    if who == "learner":
        user = UserFactory()
        StaffFactory(department=city.township_a1, user=user)
        client.force_login(user)
    elif who == "manager":
        client.force_login(make_user_with_role(Role.MANAGER, city.county_a))
    elif who == "other":  # an account with neither a role nor a staff record
        client.force_login(UserFactory())
    before = AuditEntry.objects.count()
    urls = [BANK, f"{BANK}new/", f"{BANK}{question.public_id}/", f"{BANK}import/"]
    urls += [f"{BANK}export.xlsx", f"{BANK}template.xlsx"]
    for url in urls:
        response = client.get(url)
        expected = 302 if who == "anonymous" else 404
        assert response.status_code == expected, url
    response = client.post(f"{BANK}{question.public_id}/", _form(question, stem="改了"))
    assert response.status_code in (302, 404)
    assert Question.objects.get(pk=question.pk).stem != "改了"
    # Nothing written; each refusal of a signed-in account is audited.
    assert AuditEntry.objects.exclude(action="access.denied").count() == before
    denied = AuditEntry.objects.filter(action="access.denied").count()
    assert denied == (0 if who == "anonymous" else len(urls) + 1)


def test_a_coordinator_of_any_unit_sees_the_shared_bank(client, city, bank):
    """The bank is city-wide (a question has no owning unit): county B's coordinator
    sees the same questions as county A's."""
    for unit in (city.county_a, city.county_b):
        client.force_login(make_user_with_role(Role.COORDINATOR, unit))
        response = client.get(BANK)
        assert response.status_code == 200
        assert response.context["page"].paginator.count == Question.objects.count()


def test_the_list_filters_by_type_point_subtree_difficulty_status_and_words(
    client, coordinator_a, bank, django_assert_max_num_queries
):
    parent = bank["政策法规"]
    child = KnowledgePoint.objects.create(name="行政许可法", parent=parent)
    Question.objects.create(
        type="single",
        stem="许可的期限",
        options=["甲", "乙"],
        answer=["A"],
        knowledge_point=child,
        difficulty=5,
        status="draft",
    )
    client.force_login(coordinator_a)

    def stems(**params):
        response = client.get(BANK, params)
        assert response.status_code == 200
        return {x.stem for x in response.context["page"]}

    assert stems(point=parent.pk, type="single") == {"政策法规单选0", "政策法规单选1", "许可的期限"}
    assert stems(difficulty=5) == {"许可的期限"}
    assert stems(status="draft") == {"许可的期限"}
    assert stems(q="许可 期限") == {"许可的期限"}
    assert stems(type="true_false", point=child.pk) == set()
    with django_assert_max_num_queries(12):
        client.get(BANK)


def test_a_coordinator_creates_a_scenario_task_with_a_rubric(client, coordinator_a, bank):
    client.force_login(coordinator_a)
    point = bank["服务礼仪规范"]
    response = client.post(
        f"{BANK}new/",
        {
            "type": "scenario",
            "stem": "模拟接待一位情绪激动的群众。",
            "rubric": "安抚情绪(5分)\n核实诉求（5分）",
            "knowledge_point": point.pk,
            "difficulty": 4,
            "status": "draft",
        },
    )
    assert response.status_code == 302
    question = Question.objects.get(stem="模拟接待一位情绪激动的群众。")
    assert question.rubric == [{"item": "安抚情绪", "points": 5}, {"item": "核实诉求", "points": 5}]
    assert question.status == "draft" and question.difficulty == 4
    assert AuditEntry.objects.filter(action="exam.question_created").count() == 1


def test_a_form_error_is_shown_and_nothing_saved(client, coordinator_a, bank):
    client.force_login(coordinator_a)
    count = Question.objects.count()
    response = client.post(
        f"{BANK}new/",
        {
            "type": "single",
            "stem": "两个答案的单选",
            "option_A": "甲",
            "option_B": "乙",
            "answer": "AB",
            "knowledge_point": bank["政策法规"].pk,
            "difficulty": 3,
            "status": "active",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["answer"]
    assert Question.objects.count() == count


@pytest.fixture
def asked(city, bank):
    """A single-choice question asked in a finished attempt (answered B, the key)."""
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[{"type": "single", "count": 1, "points": 100}],
    )
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    attempt = attempt_start(session=session, staff=staff)
    item = attempt.items.get()
    attempt_save(attempt_id=attempt.public_id, user_id=user.pk, position=1, answer="B", seq=1)
    attempt = attempt_submit(attempt=attempt)
    assert attempt.percent == 100
    return item.question, attempt


def test_other_edits_never_change_past_attempts(client, coordinator_a, asked):
    question, attempt = asked
    client.force_login(coordinator_a)
    response = client.post(
        f"{BANK}{question.public_id}/",
        _form(question, stem="新题干", option_A="新甲", explanation="新解析", status="retired"),
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.stem == "新题干" and question.status == "retired"
    item = AttemptItem.objects.get(attempt=attempt)
    assert item.stem != "新题干" and item.explanation != "新解析"
    assert [o["text"] for o in item.options if o["key"] == "A"] == ["甲"]
    attempt.refresh_from_db()
    assert attempt.percent == 100
    entry = AuditEntry.objects.get(action="exam.question_changed")
    assert set(entry.data["fields"]) == {"stem", "options", "explanation", "status"}


def test_a_key_change_shows_the_count_then_re_scores_on_confirmation(client, coordinator_a, asked):
    question, attempt = asked
    client.force_login(coordinator_a)
    url = f"{BANK}{question.public_id}/"
    response = client.post(url, _form(question, answer="A"))
    assert response.status_code == 200
    assert response.context["rescored"] == 1
    assert "1" in response.text and "confirm_rescore" in response.text
    question.refresh_from_db()
    assert question.answer == ["B"]  # nothing changed yet
    attempt.refresh_from_db()
    assert attempt.percent == 100

    # The confirmation page carries the edited form in hidden inputs: resubmit them.
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', response.text))
    hidden = {k: html.unescape(v) for k, v in hidden.items()}
    assert hidden["confirm_rescore"] == "on" and hidden["answer"] == "A"
    response = client.post(url, hidden)
    assert response.status_code == 302
    question.refresh_from_db()
    attempt.refresh_from_db()
    assert question.answer == ["A"] and attempt.percent == 0
    assert AttemptItem.objects.get(attempt=attempt).key == ["A"]
    entry = AuditEntry.objects.get(action="exam.key_corrected")
    assert entry.data["rescored"] == 1 and entry.data["from"] == ["B"]


def test_a_coordinator_cannot_re_score_exams_of_other_units(client, city, asked):
    question, attempt = asked
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_b))
    url = f"{BANK}{question.public_id}/"
    response = client.post(url, _form(question, answer="A", confirm_rescore="on"))
    assert response.status_code == 200 and response.context["form"].errors["answer"]
    question.refresh_from_db()
    attempt.refresh_from_db()
    assert question.answer == ["B"] and attempt.percent == 100
    assert not AuditEntry.objects.filter(action="exam.key_corrected").exists()


def test_import_dry_run_writes_nothing_then_confirm_imports(client, coordinator_a, db):
    client.force_login(coordinator_a)
    upload = io.BytesIO(xlsx(GOOD))
    upload.name = "题库.xlsx"
    response = client.post(f"{BANK}import/", {"file": upload})
    assert response.status_code == 200
    assert response.context["counts"]["new"] == 6 and response.context["confirm"]
    assert Question.objects.count() == 0 and KnowledgePoint.objects.count() == 0
    assert not AuditEntry.objects.filter(action="exam.questions_imported").exists()
    token = client.session["question_import_pending"]["token"]
    assert client.post(f"{BANK}import/confirm/", {"token": "0" * 32}).status_code == 302
    assert Question.objects.count() == 0
    response = client.post(f"{BANK}import/confirm/", {"token": token})
    assert response.status_code == 302 and Question.objects.count() == 6
    assert AuditEntry.objects.get(action="exam.questions_imported").actor == coordinator_a
    # The pending file is used once.
    client.post(f"{BANK}import/confirm/", {"token": token})
    assert Question.objects.count() == 6


def test_import_errors_are_listed_by_row_and_the_valid_rows_can_be_imported(
    client, coordinator_a, db
):
    client.force_login(coordinator_a)
    upload = io.BytesIO(xlsx([GOOD[0], q("单选", "坏题", ["甲", "乙"], "C")]))
    upload.name = "bad.xlsx"
    response = client.post(f"{BANK}import/", {"file": upload})
    assert response.status_code == 200
    assert [(e["row"], e["column"]) for e in response.context["errors"]] == [(3, "I")]
    assert Question.objects.count() == 0
    # Only the choice "import the valid rows" is offered, and it writes the good row.
    confirm = response.context["confirm"]
    assert confirm.initial["skip_invalid"] is True
    assert "导入 1 道有效试题" in response.content.decode() or "valid question" in (
        response.content.decode()
    )
    rejected = client.get(response.context["rejected_url"])
    sheet = load_workbook(io.BytesIO(rejected.content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["坏题"]
    response = client.post(
        f"{BANK}import/confirm/", {"token": confirm.initial["token"], "skip_invalid": "on"}
    )
    assert response.status_code == 200 and response.context["report"].skipped_invalid
    assert list(Question.objects.values_list("stem", flat=True)) == [GOOD[0][1]]
    # The rejected rows stay downloadable after the import.
    assert client.get(response.context["rejected_url"]).status_code == 200


def test_a_csv_named_xlsx_is_read_by_its_content(client, coordinator_a, db):
    client.force_login(coordinator_a)
    upload = io.BytesIO("题型,题干,选项A,选项B,答案,知识点\n单选,题,是,否,A,点\n".encode("gbk"))
    upload.name = "bank.xlsx"
    response = client.post(f"{BANK}import/", {"file": upload})
    report = response.context["report"]
    assert report.refused is None and report.format == "csv" and report.counts["new"] == 1
    assert Question.objects.count() == 0


def test_export_follows_the_filters_and_neutralises_formulas(client, coordinator_a, bank):
    Question.objects.create(
        type="true_false",
        stem="=1+1 是公式吗",
        options=["正确", "错误"],
        answer=["B"],
        knowledge_point=bank["政策法规"],
    )
    client.force_login(coordinator_a)
    response = client.get(f"{BANK}export.xlsx", {"type": "true_false"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == {"判断题"}
    assert len(rows) == Question.objects.filter(type="true_false").count()
    assert "'=1+1 是公式吗" in {r[1] for r in rows}
    assert ("'=1+1 是公式吗", "错误") in {(r[1], r[8]) for r in rows}


def test_the_template_downloads(client, coordinator_a, db):
    client.force_login(coordinator_a)
    response = client.get(f"{BANK}template.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "题型"


def test_attempt_rows_are_unchanged_by_a_failed_permission(client, city, asked):
    """A learner posting a key change gets 404 and the attempt keeps its score."""
    question, attempt = asked
    client.force_login(Attempt.objects.get(pk=attempt.pk).staff.user)
    response = client.post(f"{BANK}{question.public_id}/", _form(question, answer="A"))
    assert response.status_code == 404
    attempt.refresh_from_db()
    assert attempt.percent == 100


# --- REST ------------------------------------------------------------------------------

API = "/api/exams/bank/questions/"


def test_the_api_lists_questions_with_keys_and_filters_for_coordinators(
    client, coordinator_a, bank
):
    client.force_login(coordinator_a)
    response = client.get(API, {"type": "multiple", "knowledge_point": bank["政策法规"].pk})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert {r["answer"] == ["A", "C"] for r in body["results"]} == {True}
    assert body["results"][0]["knowledge_point"]["path"] == "政策法规"
    question = Question.objects.get(public_id=body["results"][0]["id"])
    detail = client.get(f"{API}{question.public_id}/")
    assert detail.status_code == 200 and detail.json()["stem"] == question.stem
    assert client.get(API, {"difficulty": 9}).status_code == 400


@pytest.mark.parametrize("who", ["learner", "manager"])
def test_the_api_never_shows_the_bank_to_learners_or_managers(client, city, bank, who):
    if who == "learner":
        user = UserFactory()
        StaffFactory(department=city.township_a1, user=user)
    else:
        user = make_user_with_role(Role.MANAGER, city.county_a)
    client.force_login(user)
    question = Question.objects.first()
    for url in (API, f"{API}{question.public_id}/"):
        response = client.get(url)
        assert response.status_code == 404
        assert "answer" not in response.text


def test_checked_files_never_confirmed_are_purged(db):
    import datetime

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    from exams.views import bank as views_bank

    name = default_storage.save(f"{views_bank.PENDING_DIR}/old.xlsx", ContentFile(b"x"))
    views_bank._purge_stale()
    assert default_storage.exists(name)  # younger than a day
    views_bank._purge_stale(max_age=datetime.timedelta(seconds=-1))
    assert not default_storage.exists(name)


def test_the_api_list_runs_a_fixed_number_of_queries(
    client, coordinator_a, bank, django_assert_max_num_queries
):
    client.force_login(coordinator_a)
    with django_assert_max_num_queries(10):  # session, user, roles, count, page, points
        response = client.get(API)
    assert response.status_code == 200 and len(response.json()["results"]) == 30


def test_a_scenario_rubric_without_points_is_refused_on_the_form(client, coordinator_a, bank):
    client.force_login(coordinator_a)
    response = client.post(
        f"{BANK}new/",
        {
            "type": "scenario",
            "stem": "没有分值的情景题",
            "rubric": "核验身份",
            "knowledge_point": bank["政策法规"].pk,
            "difficulty": 3,
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "核验身份" in response.context["form"].errors["rubric"][0]
    assert not Question.objects.filter(stem="没有分值的情景题").exists()


def test_a_key_correction_touching_attempts_outside_the_coordinators_units_is_refused(
    client, city, administrator, asked
):
    """The rule lives in the service: the page shows its message, and a direct call is
    refused alike; an administrator may correct the key."""
    from django.core.exceptions import ValidationError

    from exams.messages import MSG_KEY_OUTSIDE
    from exams.services import question_correct_key

    question, attempt = asked
    coordinator_b = make_user_with_role(Role.COORDINATOR, city.county_b)
    client.force_login(coordinator_b)
    response = client.post(
        f"{BANK}{question.public_id}/", _form(question, answer="A", confirm_rescore="on")
    )
    assert response.status_code == 200
    assert html.unescape(response.content.decode()).count(str(MSG_KEY_OUTSIDE % {"count": 1}))
    with pytest.raises(ValidationError) as exc:
        question_correct_key(question=question, answer=["A"], acting_user=coordinator_b)
    assert exc.value.message_dict["answer"] == [str(MSG_KEY_OUTSIDE % {"count": 1})]
    question.refresh_from_db()
    attempt.refresh_from_db()
    assert question.answer == ["B"] and attempt.percent == 100

    assert question_correct_key(question=question, answer=["A"], acting_user=administrator) == 1
    attempt.refresh_from_db()
    assert attempt.percent == 0
