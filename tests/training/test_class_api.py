"""The classes' REST endpoints answer with the services' messages: a stale code, a
second check-in and a rating of 6 are 400s with the Chinese sentence, and change
nothing; the happy path checks in, out and rates."""

import datetime

import pytest
from django.utils import timezone

from training import services
from training.models import ClassAttendance, EvaluationQuestion, EvaluationResponse, TrainingClass
from training.services import common as msg

from ..factories import make_learner
from .class_helpers import schedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(coordinator_a, city):
    user, staff = make_learner(city.township_a1)
    klass = schedule(coordinator_a, city.county_a, people=[staff])
    now = timezone.now()
    TrainingClass.objects.filter(pk=klass.pk).update(
        starts_at=now - datetime.timedelta(minutes=40), ends_at=now + datetime.timedelta(minutes=20)
    )
    klass.refresh_from_db()
    return klass, user, staff


def test_check_in_out_and_rate_by_api(client, running, coordinator_a):
    klass, user, staff = running
    base = f"/api/training/classes/{klass.public_id}/"
    client.force_login(user)
    assert [c["title"] for c in client.get("/api/training/classes/mine/").json()] == [klass.title]

    stale = services.class_code(
        training_class=klass, now=timezone.now() - datetime.timedelta(minutes=3)
    )
    response = client.post(f"{base}checkin/", {"code": stale}, "application/json")
    assert response.status_code == 400
    assert response.json()["detail"] == str(msg.MSG_CHECKIN_CODE_EXPIRED)
    assert ClassAttendance.objects.get(staff=staff).checked_in_at is None

    code = services.class_code(training_class=klass)
    response = client.post(f"{base}checkin/", {"code": code}, "application/json")
    assert response.status_code == 200 and response.json()["state"] == "late"
    again = client.post(f"{base}checkin/", {"code": code}, "application/json")
    assert again.status_code == 400 and "无需重复签到" in again.json()["detail"]

    out = client.post(f"{base}checkout/")
    assert out.status_code == 200 and out.json()["checked_out_at"]

    client.force_login(coordinator_a)
    code = client.get(f"{base}code/").json()
    assert code["open"] and code["seconds_left"] <= 30 and f"code={code['code']}" in code["url"]
    assert client.post(f"{base}close/").status_code == 200
    assert client.post(f"{base}close/").json()["detail"] == str(msg.MSG_CLASS_CLOSED)

    client.force_login(user)
    questions = list(EvaluationQuestion.objects.filter(is_active=True))
    ratings = {str(q.pk): 4 for q in questions}
    bad = client.post(
        f"{base}rating/", {"ratings": {**ratings, str(questions[0].pk): 6}}, "application/json"
    )
    assert bad.status_code == 400 and bad.json()["detail"] == str(msg.MSG_RATING_RANGE)
    assert not EvaluationResponse.objects.exists()
    good = client.post(f"{base}rating/", {"ratings": ratings, "comment": "好"}, "application/json")
    assert good.status_code == 201 and EvaluationResponse.objects.count() == 1
    twice = client.post(f"{base}rating/", {"ratings": ratings}, "application/json")
    assert twice.status_code == 400

    client.force_login(coordinator_a)
    summary = client.get(f"{base}evaluation/").json()
    assert summary["count"] == 1 and summary["shown"] is False and summary["averages"] == {}
