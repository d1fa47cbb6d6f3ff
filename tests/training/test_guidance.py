"""Monthly exam, make-up sittings and special guidance, computed from known results."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from certificates.models import SkillLevel
from certificates.services import certificate_record_external, certification_settings_get
from exams.models import ExamSession, KnowledgePoint
from exams.services import attempt_start, attempt_submit, attempts_score_handed_in, audience_staff
from organisation.models import Role
from tests.factories import make_learner, make_user_with_role
from training.exams_adapter import ExamResult
from training.models import (
    Enrolment,
    GuidancePlan,
    GuidanceStatus,
    MentorSession,
    MonthlyExam,
)
from training.selectors import guidance_groups, weak_points_by_unit
from training.services import (
    guidance_followup_record,
    guidance_generate,
    makeup_offer,
    mentor_session_record,
    monthly_exam_create,
)
from training.simulation import SimulatedClock

from .helpers import fill_bank, make_lesson, make_module, make_programme, make_track

pytestmark = pytest.mark.django_db

POLICY, ETIQUETTE, PLATFORM = 1, 2, 3
NAMES = {POLICY: "政策法规", ETIQUETTE: "服务礼仪", PLATFORM: "政务服务平台"}


def result(staff, score, **points):
    by_id = {
        POLICY: points.get("policy", 90),
        ETIQUETTE: points.get("etiquette", 90),
        PLATFORM: points.get("platform", 90),
    }
    return ExamResult(
        staff_id=staff.pk,
        score=Decimal(score),
        passed=score >= 60,
        points={k: (NAMES[k], float(v)) for k, v in by_id.items()},
    )


@pytest.fixture
def cycle(city):
    programme = make_programme(city.county_a, weak_point_threshold=60)
    track = make_track(programme)
    people = []
    for unit in (city.township_a1, city.township_a1, city.township_a2, city.township_a2):
        _user, staff = make_learner(unit)
        Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
        people.append(staff)
    module = make_module(
        track, week=1, knowledge_point_ids=[PLATFORM], knowledge_points=["政务服务平台"]
    )
    platform_lesson = make_lesson(module, title="一网通办平台操作")
    exam = MonthlyExam.objects.create(
        programme=programme, month=timezone.localdate().replace(day=1), exam_session_id=101
    )
    return programme, people, exam, platform_lesson


def test_weak_points_are_those_below_the_threshold(cycle):
    _p, people, exam, platform_lesson = cycle
    results = {people[0].pk: result(people[0], 75, platform=45, etiquette=59)}

    plans = guidance_generate(monthly_exam=exam, results=results).created

    assert len(plans) == 1
    plan = plans[0]
    assert [p["name"] for p in plan.weak_points] == ["政务服务平台", "服务礼仪"]  # weakest first
    assert plan.failed_exam is False
    assert list(plan.lessons.all()) == [platform_lesson]


def test_whoever_failed_always_gets_a_plan(cycle):
    _p, people, exam, _lesson = cycle
    results = {people[1].pk: result(people[1], 55, policy=61, etiquette=62, platform=70)}

    plan = guidance_generate(monthly_exam=exam, results=results).created[0]

    assert plan.failed_exam is True
    assert plan.weak_points  # the weakest points are targeted even if none is below 60


def test_people_who_passed_with_no_weak_point_get_no_plan(cycle):
    _p, people, exam, _lesson = cycle
    guidance_generate(monthly_exam=exam, results={people[2].pk: result(people[2], 92)})
    assert not GuidancePlan.objects.exists()


def test_the_threshold_is_configurable(cycle):
    programme, people, exam, _lesson = cycle
    programme.weak_point_threshold = 80
    programme.save()
    plan = guidance_generate(
        monthly_exam=exam, results={people[2].pk: result(people[2], 85, policy=75)}
    ).created[0]
    assert plan.weak_point_names == ["政策法规"]


def test_generation_is_safe_to_run_twice(cycle):
    _p, people, exam, _lesson = cycle
    results = {people[0].pk: result(people[0], 50, platform=30)}
    guidance_generate(monthly_exam=exam, results=results)
    guidance_generate(monthly_exam=exam, results=results)
    assert GuidancePlan.objects.count() == 1


def test_groups_and_units_sharing_weak_points(cycle):
    _p, people, exam, _lesson = cycle
    results = {
        people[0].pk: result(people[0], 70, platform=40),
        people[1].pk: result(people[1], 70, platform=50, policy=30),
        people[2].pk: result(people[2], 70, policy=20),
        people[3].pk: result(people[3], 95),
    }
    plans = list(guidance_generate(monthly_exam=exam, results=results).created)

    groups = {g.points: {p.staff_id for p in g.plans} for g in guidance_groups(plans=plans)}
    assert groups[("政务服务平台",)] == {people[0].pk, people[1].pk}
    assert groups[("政策法规",)] == {people[1].pk, people[2].pk}
    by_unit = {unit.code: dict(points) for unit, points in weak_points_by_unit(plans=plans)}
    assert by_unit["A1"] == {"政务服务平台": 2, "政策法规": 1}
    assert by_unit["A2"] == {"政策法规": 1}


def test_the_mentor_is_a_certified_colleague_or_else_the_coordinator(cycle, city):
    _p, people, exam, _lesson = cycle
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    results = {
        people[0].pk: result(people[0], 50, platform=30),
        people[2].pk: result(people[2], 50, platform=30),
    }
    certify(people[1], city)  # people[1] works in A1 with people[0]
    guidance_generate(monthly_exam=exam, results=results)

    assert GuidancePlan.objects.get(staff=people[0]).mentor == people[1]
    plan_a2 = GuidancePlan.objects.get(staff=people[2])
    assert plan_a2.mentor is None and plan_a2.mentor_user == coordinator


def test_a_passed_followup_closes_the_plan(cycle):
    _p, people, exam, _lesson = cycle
    plan = guidance_generate(
        monthly_exam=exam, results={people[0].pk: result(people[0], 50, platform=30)}
    ).created[0]

    guidance_followup_record(plan=plan, score=80)

    plan.refresh_from_db()
    assert plan.status == GuidanceStatus.CLOSED and plan.closed_at is not None
    with pytest.raises(ValidationError):
        guidance_followup_record(plan=plan, score=90)


def test_a_failed_followup_continues_into_the_next_cycle(cycle):
    programme, people, exam, _lesson = cycle
    plan = guidance_generate(
        monthly_exam=exam, results={people[0].pk: result(people[0], 50, platform=30)}
    ).created[0]
    guidance_followup_record(plan=plan, score=40)
    plan.refresh_from_db()
    assert plan.status == GuidanceStatus.OPEN

    next_month = MonthlyExam.objects.create(
        programme=programme, month=(exam.month + datetime.timedelta(days=32)).replace(day=1)
    )
    # Next month they pass with no weak point, but the open plan carries over.
    new = guidance_generate(
        monthly_exam=next_month, results={people[0].pk: result(people[0], 88)}
    ).created

    plan.refresh_from_db()
    assert plan.status == GuidanceStatus.CONTINUED
    assert len(new) == 1 and new[0].previous == plan
    assert new[0].weak_point_names == ["政务服务平台"]


def test_a_continued_plan_drops_what_the_new_exam_shows_mastered(cycle):
    programme, people, exam, _lesson = cycle
    plan = guidance_generate(
        monthly_exam=exam,
        results={people[0].pk: result(people[0], 50, platform=30, etiquette=40)},
    ).created[0]
    assert plan.weak_point_names == ["政务服务平台", "服务礼仪"]
    guidance_followup_record(plan=plan, score=40)
    next_month = MonthlyExam.objects.create(
        programme=programme, month=(exam.month + datetime.timedelta(days=32)).replace(day=1)
    )
    # Still weak on policy now and on etiquette, the platform mastered: the new plan
    # asks about what is still weak, this exam's first.
    new = guidance_generate(
        monthly_exam=next_month,
        results={people[0].pk: result(people[0], 55, policy=35, etiquette=45, platform=85)},
    ).created[0]
    assert new.previous == plan
    assert new.weak_point_names == ["政策法规", "服务礼仪"]


def test_monthly_exam_is_created_once_per_month_for_the_audience(cycle):
    programme, people, _exam, _lesson = cycle
    fill_bank(
        [KnowledgePoint.objects.create(name="政务服务平台")], single=35, multiple=12, true_false=22
    )
    month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=40)).replace(day=1)

    first = monthly_exam_create(programme=programme, month=month)
    second = monthly_exam_create(programme=programme, month=month + datetime.timedelta(days=3))

    assert first.pk == second.pk and first.exam_session_id is not None
    session = ExamSession.objects.get(pk=first.exam_session_id)
    assert ExamSession.objects.filter(kind=session.kind, title=session.title).count() == 1
    audience = set(audience_staff(session=session).values_list("pk", flat=True))
    assert audience == {p.pk for p in people}


def _sat_and_closed(programme, people, on_commit):
    """The month's exam on the real engine: the first two people sit it, then it closes."""
    fill_bank(
        [KnowledgePoint.objects.create(name="政务服务平台")], single=35, multiple=12, true_false=22
    )
    # Next month: the fixture's monthly exam of this month has no session in the engine.
    month = (timezone.localdate().replace(day=1) + datetime.timedelta(days=40)).replace(day=1)
    with SimulatedClock(_at(month, 2)).running(), on_commit(execute=True):
        exam = monthly_exam_create(programme=programme, month=month)  # published, papers drawn
    session = ExamSession.objects.get(pk=exam.exam_session_id)
    assert session.published
    with SimulatedClock(session.opens_at + datetime.timedelta(minutes=5)).running():
        for staff in people[:2]:
            attempt_submit(attempt=attempt_start(session=session, staff=staff))
        attempts_score_handed_in()
    return exam, session


