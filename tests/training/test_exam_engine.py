"""The cycle with the real exam engine: the monthly session for the programme's
audience, a make-up sitting for whoever missed it, guidance computed from the recorded
per-knowledge-point results, and a follow-up quiz that closes the plan when passed."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import Attempt, AttemptItem, AttemptStatus, ExamSession, KnowledgePoint
from tests.factories import make_learner
from training import exams_adapter
from training.models import Enrolment, GuidancePlan, GuidanceStatus
from training.selectors import learner_home
from training.services import (
    guidance_followups_collect,
    guidance_generate,
    makeup_offer,
    monthly_exam_create,
)

from .helpers import fill_bank, make_lesson, make_module, make_programme, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle(city):
    programme = make_programme(city.county_a)
    track = make_track(programme)
    people = []
    for unit in (city.township_a1, city.township_a1, city.township_a2):
        _user, staff = make_learner(unit)
        Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
        people.append(staff)
    platform = KnowledgePoint.objects.create(name="政务服务平台操作")
    policy = KnowledgePoint.objects.create(name="政策法规")
    fill_bank([platform, policy], single=15, multiple=5, true_false=10)
    module = make_module(track, week=1, knowledge_point_ids=[platform.pk])
    make_lesson(module, title="一网通办平台操作")
    return programme, people, platform, policy


def sit(session, staff, percent, points):
    """A finished attempt with one item per knowledge point: {point: percent}."""
    attempt = Attempt.objects.create(
        session=session,
        staff=staff,
        seed=1,
        status=AttemptStatus.SUBMITTED,
        finished_at=timezone.now(),
        score=Decimal(percent),
        max_score=Decimal(100),
        percent=Decimal(percent),
        passed=percent >= 60,
    )
    for position, (point, pct) in enumerate(points.items(), start=1):
        AttemptItem.objects.create(
            attempt=attempt,
            position=position,
            type="single",
            stem="题",
            points=Decimal(10),
            awarded=Decimal(pct) / 10,
            knowledge_point_id=point.pk,
            knowledge_point_name=point.name,
        )
    return attempt


def close(session):
    ExamSession.objects.filter(pk=session.pk).update(
        opens_at=timezone.now() - datetime.timedelta(days=2),
        closes_at=timezone.now() - datetime.timedelta(minutes=1),
    )


def test_the_monthly_session_is_created_once_for_the_enrolled_audience(cycle):
    programme, people, _platform, _policy = cycle
    month = timezone.localdate().replace(day=1)

    first = monthly_exam_create(programme=programme, month=month)
    again = monthly_exam_create(programme=programme, month=month)

    assert first.pk == again.pk
    session = ExamSession.objects.get()
    assert session.kind == "monthly" and session.department == programme.department
    assert set(session.audience_staff.values_list("pk", flat=True)) == {p.pk for p in people}


def test_makeup_and_guidance_from_recorded_results(cycle):
    programme, people, platform, policy = cycle
    exam = monthly_exam_create(programme=programme, month=timezone.localdate().replace(day=1))
    session = ExamSession.objects.get(pk=exam.exam_session_id)
    sit(session, people[0], 45, {platform: 30, policy: 60})  # failed, weak on the platform
    sit(session, people[1], 90, {platform: 90, policy: 90})  # fine
    close(session)

    missed = makeup_offer(monthly_exam=exam)

    assert missed == [people[2].pk]
    makeup = ExamSession.objects.get(pk=exam.makeup_session_id)
    assert list(makeup.audience_staff.values_list("pk", flat=True)) == [people[2].pk]
    assert makeup_offer(monthly_exam=exam) == []

    close(makeup)
    created = guidance_generate(monthly_exam=exam).created

    assert [p.staff_id for p in created] == [people[0].pk]
    plan = GuidancePlan.objects.get()
    assert plan.failed_exam and plan.weak_point_names == ["政务服务平台操作"]
    assert plan.practice_set_id is not None
    followup = ExamSession.objects.get(pk=plan.followup_session_id)
    assert list(followup.audience_staff.values_list("pk", flat=True)) == [people[0].pk]

    sit(followup, people[0], 80, {platform: 80})
    assert guidance_followups_collect() == 1
    plan.refresh_from_db()
    assert plan.status == GuidanceStatus.CLOSED


def test_an_open_exam_is_the_learners_next_step(cycle):
    programme, people, _platform, _policy = cycle
    exam = monthly_exam_create(programme=programme, month=timezone.localdate().replace(day=1))
    ExamSession.objects.filter(pk=exam.exam_session_id).update(
        opens_at=timezone.now() - datetime.timedelta(hours=1),
        closes_at=timezone.now() + datetime.timedelta(hours=2),
    )
    home = learner_home(staff=people[0])
    assert home.next_step.kind == "exam"
    session = ExamSession.objects.get(pk=exam.exam_session_id)
    assert home.next_step.url == f"/exams/#session-{session.public_id}"  # its row on the list
    assert timezone.localdate().strftime("%Y-%m") in home.open_exams[0].title


def test_results_show_on_the_learners_home(cycle):
    programme, people, platform, policy = cycle
    exam = monthly_exam_create(programme=programme, month=timezone.localdate().replace(day=1))
    session = ExamSession.objects.get(pk=exam.exam_session_id)
    sit(session, people[1], 88, {platform: 90, policy: 85})
    lines = exams_adapter.recent_results(staff=people[1])
    assert [line.title for line in lines] == [session.title]


def test_publication_creates_the_weeks_practice_set_and_quiz_and_results_count(cycle):
    from exams.models import PracticeSet
    from training.models import ModuleCompletion, StudyHourCredit, WeeklyModule
    from training.services import modules_publish_due, weekly_quizzes_collect

    programme, people, platform, _policy = cycle
    track = programme.tracks.get()
    week2 = make_module(
        track,
        week=2,
        published=False,
        knowledge_points=["政务服务平台操作"],
        knowledge_point_ids=[],
    )

    modules_publish_due()
    modules_publish_due()

    week2 = WeeklyModule.objects.get(pk=week2.pk)
    practice = PracticeSet.objects.get(pk=week2.practice_set_id)
    assert (
        exams_adapter.practice_url(practice_set_id=practice.pk)
        == f"/exams/practice/?set={practice.pk}"
    )
    assert list(practice.knowledge_points.all()) == [platform]
    quiz = ExamSession.objects.get(pk=week2.quiz_session_id)
    assert quiz.kind == "weekly_quiz" and quiz.audience_staff.count() == 3
    assert ExamSession.objects.filter(kind="weekly_quiz").count() == 1

    sit(quiz, people[0], 80, {platform: 80})
    assert weekly_quizzes_collect() == 1
    assert weekly_quizzes_collect() == 0
    completion = ModuleCompletion.objects.get(staff=people[0], module=week2)
    assert completion.quiz_passed_at is not None
    assert StudyHourCredit.objects.get(staff=people[0], source="quiz").hours == Decimal("0.5")


def test_quiz_results_are_collected_until_a_fortnight_after_the_quiz_closed(cycle):
    """A daily run reads the quizzes whose results can still change or were closed
    recently (a missed run or two is caught up), not every quiz of the year."""
    from training.models import ModuleCompletion, WeeklyModule
    from training.services import modules_publish_due, weekly_quizzes_collect

    programme, people, platform, _policy = cycle
    track = programme.tracks.get()
    for week in (2, 3):
        make_module(
            track,
            week=week,
            published=False,
            knowledge_points=["政务服务平台操作"],
            knowledge_point_ids=[],
        )
    modules_publish_due()
    recent, old = WeeklyModule.objects.filter(week__in=(2, 3)).order_by("week")
    now = timezone.now()
    for module, days in ((recent, 13), (old, 15)):
        closed = now - datetime.timedelta(days=days)
        ExamSession.objects.filter(pk=module.quiz_session_id).update(
            opens_at=closed - datetime.timedelta(days=7), closes_at=closed
        )
    sit(ExamSession.objects.get(pk=recent.quiz_session_id), people[0], 80, {platform: 80})
    sit(ExamSession.objects.get(pk=old.quiz_session_id), people[0], 80, {platform: 80})

    assert weekly_quizzes_collect() == 1
    assert ModuleCompletion.objects.filter(
        staff=people[0], module=recent, quiz_score__isnull=False
    ).exists()
    assert not ModuleCompletion.objects.filter(
        staff=people[0], module=old, quiz_score__isnull=False
    ).exists()
