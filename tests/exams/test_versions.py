"""Question versions and review (issue 17, item 4): an edit makes a new version, the
attempt keeps the wording it saw, the bank shows who changed what and when with a
diff and restores an earlier version; new and imported questions start as drafts and
go live after review by a second coordinator or an administrator (a city option)."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from exams import question_io, services
from exams.models import AttemptItem, BankSettings, Question, QuestionStatus, QuestionVersion
from organisation.models import Role
from tests.factories import make_user_with_role

from .test_bank_io import q, xlsx
from .test_bank_pages import BANK, _form, asked, bank  # noqa: F401 (fixtures)


@pytest.fixture
def second_coordinator(city):
    return make_user_with_role(Role.COORDINATOR, city.county_b)


def _new(user, **extra):
    from exams.models import KnowledgePoint

    fields = {
        "type": "single",
        "stem": "首问负责制要求什么？",
        "options": ["转交", "负责到底"],
        "answer": ["B"],
        "knowledge_point": KnowledgePoint.objects.get_or_create(name="规范")[0],
        "difficulty": 3,
        "status": QuestionStatus.ACTIVE,
        **extra,
    }
    return services.question_create(acting_user=user, **fields)


def test_a_new_question_is_a_draft_until_another_coordinator_approves_it(
    coordinator_a, second_coordinator
):
    question = _new(coordinator_a)
    assert question.status == QuestionStatus.DRAFT
    with pytest.raises(ValidationError) as refused:
        services.question_approve(question=question, acting_user=coordinator_a)
    assert refused.value.code == "review_self"
    # Nor can the author switch it live by editing it.
    with pytest.raises(ValidationError):
        services.question_update(
            question=question, acting_user=coordinator_a, status=QuestionStatus.ACTIVE
        )
    services.question_approve(question=question, acting_user=second_coordinator)
    question.refresh_from_db()
    assert question.status == QuestionStatus.ACTIVE
    assert question.reviewed_by == second_coordinator
    assert AuditEntry.objects.filter(action="exam.question_approved").count() == 1


def test_an_administrator_may_approve_their_own_question(administrator):
    question = _new(administrator)
    services.question_approve(question=question, acting_user=administrator)
    question.refresh_from_db()
    assert question.status == QuestionStatus.ACTIVE


def test_the_city_can_turn_the_review_off(coordinator_a):
    BankSettings.objects.create(review_required=False)
    assert _new(coordinator_a).status == QuestionStatus.ACTIVE


def test_imported_questions_start_as_drafts_with_a_first_version(coordinator_a):
    data = xlsx([q("单选", "导入的题", ["甲", "乙"], "A")])
    report = question_io.questions_import(acting_user=coordinator_a, filename="b.xlsx", data=data)
    assert report.committed
    question = Question.objects.get()
    assert question.status == QuestionStatus.DRAFT and question.created_by == coordinator_a
    version = QuestionVersion.objects.get(question=question)
    assert (version.number, version.note, version.created_by) == (1, "import", coordinator_a)


def test_edits_make_versions_with_a_diff_and_an_earlier_one_can_be_restored(
    coordinator_a, second_coordinator
):
    question = _new(coordinator_a, stem="第一版题干")
    services.question_update(question=question, acting_user=second_coordinator, stem="第二版题干")
    question.refresh_from_db()
    assert question.version == 2
    history = services.question_history(question=question)
    assert [v["number"] for v in history] == [2, 1]
    newest = history[0]
    assert newest["created_by"] == second_coordinator and newest["current"]
    change = newest["changes"][0]
    assert change["field"] == "stem"
    assert ("delete", "一") in change["pieces"] and ("insert", "二") in change["pieces"]
    services.question_restore(question=question, number=1, acting_user=coordinator_a)
    question.refresh_from_db()
    assert question.stem == "第一版题干" and question.version == 3
    assert "1" in services.question_history(question=question)[0]["note"]


def test_a_question_edited_before_versions_existed_keeps_its_old_wording(coordinator_a):
    from exams.models import KnowledgePoint

    point = KnowledgePoint.objects.create(name="旧点")
    old = Question.objects.create(
        type="single", stem="旧题干", options=["甲", "乙"], answer=["A"], knowledge_point=point
    )
    services.question_update(question=old, acting_user=coordinator_a, stem="新题干")
    versions = {v.number: v.content["stem"] for v in QuestionVersion.objects.filter(question=old)}
    assert versions == {1: "旧题干", 2: "新题干"}


def test_an_attempt_keeps_the_wording_it_saw_and_the_history_page_restores(
    client,
    coordinator_a,
    asked,  # noqa: F811
):
    question, attempt = asked
    client.force_login(coordinator_a)
    response = client.post(f"{BANK}{question.public_id}/", _form(question, stem="改过的题干"))
    assert response.status_code == 302
    question.refresh_from_db()
    item = AttemptItem.objects.get(attempt=attempt)
    assert item.stem != "改过的题干" and question.version == 2
    page = client.get(f"{BANK}{question.public_id}/history/")
    assert page.status_code == 200 and "<ins>" in page.content.decode()
    response = client.post(f"{BANK}{question.public_id}/restore/", {"number": "1"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.stem == item.stem and question.version == 3


def test_the_approve_button_works_for_a_second_coordinator_only(
    client, coordinator_a, second_coordinator
):
    question = _new(coordinator_a)
    client.force_login(coordinator_a)
    client.post(f"{BANK}{question.public_id}/approve/")
    question.refresh_from_db()
    assert question.status == QuestionStatus.DRAFT
    client.force_login(second_coordinator)
    page = client.get(f"{BANK}{question.public_id}/")
    assert "approve" in page.content.decode()
    client.post(f"{BANK}{question.public_id}/approve/")
    question.refresh_from_db()
    assert question.status == QuestionStatus.ACTIVE
