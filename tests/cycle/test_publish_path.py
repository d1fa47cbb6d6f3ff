"""One publish path for every session the cycle makes (monthly, make-up, follow-up,
weekly quiz): the blueprint is checked and papers are drawn ahead, as for a
coordinator's session; a short bank keeps the session closed and tells the responsible
coordinators which rules are short. Checks are drawn from what the bank has."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from exams.models import Attempt, AttemptStatus, ExamSession, KnowledgePoint
from organisation.models import Role
from tests.factories import make_learner, make_user_with_role
from tests.training.helpers import fill_bank, make_programme, make_track
from training import exams_adapter
from training.models import Enrolment, Notification
from training.services import monthly_exam_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(city):
    programme = make_programme(city.city)
    track = make_track(programme)
    people = []
    for unit in (city.township_a1, city.township_b1):
        _user, staff = make_learner(unit)
        Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
        people.append(staff)
    return programme, people


def test_a_short_bank_keeps_the_monthly_exam_closed_and_tells_the_coordinators(city, programme):
    programme, _people = programme
    city_coordinator = make_user_with_role(Role.COORDINATOR, city.city)
    county_coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    point = KnowledgePoint.objects.create(name="政策法规")
    fill_bank([point], single=12, multiple=4, true_false=8)  # 30 single are asked

    exam = monthly_exam_create(programme=programme, month=timezone.localdate())
    err = io.StringIO()
    out = io.StringIO()
    call_command("training_monthly_exams", stdout=out, stderr=err)

    session = ExamSession.objects.get(pk=exam.exam_session_id)
    assert not session.published
    notice = Notification.objects.get(user=city_coordinator, key=f"bank-short:{session.pk}")
    assert "30" in notice.body and "12" in notice.body  # the single-choice rule, named
    assert not Notification.objects.filter(user=county_coordinator).exists()  # not theirs
    assert "held back 1" in out.getvalue()
    assert "30" in err.getvalue()


def test_a_full_bank_publishes_the_monthly_exam_with_papers_drawn_ahead(
    city, programme, django_capture_on_commit_callbacks
):
    programme, people = programme
    point = KnowledgePoint.objects.create(name="政策法规")
    fill_bank([point], single=35, multiple=12, true_false=22)

    with django_capture_on_commit_callbacks(execute=True):
        exam = monthly_exam_create(programme=programme, month=timezone.localdate())

    session = ExamSession.objects.get(pk=exam.exam_session_id)
    assert session.published and session.papers_prepared_at is not None
    prepared = Attempt.objects.filter(session=session, status=AttemptStatus.PREPARED)
    assert set(prepared.values_list("staff_id", flat=True)) == {p.pk for p in people}
    assert not Notification.objects.filter(key__startswith="bank-short:").exists()


def test_a_check_uses_any_objective_type_then_the_parent_point(city):
    parent = KnowledgePoint.objects.create(name="政务服务平台操作")
    child = KnowledgePoint.objects.create(name="电子证照", parent=parent)
    rich = KnowledgePoint.objects.create(name="政策法规")
    fill_bank([rich], single=1, multiple=2, true_false=3)  # no 5 single, 6 objective
    fill_bank([parent], single=4, multiple=0, true_false=4)
    fill_bank([child], single=1, multiple=0, true_false=0)  # too few on its own

    plan = exams_adapter.check_rules(knowledge_point_ids=[rich.pk, child.pk], per_point=5)

    by_point = {}
    for rule in plan.rules:
        by_point.setdefault(rule["knowledge_point_id"], {})[rule["type"]] = rule["count"]
    assert sum(by_point[rich.pk].values()) == 5
    assert by_point[rich.pk]["single"] <= 1 and by_point[rich.pk]["multiple"] <= 2
    assert child.pk not in by_point and sum(by_point[parent.pk].values()) == 5
    assert any("电子证照" in p and "政务服务平台操作" in p for p in plan.problems)


def test_a_point_without_questions_is_reported(city):
    empty = KnowledgePoint.objects.create(name="帮办代办")

    plan = exams_adapter.check_rules(knowledge_point_ids=[empty.pk], per_point=5)

    assert plan.rules == []
    assert plan.problems and "帮办代办" in plan.problems[0]


def test_a_start_the_bank_can_no_longer_fill_is_a_clear_refusal_never_a_500(city, client):
    from decimal import Decimal

    from exams.models import Question, QuestionStatus
    from exams.services import exam_session_create

    user, staff = make_learner(city.township_a1)
    point = KnowledgePoint.objects.create(name="政策法规")
    fill_bank([point], single=5, multiple=0, true_false=0)
    now = timezone.now()
    session = exam_session_create(
        title="月考",
        kind="monthly",
        department=city.city,
        opens_at=now - datetime.timedelta(minutes=5),
        closes_at=now + datetime.timedelta(hours=2),
        staff_ids=[staff.pk],
        rules=[{"type": "single", "count": 5, "points": Decimal(20)}],
    )
    Question.objects.filter(stem="政策法规单选0").update(status=QuestionStatus.RETIRED)
    client.force_login(user)

    page = client.post(f"/exams/sessions/{session.public_id}/start/", follow=True)
    api = client.post(f"/api/exams/sessions/{session.public_id}/start/")

    assert page.status_code == 200
    assert "题库正在补充" in page.content.decode()
    assert api.status_code == 409 and "题库正在补充" in api.json()["detail"]
    assert not Attempt.objects.filter(session=session).exists()
