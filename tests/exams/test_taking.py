"""Taking an exam: server deadline, saves that never lose or overwrite newer answers,
resume, two tabs, idempotent submit, finalisation at the deadline."""

import datetime
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from exams.models import Attempt, AttemptItem, AttemptStatus
from exams.services import (
    attempt_save,
    attempt_start,
    attempt_submit,
    attempts_finalise_overdue,
    attempts_score_handed_in,
    blueprint_check,
    exam_session_prepare_papers,
)

from ..factories import StaffFactory, UserFactory, make_learner
from .helpers import make_bank, open_session


@pytest.fixture
def learner(city):
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    return user, staff


@pytest.fixture
def session(city, learner):
    make_bank()
    return open_session(city.county_a, departments=[city.county_a])


def _api(client, method, url, data=None):
    return getattr(client, method)(
        url, data=json.dumps(data) if data is not None else None, content_type="application/json"
    )


def test_start_returns_the_paper_without_any_answer_key(client, session, learner):
    user, _staff = learner
    client.force_login(user)
    response = _api(client, "post", f"/api/exams/sessions/{session.public_id}/start/")
    assert response.status_code == 200
    body = response.json()
    assert len(body["items"]) == 10
    assert 3590 <= body["remaining_seconds"] <= 3600
    text = response.content.decode()
    for item in AttemptItem.objects.all():
        if item.type == "fill_blank":
            assert "一网通辦" not in text  # the accepted answer (the stem names 一网通办)
    assert '"key": ["' not in text and "explanation" not in text
    assert "因为乙" not in text


def test_start_is_idempotent_two_tabs_share_one_attempt(session, learner):
    _, staff = learner
    first = attempt_start(session=session, staff=staff)
    second = attempt_start(session=session, staff=staff)
    assert first.pk == second.pk
    assert Attempt.objects.count() == 1
    assert first.deadline == second.deadline


def test_deadline_is_the_earlier_of_duration_plus_extra_time_and_the_close(city, learner):
    _, staff = learner
    make_bank()
    now = timezone.now()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        minutes=60,
        closes=now + datetime.timedelta(minutes=30),
    )
    attempt = attempt_start(session=session, staff=staff, now=now)
    assert attempt.deadline == session.closes_at
    other = open_session(city.county_a, departments=[city.county_a], minutes=60)
    other.extra_times.create(staff=staff, minutes=15)
    attempt = attempt_start(session=other, staff=staff, now=now)
    assert attempt.deadline == now + datetime.timedelta(minutes=75)


def test_an_older_save_never_overwrites_a_newer_one(session, learner):
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    assert attempt_save(
        attempt_id=attempt.public_id, user_id=user.pk, position=1, answer=["B"], seq=5
    ).saved
    stale = attempt_save(
        attempt_id=attempt.public_id, user_id=user.pk, position=1, answer=["A"], seq=4
    )
    assert not stale.saved and stale.reason == "stale" and stale.seq == 5
    item = attempt.items.get(position=1)
    assert item.answer == ["B"] and item.seq == 5


def test_a_save_after_the_deadline_is_refused(session, learner):
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    later = attempt.deadline + datetime.timedelta(seconds=1)
    result = attempt_save(
        attempt_id=attempt.public_id, user_id=user.pk, position=1, answer=["B"], seq=1, now=later
    )
    assert not result.saved and result.reason == "closed"
    assert attempt.items.get(position=1).answer is None


def test_someone_else_cannot_save_into_my_attempt(session, learner, city):
    _, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    intruder = UserFactory()
    StaffFactory(department=city.township_a1, user=intruder)
    result = attempt_save(
        attempt_id=attempt.public_id, user_id=intruder.pk, position=1, answer=["B"], seq=1
    )
    assert result.reason == "missing"
    assert attempt.items.get(position=1).seq == 0


