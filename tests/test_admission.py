"""Admission control: a request that queued too long in the server is refused at once
with 503 and Retry-After, before any session or database work; the health check never."""

import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import admission


@pytest.fixture
def queued_for():
    """Pretend the server queued the next request for `seconds` (as the gunicorn worker
    class does), and forget it afterwards."""

    def set_(seconds):
        admission.set_queued_at(time.monotonic() - seconds)

    yield set_
    admission.set_queued_at(None)


@pytest.mark.django_db
def test_a_request_that_queued_too_long_is_refused_with_retry_after_and_no_query(
    client, queued_for, settings
):
    queued_for(3.2)
    with CaptureQueriesContext(connection) as queries:
        response = client.post("/api/exams/attempts/00000000-0000-0000-0000-000000000000/save/")
    assert response.status_code == 503
    assert response["Retry-After"] == "4"
    assert response["Cache-Control"] == "no-store"
    assert response.json()["code"] == "busy"
    assert "服务器繁忙" in response.json()["detail"]
    assert len(queries) == 0


@pytest.mark.django_db
def test_a_page_is_refused_in_plain_chinese(client, queued_for):
    queued_for(1.5)
    response = client.get("/exams/")
    assert response.status_code == 503
    assert response["Retry-After"] == "2"
    assert "服务器繁忙" in response.content.decode()


@pytest.mark.django_db
def test_a_request_served_promptly_passes(client, queued_for):
    queued_for(0.2)
    response = client.get("/api/exams/attempts/00000000-0000-0000-0000-000000000000/")
    assert response.status_code in (401, 403)  # not signed in: the app answered


@pytest.mark.django_db
def test_the_health_check_is_never_refused(client, queued_for):
    queued_for(10)
    assert client.get("/healthz").status_code == 200


@pytest.mark.django_db
def test_the_proxy_header_counts_when_the_server_gives_no_stamp(client):
    long_ago = time.time() - 5
    response = client.get("/exams/", HTTP_X_REQUEST_START=f"t={long_ago:.3f}")
    assert response.status_code == 503
    in_ms = int((time.time() - 2) * 1000)
    assert client.get("/exams/", HTTP_X_REQUEST_START=f"t={in_ms}").status_code == 503
    fresh = client.get("/exams/", HTTP_X_REQUEST_START=f"t={time.time():.3f}")
    assert fresh.status_code == 302  # to the sign-in page: the app answered
    assert client.get("/exams/", HTTP_X_REQUEST_START="t=garbage").status_code == 302


@pytest.mark.django_db
def test_admission_control_can_be_switched_off(client, queued_for, settings):
    settings.ADMISSION_MAX_QUEUE_MS = 0
    queued_for(10)
    assert client.get("/exams/").status_code == 302


@pytest.mark.django_db
def test_refusals_are_counted_in_one_log_line_not_one_each(client, queued_for, caplog):
    admission._shed_log.since = time.monotonic()  # a fresh interval
    admission._shed_log.count = 0
    for _ in range(5):
        queued_for(2)
        assert client.get("/exams/").status_code == 503
    assert not [r for r in caplog.records if r.name == "django.request"]
    admission._shed_log.since -= admission._ShedLog.LOG_EVERY
    queued_for(2)
    client.get("/exams/")
    lines = [r.getMessage() for r in caplog.records if r.name == "core.admission"]
    assert len(lines) == 1 and "6 request(s) refused" in lines[0]
