"""Exam pages as coordinators, managers and learners read them: grading says what is
wrong and scores by rubric, a district sees the city exam its people sit, the session
form explains its errors, practice ignores an empty answer, bad ids are 404."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from exams.models import AttemptItem, ExamSession, MistakeEntry, Question, QuestionType
from exams.services import (
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_score_handed_in,
)
from organisation.models import Role

from ..factories import StaffFactory, UserFactory, make_user_with_role
from .helpers import make_bank, open_session
from .test_session_pages import _form

RUBRIC = [{"item": "核验身份", "points": 4}, {"item": "一次性告知材料", "points": 6}]


@pytest.fixture
def open_answer(city):
    make_bank()
    Question.objects.filter(type=QuestionType.SHORT_ANSWER).update(
        rubric=RUBRIC, explanation="先核验身份，再一次性告知所需材料。"
    )
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[{"type": "short_answer", "count": 1, "points": Decimal(10)}],
    )
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    attempt = attempt_start(session=session, staff=staff)
    attempt_save(attempt_id=attempt.public_id, user_id=user.pk, position=1, answer="先核验", seq=1)
    attempt_submit(attempt=attempt)
    attempts_score_handed_in()  # the finaliser scores hand-ins
    item = attempt.items.get()
    return session, attempt, item


def _grade_url(session, item):
    return f"/exams/manage/{session.public_id}/grade/{item.question_id}/"


def test_the_grading_page_shows_the_rubric_and_the_reference_answer(
    client, open_answer, coordinator_a
):
    session, _attempt, item = open_answer
    client.force_login(coordinator_a)
    page = client.get(_grade_url(session, item)).text
    assert "核验身份" in page and "一次性告知材料" in page
    assert "先核验身份，再一次性告知所需材料。" in page
    assert 'name="rubric_0"' in page and 'name="rubric_1"' in page


@pytest.mark.parametrize("value", ["-1", "abc", "", "10.5", "3.25"])
def test_a_bad_score_is_refused_with_a_message_and_kept_on_screen(
    client, open_answer, coordinator_a, value
):
    session, _attempt, item = open_answer
    AttemptItem.objects.filter(pk=item.pk).update(rubric=[])  # one total score
    client.force_login(coordinator_a)
    response = client.post(_grade_url(session, item), {"item": item.pk, "points": value})
    assert "请输入 0 到 10.0 之间的分数" in response.text
    assert response.status_code == 200
    assert 'class="error"' in response.text or "msg-error" in response.text
    assert f'value="{value}"' in response.text or value == ""
    assert AttemptItem.objects.get(pk=item.pk).awarded is None
    assert not AuditEntry.objects.filter(action="exam.item_graded").exists()


def test_rubric_scores_are_checked_per_criterion_and_add_up_to_the_total(
    client, open_answer, coordinator_a
):
    session, _attempt, item = open_answer
    client.force_login(coordinator_a)
    url = _grade_url(session, item)
    too_much = client.post(url, {"item": item.pk, "rubric_0": "3", "rubric_1": "7"})
    assert too_much.status_code == 200 and "6" in too_much.text
    assert AttemptItem.objects.get(pk=item.pk).awarded is None

    response = client.post(
        url, {"item": item.pk, "rubric_0": "3", "rubric_1": "5", "comment": "告知不完整。"}
    )
    assert response.status_code == 302
    graded = AttemptItem.objects.get(pk=item.pk)
    assert graded.awarded == Decimal(8)
    assert [Decimal(v) for v in graded.rubric_scores] == [Decimal(3), Decimal(5)]
    assert graded.comment == "告知不完整。"


def test_the_api_refuses_rubric_scores_that_do_not_add_up(client, open_answer, coordinator_a):
    _session, _attempt, item = open_answer
    client.force_login(coordinator_a)
    response = client.post(
        f"/api/exams/manage/items/{item.pk}/grade/",
        {"points": "9", "rubric_scores": ["3", "5"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert AttemptItem.objects.get(pk=item.pk).awarded is None
    response = client.post(
        f"/api/exams/manage/items/{item.pk}/grade/",
        {"points": "8", "rubric_scores": ["3", "5"]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert AttemptItem.objects.get(pk=item.pk).awarded == Decimal(8)


def test_a_district_sees_the_city_exam_its_people_sit_with_only_their_results(client, city):
    make_bank()
    session = open_session(city.city, departments=[city.city])
    mine = StaffFactory(department=city.township_a1, name="甲县考生")
    theirs = StaffFactory(department=city.township_b1, name="乙县考生")
    for staff in (mine, theirs):
        attempt_submit(attempt=attempt_start(session=session, staff=staff))
    attempts_score_handed_in()
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    client.force_login(coordinator)
    listing = client.get("/exams/manage/").text
    assert session.title in listing and str(session.public_id) in listing
    page = client.get(f"/exams/manage/{session.public_id}/")
    assert page.status_code == 200
    assert "甲县考生" in page.text and "乙县考生" not in page.text
    # reading is not organising: the city's session cannot be edited by the county
    assert client.get(f"/exams/manage/{session.public_id}/edit/").status_code == 404


def test_a_session_nobody_of_mine_sits_stays_hidden(client, city):
    make_bank()
    session = open_session(city.county_b, departments=[city.county_b])
    attempt_submit(
        attempt=attempt_start(session=session, staff=StaffFactory(department=city.township_b1))
    )
    attempts_score_handed_in()
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_a))
    assert str(session.public_id) not in client.get("/exams/manage/").text
    assert client.get(f"/exams/manage/{session.public_id}/").status_code == 404


def test_closing_before_opening_is_explained_and_rule_errors_still_show(
    client, city, coordinator_a
):
    bank = make_bank()
    client.force_login(coordinator_a)
    now = timezone.localtime()
    data = _form(
        city,
        bank,
        opens_at=(now + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        closes_at=(now + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        **{"rules-0-points": "", "rules-0-count": "3"},
    )
    response = client.post("/exams/manage/new/", data)
    assert response.status_code == 200
    assert "exam_session_window_order" not in response.text and "约束" not in response.text
    assert "结束时间" in response.text and "晚于" in response.text
    rule_errors = response.context["rules"].errors
    assert any(rule_errors), "the rule's own error is shown in the same round"
    assert not ExamSession.objects.exists()


def test_after_saving_the_session_page_summarises_times_and_rules(client, city, coordinator_a):
    bank = make_bank()
    client.force_login(coordinator_a)
    response = client.post("/exams/manage/new/", _form(city, bank), follow=True)
    page = response.text
    session = ExamSession.objects.get()
    local_open = timezone.localtime(session.opens_at).strftime("%Y-%m-%d %H:%M")
    assert local_open in page
    assert "政策法规" in page and "单选题" in page


def test_practice_with_nothing_chosen_is_not_a_mistake(client, city):
    make_bank(per_type=1)
    user = UserFactory()
    StaffFactory(department=city.township_a1, user=user)
    question = Question.objects.filter(type="single").first()
    client.force_login(user)
    response = client.post(
        f"/exams/practice/?kp={question.knowledge_point_id}",
        {"question": str(question.public_id)},
    )
    assert response.status_code == 200
    assert "请先作答" in response.text
    assert not MistakeEntry.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["/exams/practice/?set=abc", "/exams/practice/?set=999999", "/exams/practice/?kp=abc"],
)
def test_bad_query_values_are_404_or_ignored_never_500(client, city, url):
    user = UserFactory()
    StaffFactory(department=city.township_a1, user=user)
    client.force_login(user)
    assert client.get(url).status_code in (200, 404)


@pytest.mark.parametrize("question", ["abc", "123", "6f1e2d3c-0b4a-4c5d-9e8f-7a6b5c4d3e2f"])
def test_a_practice_answer_to_a_bad_question_id_is_404(client, city, question):
    user = UserFactory()
    StaffFactory(department=city.township_a1, user=user)
    client.force_login(user)
    assert client.post("/exams/practice/", {"question": question}).status_code == 404


def test_session_answer_counts_never_show_python_lists(client, city, coordinator_a):
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[{"type": "fill_blank", "count": 1, "points": Decimal(10)}],
    )
    for answer in ([["社保卡", "社会保障卡"]], ["社保卡"], ["一网通办"]):
        user = UserFactory()
        staff = StaffFactory(department=city.township_a1, user=user)
        attempt = attempt_start(session=session, staff=staff)
        attempt_save(
            attempt_id=attempt.public_id, user_id=user.pk, position=1, answer=answer, seq=1
        )
        attempt_submit(attempt=attempt)
        attempts_score_handed_in()  # the finaliser scores hand-ins
    client.force_login(coordinator_a)
    page = client.get(f"/exams/manage/{session.public_id}/").text
    assert "[&#x27;" not in page and "['" not in page
    assert "试题分析" in page


def test_practice_feedback_reads_as_letters_and_text(client, city):
    make_bank(per_type=1)
    user = UserFactory()
    StaffFactory(department=city.township_a1, user=user)
    question = Question.objects.filter(type="single").first()
    client.force_login(user)
    page = client.post(
        f"/exams/practice/?kp={question.knowledge_point_id}",
        {"question": str(question.public_id), "answer": "C"},
    ).text
    assert "C. 丙" in page and "B. 乙" in page and "因为乙。" in page
    assert "['" not in page
    assert MistakeEntry.objects.filter(question=question).exists()