def test_the_save_endpoint_runs_at_most_two_sql_statements(client, session, learner):
    """The lean save path (exams/api/fastpath.py): the session row (Redis in
    production) and the one conditional UPDATE."""
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    client.force_login(user)
    client.get("/healthz")  # session housekeeping done
    _api(
        client,
        "post",
        f"/api/exams/attempts/{attempt.public_id}/save/",
        {"item": 1, "answer": ["A"], "seq": 1},
    )
    with CaptureQueriesContext(connection) as ctx:
        response = _api(
            client,
            "post",
            f"/api/exams/attempts/{attempt.public_id}/save/",
            {"item": 2, "answer": ["B"], "seq": 2},
        )
    assert response.json() == {"saved": True, "seq": 2, "reason": ""}
    statements = [
        q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))
    ]
    assert len(statements) <= 2, statements


def test_resume_on_another_device_shows_saved_answers_and_the_same_time(client, session, learner):
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    attempt_save(attempt_id=attempt.public_id, user_id=user.pk, position=3, answer=["A"], seq=7)
    client.force_login(user)
    body = client.get(f"/api/exams/attempts/{attempt.public_id}/").json()
    item = next(i for i in body["items"] if i["position"] == 3)
    assert item["answer"] == ["A"] and item["seq"] == 7
    expected = (attempt.deadline - timezone.now()).total_seconds()
    assert abs(body["remaining_seconds"] - expected) <= 2


def test_the_state_gives_the_answers_stored_after_a_save_number(client, session, learner):
    """What a page rendered before its last save was stored asks for (exam.js)."""
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    attempt_save(attempt_id=attempt.public_id, user_id=user.pk, position=2, answer=["B"], seq=3)
    attempt_save(attempt_id=attempt.public_id, user_id=user.pk, position=5, answer=["A"], seq=4)
    client.force_login(user)
    url = f"/api/exams/attempts/{attempt.public_id}/state/"
    assert "answers" not in client.get(url).json()  # the light check stays light
    assert client.get(url, {"after": 3}).json()["answers"] == [
        {"position": 5, "answer": ["A"], "seq": 4}
    ]
    assert [a["position"] for a in client.get(url, {"after": 0}).json()["answers"]] == [2, 5]
    assert "answers" not in client.get(url, {"after": "x"}).json()


def test_submit_is_idempotent_and_scores_objective_items(session, learner):
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    for item in attempt.items.all():
        attempt_save(
            attempt_id=attempt.public_id,
            user_id=user.pk,
            position=item.position,
            answer={"fill_blank": ["一网通办"], "short_answer": "我的回答"}.get(
                item.type, item.key
            ),
            seq=1,
        )
    first = attempt_submit(attempt=attempt)
    finished_at = first.finished_at
    # The hand-in closes the attempt at once; the batched scorer scores it.
    assert first.status == AttemptStatus.HANDED_IN and first.score is None
    assert attempts_score_handed_in() == 1
    second = attempt_submit(attempt=attempt)
    assert second.status == AttemptStatus.SUBMITTED and second.finished_at == finished_at
    assert second.score == 80  # everything right but the two short answers (to grade)
    assert second.needs_grading and second.passed is None


def test_finalisation_at_the_deadline_keeps_saved_answers_and_uses_the_deadline(session, learner):
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    single = attempt.items.filter(type="single").first()
    attempt_save(
        attempt_id=attempt.public_id, user_id=user.pk, position=single.position, answer=["B"], seq=1
    )
    assert attempts_finalise_overdue(now=attempt.deadline - datetime.timedelta(seconds=1)) == 0
    assert attempts_finalise_overdue(now=attempt.deadline + datetime.timedelta(seconds=30)) == 1
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINALISED
    assert attempt.finished_at == attempt.deadline
    assert attempt.items.get(position=single.position).awarded == 10
    assert attempts_finalise_overdue(now=attempt.deadline + datetime.timedelta(minutes=5)) == 0


