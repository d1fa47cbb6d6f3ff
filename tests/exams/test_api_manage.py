"""REST for coordinators and managers: sessions, results, analysis, an anonymous
grading queue and grading through the service (audited); 404 outside the subtree."""

import json

import pytest

from audit.models import AuditEntry
from exams.models import Attempt, AttemptItem
from exams.services import attempt_save, attempt_start
from organisation.models import Role

from ..factories import StaffFactory, UserFactory, make_user_with_role
from .helpers import hand_in_and_score, make_bank, open_session


@pytest.fixture
def graded_session(city):
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {"type": "short_answer", "count": 1, "points": 40},
            {"type": "single", "count": 1, "points": 60},
        ],
    )
    user = UserFactory()
    staff = StaffFactory(
        department=city.township_a1, user=user, name="考生张三", staff_number="Z-3"
    )
    attempt = attempt_start(session=session, staff=staff)
    short = attempt.items.get(type="short_answer")
    single = attempt.items.get(type="single")
    attempt_save(
        attempt_id=attempt.public_id,
        user_id=user.pk,
        position=short.position,
        answer="首问负责，一次告知。",
        seq=1,
    )
    attempt_save(
        attempt_id=attempt.public_id,
        user_id=user.pk,
        position=single.position,
        answer=["B"],
        seq=2,
    )
    attempt = hand_in_and_score(attempt)
    return session, attempt, short


@pytest.fixture
def coordinator_b(city):
    return make_user_with_role(Role.COORDINATOR, city.county_b)


def test_session_list_and_detail_are_scoped(client, graded_session, coordinator_a, coordinator_b):
    session, _attempt, _short = graded_session
    client.force_login(coordinator_a)
    listing = client.get("/api/exams/manage/sessions/").json()
    assert [s["id"] for s in listing["results"]] == [str(session.public_id)]
    detail = client.get(f"/api/exams/manage/sessions/{session.public_id}/").json()
    assert detail["title"] == session.title and detail["audience"] == 1
    assert [(r["type"], r["count"]) for r in detail["rules"]] == [
        ("short_answer", 1),
        ("single", 1),
    ]
    client.force_login(coordinator_b)
    assert client.get("/api/exams/manage/sessions/").json()["results"] == []
    for path in ("", "results/", "analysis/"):
        url = f"/api/exams/manage/sessions/{session.public_id}/{path}"
        assert client.get(url).status_code == 404


def test_results_are_paginated_rows_with_scores_per_knowledge_point(
    client, graded_session, manager_a
):
    session, attempt, _short = graded_session
    client.force_login(manager_a)
    body = client.get(f"/api/exams/manage/sessions/{session.public_id}/results/").json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["attempt"] == str(attempt.public_id)
    assert (row["staff_number"], row["name"], row["unit"]) == ("Z-3", "考生张三", "甲一镇")
    assert row["score"] == "60.00" and row["passed"] is None and row["status"] == "submitted"
    assert {kp["percent"] for kp in row["knowledge_points"]} == {100.0}


def test_analysis_reports_items(client, graded_session, coordinator_a):
    session, _attempt, _short = graded_session
    client.force_login(coordinator_a)
    body = client.get(f"/api/exams/manage/sessions/{session.public_id}/analysis/").json()
    assert body["attempts"] == 1 and body["kr20"] is None
    assert sorted(i["n"] for i in body["items"]) == [1, 1]


def test_the_grading_queue_has_no_names(client, graded_session, coordinator_a):
    session, attempt, short = graded_session
    client.force_login(coordinator_a)
    response = client.get(
        f"/api/exams/manage/sessions/{session.public_id}/grading/{short.question_id}/"
    )
    assert response.status_code == 200
    (entry,) = response.json()["results"]
    assert entry["item"] == short.pk and entry["answer"] == "首问负责，一次告知。"
    text = response.content.decode()
    assert "考生张三" not in text and "Z-3" not in text and str(attempt.public_id) not in text


def test_managers_and_other_coordinators_cannot_see_the_queue(
    client, graded_session, manager_a, coordinator_b
):
    session, _attempt, short = graded_session
    for user in (manager_a, coordinator_b):
        client.force_login(user)
        url = f"/api/exams/manage/sessions/{session.public_id}/grading/{short.question_id}/"
        assert client.get(url).status_code == 404


def _grade(client, item_id, points):
    return client.post(
        f"/api/exams/manage/items/{item_id}/grade/",
        data=json.dumps({"points": points}),
        content_type="application/json",
    )


def test_grading_through_the_api_changes_the_score_and_is_audited(
    client, graded_session, coordinator_a
):
    _session, attempt, short = graded_session
    client.force_login(coordinator_a)
    response = _grade(client, short.pk, "30")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["awarded"] == "30.0" and body["attempt_score"] == "90.00"
    assert body["attempt_passed"] is True and body["needs_grading"] is False
    attempt.refresh_from_db()
    assert attempt.score == 90 and attempt.passed and not attempt.needs_grading
    entry = AuditEntry.objects.get(action="exam.item_graded")
    assert entry.actor == coordinator_a and entry.data["to"] == "30.0"


def test_points_above_the_maximum_are_a_400_and_change_nothing(
    client, graded_session, coordinator_a
):
    _session, _attempt, short = graded_session
    client.force_login(coordinator_a)
    response = _grade(client, short.pk, "41")
    assert response.status_code == 400 and "40" in response.json()["detail"]
    assert AttemptItem.objects.get(pk=short.pk).awarded is None
    assert not AuditEntry.objects.filter(action="exam.item_graded").exists()


def test_grading_out_of_scope_is_a_404_and_changes_nothing(
    client, graded_session, coordinator_b, manager_a, learner_a1
):
    _session, attempt, short = graded_session
    for user in (coordinator_b, manager_a, learner_a1[0]):
        client.force_login(user)
        assert _grade(client, short.pk, "10").status_code == 404
    assert AttemptItem.objects.get(pk=short.pk).awarded is None
    assert Attempt.objects.get(pk=attempt.pk).score == 60
    assert not AuditEntry.objects.filter(action="exam.item_graded").exists()