def test_a_makeup_sitting_is_offered_once_to_whoever_missed_it(
    cycle, django_capture_on_commit_callbacks
):
    programme, people, _exam, _lesson = cycle
    exam, session = _sat_and_closed(programme, people, django_capture_on_commit_callbacks)

    with SimulatedClock(session.closes_at + datetime.timedelta(hours=1)).running():
        missed = makeup_offer(monthly_exam=exam)
        again = makeup_offer(monthly_exam=exam)

    assert missed == sorted([people[2].pk, people[3].pk])
    assert again == []
    exam.refresh_from_db()
    makeup = ExamSession.objects.get(pk=exam.makeup_session_id)
    assert set(audience_staff(session=makeup).values_list("pk", flat=True)) == set(missed)


def test_no_makeup_before_the_sitting_is_over(cycle, django_capture_on_commit_callbacks):
    programme, people, _exam, _lesson = cycle
    exam, session = _sat_and_closed(programme, people, django_capture_on_commit_callbacks)
    with SimulatedClock(session.closes_at - datetime.timedelta(hours=1)).running():
        assert makeup_offer(monthly_exam=exam) == []


def _at(day, hour):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def certify(staff, city):
    """A real certificate, recorded the way an administrator records one."""
    certification_settings_get()  # the skill levels (a flushing test may have emptied them)
    certificate_record_external(
        staff=staff,
        level=SkillLevel.objects.order_by("-code").first(),
        number=f"C-{staff.pk}",
        issue_date=timezone.localdate() - datetime.timedelta(days=30),
        assessment_body="省职业技能鉴定中心",
        evidence=SimpleUploadedFile("scan.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 32),
        acting_user=make_user_with_role(Role.ADMINISTRATOR, city.city),
    )


def test_the_mentor_records_a_session(client, cycle, city):
    _p, people, exam, _lesson = cycle
    certify(people[1], city)
    plan = guidance_generate(
        monthly_exam=exam, results={people[0].pk: result(people[0], 50, platform=30)}
    ).created[0]
    mentor_user, _ = people[1].user, None
    client.force_login(mentor_user)

    response = client.post(
        reverse("training:plan", args=[plan.public_id]),
        {
            "held_on": "2026-11-20",
            "topic": "一网通办操作演示",
            "attendees": [people[0].pk],
            "notes": "逐步演示",
        },
    )

    assert response.status_code == 302
    session = MentorSession.objects.get()
    assert session.topic == "一网通办操作演示" and list(session.attendees.all()) == [people[0]]


def test_the_learner_sees_but_cannot_record_sessions_and_others_get_404(client, cycle, city):
    _p, people, exam, _lesson = cycle
    plan = guidance_generate(
        monthly_exam=exam, results={people[0].pk: result(people[0], 50, platform=30)}
    ).created[0]
    client.force_login(people[0].user)
    url = reverse("training:plan", args=[plan.public_id])
    assert client.get(url).status_code == 200
    assert (
        client.post(
            url, {"held_on": "2026-11-20", "topic": "x", "attendees": [people[0].pk]}
        ).status_code
        == 404
    )

    outsider, _ = make_learner(city.township_b1)
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    assert not MentorSession.objects.exists()


def test_a_session_needs_a_topic_and_attendees(cycle):
    _p, people, exam, _lesson = cycle
    plan = guidance_generate(
        monthly_exam=exam, results={people[0].pk: result(people[0], 50, platform=30)}
    ).created[0]
    with pytest.raises(ValidationError):
        mentor_session_record(
            plan=plan, held_on=timezone.localdate(), topic=" ", attendees=[], actor=None
        )
    assert not MentorSession.objects.exists()


def test_a_coordinator_changes_the_mentor_and_others_cannot(client, cycle, city):
    _p, people, exam, _lesson = cycle
    plan = guidance_generate(
        monthly_exam=exam, results={people[0].pk: result(people[0], 50, platform=30)}
    ).created[0]
    url = reverse("training:plan_mentor", args=[plan.public_id])

    client.force_login(people[0].user)  # the learner
    assert client.post(url, {"mentor": people[1].pk}).status_code == 404
    plan.refresh_from_db()
    assert plan.mentor_id != people[1].pk or plan.mentor_id is None

    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    client.force_login(coordinator)
    assert client.post(url, {"mentor": people[1].pk}).status_code == 302
    plan.refresh_from_db()
    assert plan.mentor == people[1]

    other_unit = people[2]  # works in A2, not the learner's unit
    client.post(url, {"mentor": other_unit.pk})
    plan.refresh_from_db()
    assert plan.mentor == people[1]

    client.post(url, {"mentor": ""})
    plan.refresh_from_db()
    assert plan.mentor is None and plan.mentor_user == coordinator
