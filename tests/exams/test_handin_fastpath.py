"""The lean hand-in (exams/api/fastpath.py): in progress, before the deadline, from the
device that holds the attempt, a learner's account: one locking read and one
conditional UPDATE besides the session, the same answer as the REST view, and the audit
entry written by the batched scorer at the hand-in's time. Everything else answers
through the REST view as before."""

import datetime
import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from exams.api.learner import _result
from exams.models import Attempt, AttemptStatus
from exams.services import attempt_start, attempts_finalise_overdue, attempts_score_handed_in
from organisation.models import Role

from ..factories import StaffFactory, UserFactory, make_user_with_role
from .helpers import make_bank, open_session


@pytest.fixture
def exam(city):
    make_bank()
    return open_session(city.county_a, departments=[city.county_a])


def _person(city):
    user = UserFactory()
    return user, StaffFactory(department=city.township_a1, user=user)


def _signed_in(user, **client) -> Client:
    browser = Client(**client)
    browser.force_login(user)
    session = browser.session
    session["last_seen"] = int(time.time())  # signed in a moment ago
    session.save()
    return browser


def _submit(browser, attempt, **extra):
    return browser.post(
        f"/api/exams/attempts/{attempt.public_id}/submit/",
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **extra,
    )


def _unchanged(attempt):
    again = Attempt.objects.get(pk=attempt.pk)
    assert again.status == AttemptStatus.IN_PROGRESS and again.finished_at is None


def _writes(ctx) -> list[str]:
    return [
        q["sql"]
        for q in ctx.captured_queries
        if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))
    ]


def test_a_hand_in_is_one_locking_read_and_one_update_besides_the_session(city, exam):
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    browser = _signed_in(user)
    before = timezone.now()
    with CaptureQueriesContext(connection) as ctx:
        response = _submit(browser, attempt)
    assert response.status_code == 200, response.content
    statements = _writes(ctx)
    # The session row (the database session engine of the tests; Redis in production),
    # the attempt locked with the account, the conditional UPDATE: no audit chain.
    assert len(statements) == 3, statements
    assert "django_session" in statements[0]
    assert statements[1].startswith("SELECT") and statements[2].startswith("UPDATE")
    if connection.vendor == "postgresql":
        assert "FOR NO KEY UPDATE" in statements[1]
    assert not [s for s in statements if "audit_" in s or "exams_attemptitem" in s]

    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.HANDED_IN
    assert before <= attempt.finished_at <= timezone.now()
    assert attempt.paper == ""
    assert response.json() == _result(attempt)  # what the REST view answers
    assert not AuditEntry.objects.filter(action="exam.attempt_submitted").exists()


def test_the_scorer_audits_the_hand_in_at_its_time(city, exam):
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    assert _submit(_signed_in(user), attempt).status_code == 200
    attempt.refresh_from_db()

    assert attempts_score_handed_in() == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.SUBMITTED
    entry = AuditEntry.objects.get(action="exam.attempt_submitted")
    assert entry.target_type == "exams.attempt" and entry.target_id == str(attempt.public_id)
    assert entry.at == attempt.finished_at
    assert list(audit_chain_verify()) == []
    attempts_score_handed_in()  # nothing waiting: no second entry
    assert AuditEntry.objects.filter(action="exam.attempt_submitted").count() == 1


def test_a_second_hand_in_answers_as_the_first(city, exam):
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    browser = _signed_in(user)
    first = _submit(browser, attempt)
    finished_at = Attempt.objects.get(pk=attempt.pk).finished_at
    second = _submit(browser, attempt)
    assert second.status_code == 200
    assert second.json() == first.json()
    assert Attempt.objects.get(pk=attempt.pk).finished_at == finished_at


def test_a_scored_attempt_answers_through_the_rest_view(city, exam):
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    browser = _signed_in(user)
    _submit(browser, attempt)
    attempts_score_handed_in()
    response = _submit(browser, attempt)
    assert response.status_code == 200
    assert response.json() == _result(Attempt.objects.get(pk=attempt.pk))
    assert response.json()["status"] == AttemptStatus.SUBMITTED


