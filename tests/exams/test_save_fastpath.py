"""The lean save path (exams/fastpath.py): the same answers as the REST view, from the
session store alone, CSRF checked, one UPDATE."""

import datetime
import json
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from exams.models import AttemptStatus
from exams.services import attempt_start, attempt_submit

from ..factories import StaffFactory, UserFactory
from .helpers import make_bank, open_session


@pytest.fixture
def learner(city):
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    return user, staff


@pytest.fixture
def attempt(city, learner):
    make_bank()
    session = open_session(city.county_a, departments=[city.county_a])
    return attempt_start(session=session, staff=learner[1])


def _save(client, attempt, body, **extra):
    return client.post(
        f"/api/exams/attempts/{attempt.public_id}/save/",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **extra,
    )


def test_a_save_is_one_update_besides_reading_the_session(client, attempt, learner):
    client.force_login(learner[0])
    _save(client, attempt, {"item": 1, "answer": ["A"], "seq": 1})  # session housekeeping
    with CaptureQueriesContext(connection) as ctx:
        response = _save(client, attempt, {"item": 2, "answer": ["B"], "seq": 2})
    assert response.status_code == 200
    assert response.json() == {"saved": True, "seq": 2, "reason": ""}
    statements = [q["sql"] for q in ctx.captured_queries]
    # The session row (the database session engine of the tests; Redis in production)
    # and the conditional UPDATE: no user row, no roles.
    assert len(statements) == 2, statements
    assert statements[1].startswith("UPDATE")
    item = attempt.items.get(position=2)
    assert item.answer == ["B"] and item.seq == 2


def test_stale_closed_and_foreign_saves_answer_as_the_rest_view_did(client, attempt, learner, city):
    client.force_login(learner[0])
    assert _save(client, attempt, {"item": 1, "answer": ["B"], "seq": 5}).status_code == 200
    stale = _save(client, attempt, {"item": 1, "answer": ["A"], "seq": 4})
    assert stale.status_code == 200
    assert stale.json() == {"saved": False, "seq": 5, "reason": "stale"}

    intruder = UserFactory()
    StaffFactory(department=city.township_a1, user=intruder)
    other = Client()
    other.force_login(intruder)
    assert _save(other, attempt, {"item": 1, "answer": ["C"], "seq": 9}).status_code == 404
    denied = AuditEntry.objects.get(action="access.denied", target_id=str(attempt.public_id))
    assert denied.actor == intruder  # refused like a missing attempt, and audited

    attempt_submit(attempt=attempt)
    closed = _save(client, attempt, {"item": 1, "answer": ["C"], "seq": 6})
    assert closed.status_code == 409
    assert closed.json()["reason"] == "closed"
    assert closed.json()["detail"] == "考试时间已到，此答案未保存。"
    item = attempt.items.get(position=1)
    assert item.answer == ["B"] and item.seq == 5
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.HANDED_IN


@pytest.mark.parametrize(
    "body",
    [
        {"item": 1, "answer": ["A"]},
        {"item": 0, "answer": ["A"], "seq": 1},
        {"item": "1", "answer": ["A"], "seq": 1},
        {"item": 1, "answer": {"x": 1}, "seq": 1},
        {"item": 1, "answer": ["A"], "seq": True},
        {"item": 1, "answer": "x" * 10_001, "seq": 1},
        [1, 2],
    ],
)
def test_a_malformed_save_is_refused_and_stores_nothing(client, attempt, learner, body):
    client.force_login(learner[0])
    response = _save(client, attempt, body)
    assert response.status_code == 400
    assert response.json()["detail"]
    assert attempt.items.get(position=1).seq == 0


def test_without_a_session_or_csrf_token_nothing_is_saved(attempt, learner):
    anonymous = Client()
    assert _save(anonymous, attempt, {"item": 1, "answer": ["A"], "seq": 1}).status_code == 403
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(learner[0])
    assert _save(browser, attempt, {"item": 1, "answer": ["A"], "seq": 1}).status_code == 403
    assert attempt.items.get(position=1).seq == 0
    browser.get("/exams/")  # sets the CSRF cookie, as the exam page does
    token = browser.cookies["csrftoken"].value
    response = _save(
        browser, attempt, {"item": 1, "answer": ["A"], "seq": 1}, HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 200
    assert attempt.items.get(position=1).seq == 1


def test_an_idle_session_cannot_save(client, attempt, learner, settings):
    client.force_login(learner[0])
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 10
    session.save()
    assert _save(client, attempt, {"item": 1, "answer": ["A"], "seq": 1}).status_code == 403
    assert attempt.items.get(position=1).seq == 0


def test_a_save_after_the_deadline_is_refused(client, attempt, learner):
    client.force_login(learner[0])
    type(attempt).objects.filter(pk=attempt.pk).update(
        deadline=attempt.started_at + datetime.timedelta(seconds=1)
    )
    time.sleep(1.1)
    response = _save(client, attempt, {"item": 1, "answer": ["A"], "seq": 1})
    assert response.status_code == 409
    assert attempt.items.get(position=1).seq == 0
