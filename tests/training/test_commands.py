"""Every scheduled job has a command that is safe to run twice."""

from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from tests.factories import make_learner
from training import exams_adapter, tasks
from training.exams_adapter import ExamResult
from training.models import Enrolment, GuidancePlan, MonthlyExam, WeeklyModule

from .helpers import make_module, make_programme, make_track

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
    assert name in capsys.readouterr().out


def test_publish_command_publishes_once(programme):
    call_command("training_publish")
    call_command("training_publish")
    assert WeeklyModule.objects.get().published_at is not None


def test_month_exam_and_guidance_commands_with_the_engine(programme):
    _programme, staff = programme
    failing = {staff.pk: ExamResult(staff.pk, 40, False, {9: ("政务服务平台", 30.0)})}
    with (
        mock.patch.object(exams_adapter, "monthly_session_create", return_value=42),
        mock.patch.object(exams_adapter, "session_is_over", return_value=True),
        mock.patch.object(exams_adapter, "session_results", return_value=failing),
    ):
        call_command("training_monthly_exams")
        call_command("training_monthly_exams")
        call_command("training_guidance")
        call_command("training_guidance")

    assert MonthlyExam.objects.get().exam_session_id == 42
    plan = GuidancePlan.objects.get()
    assert plan.staff == staff and plan.failed_exam


def test_tasks_enqueue_and_run(programme):
    result = tasks.publish_modules_task.enqueue()
    assert result.return_value == 1