def test_another_device_is_refused_and_the_attempt_stays_open(city, exam):
    exam.one_device = True
    exam.save()
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff, device="a" * 32)
    browser = _signed_in(user)
    response = _submit(browser, attempt, HTTP_X_EXAM_DEVICE="b" * 32)
    assert response.status_code == 409
    assert response.json()["reason"] == "device"
    _unchanged(attempt)
    assert _submit(browser, attempt, HTTP_X_EXAM_DEVICE="a" * 32).status_code == 200
    assert Attempt.objects.get(pk=attempt.pk).status == AttemptStatus.HANDED_IN


def test_after_the_deadline_it_closes_at_the_deadline(city, exam):
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    deadline = timezone.now() - datetime.timedelta(seconds=5)
    Attempt.objects.filter(pk=attempt.pk).update(deadline=deadline)
    response = _submit(_signed_in(user), attempt)
    assert response.status_code == 200
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINALISED and attempt.finished_at == deadline


def test_someone_elses_attempt_is_not_found_refused_and_audited(city, exam):
    _, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    stranger, _ = _person(city)
    response = _submit(_signed_in(stranger), attempt)
    assert response.status_code == 404
    _unchanged(attempt)
    assert AuditEntry.objects.filter(target_id=str(attempt.public_id)).exists()


def test_an_administrator_goes_through_the_stack(city, exam):
    user = make_user_with_role(Role.ADMINISTRATOR, city.city)
    staff = StaffFactory(department=city.township_a1, user=user)
    attempt = attempt_start(session=exam, staff=staff)
    response = _submit(_signed_in(user), attempt)
    assert response.status_code == 403  # without two-factor: the stack refuses
    assert response.json()["code"] == "mfa_required"
    _unchanged(attempt)


def test_a_session_from_before_a_password_change_hands_in_nothing(city, exam):
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    browser = _signed_in(user)
    user.set_password("another-long-passphrase-2026")
    user.save(update_fields=["password"])
    assert _submit(browser, attempt).status_code == 403
    _unchanged(attempt)


def test_without_a_csrf_token_nothing_is_handed_in(city, exam):
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    browser = _signed_in(user, enforce_csrf_checks=True)
    assert _submit(browser, attempt).status_code == 403
    _unchanged(attempt)
    browser.get("/exams/")  # sets the CSRF cookie, as the exam page does
    token = browser.cookies["csrftoken"].value
    assert _submit(browser, attempt, HTTP_X_CSRFTOKEN=token).status_code == 200


def test_an_idle_session_hands_in_nothing(city, exam, settings):
    user, staff = _person(city)
    attempt = attempt_start(session=exam, staff=staff)
    browser = _signed_in(user)
    session = browser.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 10
    session.save()
    assert _submit(browser, attempt).status_code in (302, 403)
    _unchanged(attempt)


def test_the_finaliser_closes_the_overdue_and_scores_the_hand_ins_in_small_batches(city, exam):
    """Overdue attempts and hand-ins waiting, in batches of two: every overdue attempt
    closed at its deadline, every hand-in scored and audited once."""
    now = timezone.now()
    handed_in, overdue = [], []
    for n in range(5):
        user, staff = _person(city)
        attempt = attempt_start(session=exam, staff=staff)
        if n < 3:
            assert _submit(_signed_in(user), attempt).status_code == 200
            handed_in.append(attempt)
        else:
            Attempt.objects.filter(pk=attempt.pk).update(deadline=now)
            overdue.append(attempt)

    assert attempts_finalise_overdue(batch_size=2) == 2
    for attempt in overdue:
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.FINALISED and attempt.finished_at == now
    for attempt in handed_in:
        attempt.refresh_from_db()
        assert attempt.status == AttemptStatus.SUBMITTED and attempt.score is not None
    entries = AuditEntry.objects.filter(action="exam.attempt_submitted")
    assert sorted(e.target_id for e in entries) == sorted(str(a.public_id) for a in handed_in)
    assert list(audit_chain_verify()) == []