def test_prepared_papers_make_start_a_single_update(
    session, learner, city, django_assert_max_num_queries
):
    _, staff = learner
    for _ in range(3):
        make_learner(city.township_a2)
    no_account = StaffFactory(department=city.township_a2)  # cannot start: drawn if they do
    assert exam_session_prepare_papers(session=session) == 4
    assert exam_session_prepare_papers(session=session) == 0  # safe twice
    assert AttemptItem.objects.count() == 40
    assert not Attempt.objects.filter(staff=no_account).exists()
    attempt = Attempt.objects.get(staff=staff)
    assert attempt.status == AttemptStatus.PREPARED and attempt.max_score == 100
    started = attempt_start(session=session, staff=staff)
    assert started.pk == attempt.pk and started.status == AttemptStatus.IN_PROGRESS
    assert AttemptItem.objects.count() == 40


def test_papers_differ_between_neighbours_and_reproduce_from_the_seed(session, learner, city):
    from exams.services import PaperDrawer

    _, staff = learner
    neighbour = StaffFactory(department=city.township_a1)
    a = attempt_start(session=session, staff=staff)
    b = attempt_start(session=session, staff=neighbour)
    stems = lambda att: [i.stem for i in att.items.order_by("position")]  # noqa: E731
    assert stems(a) != stems(b)
    redrawn = [q.stem for q, _points, _order in PaperDrawer(session).draw(a.seed)]
    assert redrawn == stems(a)


def test_people_outside_the_audience_cannot_start(session, city, client):
    user = UserFactory()
    StaffFactory(department=city.township_b1, user=user)
    client.force_login(user)
    response = _api(client, "post", f"/api/exams/sessions/{session.public_id}/start/")
    assert response.status_code == 404
    assert not Attempt.objects.exists()


def test_blueprint_check_reports_shortages(city, learner):
    make_bank(per_type=1)
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[{"type": "single", "count": 20, "points": 5}],
    )
    shortages = blueprint_check(session=session)
    assert len(shortages) == 1
    assert "20" in shortages[0].message() and "3" in shortages[0].message()


def test_finalise_command_and_tasks(session, learner, city):
    from io import StringIO

    from django.core.management import call_command

    from exams.tasks import finalise_overdue, prepare_papers

    _, staff = learner
    result = prepare_papers.enqueue(session.pk)
    assert result.return_value == 1
    attempt = attempt_start(session=session, staff=staff)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=5)
    )
    out = StringIO()
    call_command("finalise_attempts", stdout=out)
    assert "finalised 1" in out.getvalue()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINALISED
    assert finalise_overdue.enqueue().return_value == 0


@pytest.mark.parametrize("answer", [{"a": 1}, [1, 2], ["x"] * 21, "字" * 10_001])
def test_malformed_answers_are_refused_with_400(client, session, learner, answer):
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    client.force_login(user)
    response = _api(
        client,
        "post",
        f"/api/exams/attempts/{attempt.public_id}/save/",
        {"item": 1, "answer": answer, "seq": 1},
    )
    assert response.status_code == 400
    assert attempt.items.get(position=1).seq == 0


def test_nul_characters_and_lone_surrogates_are_dropped_not_a_server_error(
    client, session, learner
):
    user, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    client.force_login(user)
    body = '{"item": 1, "answer": ["a\\u0000b\\ud800c"], "seq": 1}'
    response = client.post(
        f"/api/exams/attempts/{attempt.public_id}/save/", data=body, content_type="application/json"
    )
    assert response.status_code == 200
    assert attempt.items.get(position=1).answer == ["abc"]


