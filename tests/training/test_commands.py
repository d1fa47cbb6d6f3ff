"""Every scheduled job has a command that is safe to run twice."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from exams.models import ExamSession, KnowledgePoint
from exams.services import attempt_save, attempt_start, attempt_submit
from tests.factories import make_learner
from training import tasks
from training.models import Enrolment, GuidancePlan, MonthlyExam, WeeklyModule
from training.simulation import SimulatedClock

from .helpers import fill_bank, make_module, make_programme, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(city):
    programme = make_programme(city.county_a)
    track = make_track(programme)
    _user, staff = make_learner(city.township_a1)
    Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
    make_module(track, week=1, published=False)
    return programme, staff


@pytest.mark.parametrize(
    "name",
    ["training_enrolment_sync", "training_publish", "training_remind", "training_guidance"],
)
def test_each_command_runs_twice_without_error(programme, name, capsys):
    call_command(name)
    call_command(name)
    out = capsys.readouterr().out
    assert name in out
    assert "{" not in out and "[" not in out  # a sentence, not a Python dict or list


def test_publish_command_publishes_once(programme):
    call_command("training_publish")
    call_command("training_publish")
    assert WeeklyModule.objects.get().published_at is not None


def test_month_exam_and_guidance_commands_with_the_engine(programme):
    """The real engine, no stub: the command creates and publishes the month's exam, the
    learner sits it (badly) through the exam services, and after it closes the guidance
    command makes the plan from that attempt."""
    _programme, staff = programme
    point = KnowledgePoint.objects.create(name="政务服务平台")
    fill_bank([point], single=35, multiple=12, true_false=22)
    month = timezone.localdate().replace(day=1)
    next_month = (month + datetime.timedelta(days=32)).replace(day=2)

    runs = [io.StringIO(), io.StringIO()]
    with SimulatedClock(at(month, 2)).running():
        call_command("training_monthly_exams", stdout=runs[0])
        call_command("training_monthly_exams", stdout=runs[1])
    assert "created 1, held back 0" in runs[0].getvalue()
    assert "created 0, held back 0" in runs[1].getvalue()  # once per month
    session = ExamSession.objects.get(pk=MonthlyExam.objects.get().exam_session_id)
    assert session.published
    with SimulatedClock(at(month.replace(day=21), 10)).running():
        attempt = attempt_start(session=session, staff=staff)
        for item in attempt.items.all():
            attempt_save(
                attempt_id=attempt.public_id,
                user_id=staff.user_id,
                position=item.position,
                answer=["Z"],
                seq=1,
            )
        attempt = attempt_submit(attempt=attempt)
        call_command("finalise_attempts")  # exam day's finaliser scores the hand-in
        attempt.refresh_from_db()
    with SimulatedClock(at(next_month, 3)).running():
        call_command("training_guidance")
        call_command("training_guidance")

    plan = GuidancePlan.objects.get()
    assert plan.staff == staff and plan.failed_exam
    assert plan.exam_score == attempt.percent
    assert plan.weak_point_names == ["政务服务平台"] and plan.followup_session_id


def at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def test_tasks_enqueue_and_run(programme):
    result = tasks.publish_modules_task.enqueue()
    assert result.return_value == 1
