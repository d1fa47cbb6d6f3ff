"""Learner exam pages: the key never shows before the review policy allows it,
results follow the policy, practice gives instant feedback and feeds the mistake book."""

import datetime

import pytest
from django.utils import timezone

from exams.models import Attempt, MistakeEntry, Question, Visibility
from exams.services import attempt_save, attempt_start

from ..factories import StaffFactory, UserFactory
from .helpers import hand_in_and_score, make_bank, open_session


@pytest.fixture
def learner(city):
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    return user, staff


def test_exam_page_never_contains_keys_or_explanations(client, city, learner):
    user, _staff = learner
    make_bank()
    session = open_session(city.county_a, departments=[city.county_a])
    client.force_login(user)
    response = client.post(f"/exams/sessions/{session.public_id}/start/")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store"
    assert "因为乙" not in page.text and "一网通辦" not in page.text
    assert 'data-remaining="' in page.text


@pytest.mark.parametrize(
    ("show_score", "show_answers", "score_shown", "answers_shown"),
    [
        (Visibility.AFTER_SUBMIT, Visibility.AFTER_SUBMIT, True, True),
        (Visibility.AFTER_SUBMIT, Visibility.AFTER_CLOSE, True, False),
        (Visibility.NEVER, Visibility.NEVER, False, False),
    ],
)
def test_results_follow_the_review_policy(
    client, city, learner, show_score, show_answers, score_shown, answers_shown
):
    user, staff = learner
    make_bank()
    session = open_session(
        city.county_a, departments=[city.county_a], show_score=show_score, show_answers=show_answers
    )
    attempt = attempt_start(session=session, staff=staff)
    hand_in_and_score(attempt)
    client.force_login(user)
    page = client.get(f"/exams/attempts/{attempt.public_id}/")
    assert ("成绩（百分制）" in page.text) == score_shown
    assert ("答案与解析" in page.text) == answers_shown
    api = client.get(f"/api/exams/attempts/{attempt.public_id}/").json()
    assert api["score_visible"] == score_shown
    assert (api["percent"] is not None) == score_shown


def test_coming_back_after_the_deadline_shows_the_finalised_result(client, city, learner):
    user, staff = learner
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        opens=timezone.now() - datetime.timedelta(hours=3),
    )
    attempt = attempt_start(
        session=session, staff=staff, now=timezone.now() - datetime.timedelta(hours=2)
    )
    attempt_save(
        attempt_id=attempt.public_id,
        user_id=user.pk,
        position=1,
        answer=["B"],
        seq=1,
        now=attempt.started_at + datetime.timedelta(minutes=1),
    )
    client.force_login(user)
    page = client.get(f"/exams/attempts/{attempt.public_id}/")
    assert "系统已自动交卷" in page.text
    attempt.refresh_from_db()
    assert attempt.finished_at == attempt.deadline
    assert attempt.items.get(position=1).answer == ["B"]


def test_another_learner_cannot_open_my_attempt(client, city, learner):
    _, staff = learner
    make_bank()
    session = open_session(city.county_a, departments=[city.county_a])
    attempt = attempt_start(session=session, staff=staff)
    other = UserFactory()
    StaffFactory(department=city.township_a1, user=other)
    client.force_login(other)
    assert client.get(f"/exams/attempts/{attempt.public_id}/").status_code == 404
    assert client.post(f"/exams/attempts/{attempt.public_id}/submit/").status_code == 404
    assert Attempt.objects.get().status == "in_progress"


def test_practice_gives_feedback_and_two_right_answers_clear_a_mistake(client, city, learner):
    user, staff = learner
    make_bank(per_type=1)
    question = Question.objects.filter(type="single").first()
    client.force_login(user)
    response = client.post(
        f"/exams/practice/?kp={question.knowledge_point_id}",
        {"question": question.public_id, "answer": "A"},
    )
    assert "回答错误" in response.text and "因为乙" in response.text
    assert MistakeEntry.objects.get(staff=staff, question=question).active
    for _ in range(2):
        response = client.post(
            "/exams/practice/?mistakes=1", {"question": question.public_id, "answer": "B"}
        )
        assert "回答正确" in response.text
    assert not MistakeEntry.objects.get(staff=staff, question=question).active
    assert "没有需要复习的错题" in client.get("/exams/mistakes/").text


def test_exam_list_shows_open_exams_and_hides_those_for_others(client, city, learner):
    user, _ = learner
    make_bank()
    mine = open_session(city.county_a, departments=[city.county_a], title="甲县月考")
    open_session(city.county_b, departments=[city.county_b], title="乙县月考")
    client.force_login(user)
    page = client.get("/exams/")
    assert mine.title in page.text and "乙县月考" not in page.text