def _start_statements(client, city, *, questions_per_rule: int) -> int:
    """SQL statements for a learner's first start of a prepared paper in a mass start
    (another learner started just before, so the session's audience facts are cached)."""
    first, user = UserFactory(), UserFactory()
    StaffFactory(department=city.township_a1, user=first)
    StaffFactory(department=city.township_a1, user=user)
    exam = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {"type": t, "count": questions_per_rule, "points": 1}
            for t in ("single", "multiple", "true_false", "fill_blank")
        ],
    )
    exam_session_prepare_papers(session=exam)
    client.force_login(first)
    assert _api(client, "post", f"/api/exams/sessions/{exam.public_id}/start/").status_code == 200
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = _api(client, "post", f"/api/exams/sessions/{exam.public_id}/start/")
    assert response.status_code == 200
    assert len(response.json()["items"]) == 4 * questions_per_rule
    client.logout()
    return len(
        [q for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    )


def test_mass_start_costs_the_same_few_statements_whatever_the_paper_size(client, city):
    """Starting a prepared paper draws nothing and reads no item: the lean start path
    (exams/api/fastpath.py) reads the person's row with their attempt and runs one
    UPDATE that returns the prepared paper; the exam's settings, audience and extra time
    come from its cached facts; no audit entry. The same for 4 questions as for 16."""
    make_bank(per_type=4)
    small = _start_statements(client, city, questions_per_rule=1)
    large = _start_statements(client, city, questions_per_rule=4)
    assert small == large
    # The session row read and (first request after signing in) its last-seen time
    # written: Redis in production. Then one SELECT and one UPDATE.
    assert large == 4


def test_the_finalising_loop_survives_the_database_going_away(session, learner, monkeypatch):
    """Exam day: PostgreSQL restarts while `finalise_attempts --loop` runs. The loop
    must carry on and close the overdue attempt once the database answers again (the
    exam-day benchmark's fault run found the loop dying here)."""
    from io import StringIO

    from django.core.management import call_command
    from django.db import OperationalError

    from exams.management.commands import finalise_attempts as command

    _, staff = learner
    attempt = attempt_start(session=session, staff=staff)
    Attempt.objects.filter(pk=attempt.pk).update(
        deadline=timezone.now() - datetime.timedelta(seconds=5)
    )
    real = command.attempts_finalise_overdue
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) <= 2:
            raise OperationalError("server closed the connection unexpectedly")
        return real()

    class Stop(Exception):
        pass

    def sleep(_seconds):
        if len(calls) >= 3:
            raise Stop

    monkeypatch.setattr(command, "attempts_finalise_overdue", flaky)
    monkeypatch.setattr(command, "close_old_connections", lambda: None)
    monkeypatch.setattr(command.connection, "close", lambda: None)
    monkeypatch.setattr(command.time, "sleep", sleep)
    out = StringIO()
    with pytest.raises(Stop):
        call_command("finalise_attempts", "--loop", "1", stdout=out)
    assert len(calls) == 3
    assert "finalised 1" in out.getvalue()
    attempt.refresh_from_db()
    assert attempt.status == AttemptStatus.FINALISED
    assert attempt.finished_at == attempt.deadline


def test_a_prepared_paper_is_sent_as_drawn_without_reading_the_items(client, city):
    """Papers drawn ahead are stored ready to send: the start of one reads no item and
    returns exactly what the page would build from the items (never the key); the
    hand-in clears the copy."""
    from exams.selectors import attempt_payload

    make_bank()
    user = UserFactory()
    StaffFactory(department=city.township_a1, user=user)
    exam = open_session(city.county_a, departments=[city.county_a])
    exam_session_prepare_papers(session=exam)
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = _api(client, "post", f"/api/exams/sessions/{exam.public_id}/start/")
    assert response.status_code == 200
    assert not [q for q in ctx.captured_queries if "exams_attemptitem" in q["sql"]]
    body = response.json()
    attempt = Attempt.objects.get(public_id=body["id"])
    assert body["items"] == attempt_payload(attempt)["items"]
    assert body["status"] == "in_progress" and body["remaining_seconds"] > 3500
    fields = {"position", "type", "stem", "options", "points", "answer", "seq"}
    assert all(set(item) == fields for item in body["items"])  # no key, no explanation
    again = _api(client, "post", f"/api/exams/sessions/{exam.public_id}/start/").json()
    assert again["items"] == body["items"]  # a second tab: read from the items
    attempt_submit(attempt=attempt)
    assert Attempt.objects.defer(None).get(pk=attempt.pk).paper == ""
