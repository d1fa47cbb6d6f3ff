"""The lean start path (exams/api/fastpath.py): a prepared paper is started with one
read and one conditional UPDATE besides the session, with the exam's settings and
audience from the cache; every other case answers through the REST view as before."""

import datetime
import time

import pytest
from django.contrib.admin import site
from django.core.cache import cache
from django.db import connection
from django.forms import modelform_factory
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exams.admin import ExamSessionAdmin
from exams.audience import start_facts
from exams.models import Attempt, AttemptStatus, ExamSession
from exams.selectors import attempt_payload, integrity_options
from exams.services import exam_session_prepare_papers, exam_session_update
from organisation.models import Role, StaffStatus

from ..factories import StaffFactory, UserFactory, add_totp, make_user_with_role
from .helpers import make_bank, open_session


@pytest.fixture
def exam(city):
    make_bank()
    session = open_session(city.county_a, departments=[city.county_a])
    return session


def _person(city, **staff):
    user = UserFactory()
    return user, StaffFactory(department=city.township_a1, user=user, **staff)


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    session = client.session
    session["last_seen"] = int(time.time())  # signed in a moment ago
    session.save()
    return client


def _start(client, exam, **extra):
    return client.post(
        f"/api/exams/sessions/{exam.public_id}/start/",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **extra,
    )


def _prepared(exam, staff) -> Attempt:
    return Attempt.objects.get(session=exam, staff=staff)


def test_a_prepared_start_is_one_read_and_one_update_besides_the_session(city, exam):
    """In production the session and the exam's facts come from Redis: two statements."""
    first, second = _person(city), _person(city)
    exam_session_prepare_papers(session=exam)
    assert _start(_signed_in(first[0]), exam).status_code == 200  # the exam's facts cached
    client = _signed_in(second[0])
    with CaptureQueriesContext(connection) as ctx:
        response = _start(client, exam)
    assert response.status_code == 200
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) == 3, statements
    assert "django_session" in statements[0]
    assert statements[1].startswith("SELECT") and statements[2].startswith("UPDATE")
    assert not [s for s in statements if "exams_examsession" in s or "exams_attemptitem" in s]

    attempt = _prepared(exam, second[1])
    assert attempt.status == AttemptStatus.IN_PROGRESS
    body = response.json()
    assert body == {**attempt_payload(attempt), "remaining_seconds": body["remaining_seconds"]}
    assert body["deadline"] == attempt.deadline.isoformat()
    assert 3590 < body["remaining_seconds"] <= 3600
    assert response["Cache-Control"] == "private, no-store"


def test_a_resume_through_the_rest_view_gives_the_answer_of_the_lean_start(city, exam):
    """The lean start sends the paper as prepared; the REST view (a second tab, a
    reload) builds it from the items: the same fields, paper and deadline."""
    user, staff = _person(city)
    exam_session_prepare_papers(session=exam)
    lean = _start(_signed_in(user), exam).json()
    with CaptureQueriesContext(connection) as ctx:
        rest = _start(_signed_in(user), exam).json()
    assert [q for q in ctx.captured_queries if "exams_attemptitem" in q["sql"]]  # the stack
    assert set(rest) == set(lean)
    assert rest["id"] == lean["id"] and rest["deadline"] == lean["deadline"]
    assert rest["items"] == lean["items"] and rest["integrity"] == lean["integrity"]
    assert _prepared(exam, staff).status == AttemptStatus.IN_PROGRESS


def test_one_device_at_a_time_claims_the_paper_for_the_starting_device(city, exam):
    exam.one_device = True
    exam.save(update_fields=["one_device"])
    user, staff = _person(city)
    exam_session_prepare_papers(session=exam)
    response = _start(_signed_in(user), exam)
    assert response.status_code == 200
    device = response.cookies["exam_device"].value
    attempt = _prepared(exam, staff)
    assert attempt.device == device and attempt.status == AttemptStatus.IN_PROGRESS
    assert response.json()["integrity"] == integrity_options(attempt)


def _refused_unchanged(response, exam, staff, status):
    assert response.status_code == status, response.content
    attempt = _prepared(exam, staff)
    assert attempt.status == AttemptStatus.PREPARED and attempt.started_at is None


def test_someone_no_longer_on_the_list_is_refused_and_the_paper_stays(city, exam):
    user, staff = _person(city)
    exam_session_prepare_papers(session=exam)
    staff.department = city.township_b1  # moved out of county A after the drawing
    staff.save(update_fields=["department"])
    response = _start(_signed_in(user), exam)
    _refused_unchanged(response, exam, staff, 409)
    assert response.json()["detail"]


def test_someone_who_left_is_refused_and_the_paper_stays(city, exam):
    user, staff = _person(city)
    exam_session_prepare_papers(session=exam)
    staff.status = StaffStatus.LEFT
    staff.save(update_fields=["status"])
    assert _start(_signed_in(user), exam).status_code in (404, 409)
    assert _prepared(exam, staff).status == AttemptStatus.PREPARED


def test_before_the_doors_open_nothing_starts(city):
    make_bank()
    now = timezone.now()
    exam = open_session(
        city.county_a,
        departments=[city.county_a],
        opens=now + datetime.timedelta(hours=1),
        closes=now + datetime.timedelta(hours=3),
    )
    ExamSession.objects.filter(pk=exam.pk).update(published=True)
    user, staff = _person(city)
    exam_session_prepare_papers(session=exam)
    _refused_unchanged(_start(_signed_in(user), exam), exam, staff, 409)


def test_an_administrator_without_two_factor_goes_through_the_stack(city, exam):
    user = make_user_with_role(Role.ADMINISTRATOR, city.city)
    staff = StaffFactory(department=city.township_a1, user=user)
    exam_session_prepare_papers(session=exam)
    response = _start(_signed_in(user), exam)
    _refused_unchanged(response, exam, staff, 403)
    assert response.json()["code"] == "mfa_required"
    add_totp(user)
    assert _start(_signed_in(user), exam).status_code == 200


def test_a_pending_password_change_comes_first(city, exam):
    user, staff = _person(city)
    user.must_change_password = True
    user.save(update_fields=["must_change_password"])
    exam_session_prepare_papers(session=exam)
    response = _start(_signed_in(user), exam)
    _refused_unchanged(response, exam, staff, 403)
    assert response.json()["code"] == "password_change_required"


def test_a_session_from_before_a_password_change_starts_nothing(city, exam):
    user, staff = _person(city)
    exam_session_prepare_papers(session=exam)
    client = _signed_in(user)
    user.set_password("another-long-passphrase-2026")
    user.save(update_fields=["password"])
    _refused_unchanged(_start(client, exam), exam, staff, 403)


def test_without_a_csrf_token_nothing_starts(city, exam):
    user, staff = _person(city)
    exam_session_prepare_papers(session=exam)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    _refused_unchanged(_start(browser, exam), exam, staff, 403)
    browser.get("/exams/")  # sets the CSRF cookie, as the exam page does
    token = browser.cookies["csrftoken"].value
    assert _start(browser, exam, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_an_idle_session_starts_nothing(city, exam, settings):
    user, staff = _person(city)
    exam_session_prepare_papers(session=exam)
    client = _signed_in(user)
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 10
    session.save()
    response = _start(client, exam)
    assert response.status_code in (302, 403)
    assert _prepared(exam, staff).status == AttemptStatus.PREPARED


def test_a_change_of_the_session_reaches_the_next_start(
    city, exam, coordinator_a, django_capture_on_commit_callbacks
):
    """The exam's settings are cached for its window; a change forgets them."""
    ExamSession.objects.filter(pk=exam.pk).update(
        closes_at=timezone.now() + datetime.timedelta(minutes=30)
    )
    exam.refresh_from_db()
    first, second = _person(city), _person(city)
    exam_session_prepare_papers(session=exam)
    early = _start(_signed_in(first[0]), exam).json()
    assert early["deadline"] == exam.closes_at.isoformat()  # the window closes first
    later = exam.closes_at + datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        exam_session_update(session=exam, fields={"closes_at": later}, acting_user=coordinator_a)
    response = _start(_signed_in(second[0]), exam)
    attempt = _prepared(exam, second[1])
    assert response.json()["deadline"] == attempt.deadline.isoformat()
    assert attempt.deadline < later
    assert attempt.deadline - attempt.started_at == datetime.timedelta(minutes=60)


def test_an_audience_change_in_the_admin_forgets_the_cached_facts(
    city, exam, administrator, django_capture_on_commit_callbacks
):
    assert start_facts(exam).paths == (city.county_a.path,)
    request = RequestFactory().post("/admin/")
    request.user = administrator
    form = modelform_factory(ExamSession, fields=["audience_departments"])(
        {"audience_departments": [city.county_a.pk, city.county_b.pk]}, instance=exam
    )
    assert form.is_valid(), form.errors
    form.save(commit=False)
    with django_capture_on_commit_callbacks(execute=True):
        ExamSessionAdmin(ExamSession, site).save_related(request, form, [], change=True)
    assert cache.get(f"exams:start-facts:v2:{exam.public_id}") is None
    assert set(start_facts(exam).paths) == {city.county_a.path, city.county_b.path}
