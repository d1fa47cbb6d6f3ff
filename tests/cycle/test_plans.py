"""Plans that tell the truth: the plan page names the exam the plan was made from, its
score, result and weak points, and every link on it works for its learner."""

import datetime
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import KnowledgePoint
from tests.factories import make_learner
from tests.training.helpers import (
    fill_bank,
    make_lesson,
    make_module,
    make_programme,
    make_track,
)
from training.exams_adapter import ExamResult
from training.models import Enrolment, MonthlyExam
from training.services import guidance_generate, monthly_exam_create

pytestmark = pytest.mark.django_db


def test_the_plan_page_shows_its_exam_and_only_working_links(city, client):
    programme = make_programme(city.city)
    mine, other = make_track(programme), make_track(programme, name="新入职人员")
    user, staff = make_learner(city.township_a1)
    Enrolment.objects.create(staff=staff, track=mine, enrolled_at=timezone.now())
    point = KnowledgePoint.objects.create(name="政务服务平台操作")
    fill_bank([point], single=35, multiple=12, true_false=22)
    open_lesson = make_lesson(
        make_module(mine, week=1, knowledge_point_ids=[point.pk]), title="可以打开的课"
    )
    make_lesson(make_module(other, week=1, knowledge_point_ids=[point.pk]), title="别的班")
    make_lesson(
        make_module(mine, week=2, knowledge_point_ids=[point.pk], published=False),
        title="还没发布",
    )
    exam = monthly_exam_create(programme=programme, month=timezone.localdate())
    assert isinstance(exam, MonthlyExam)
    result = ExamResult(
        staff_id=staff.pk,
        score=Decimal("43.0"),
        passed=False,
        points={point.pk: ("政务服务平台操作", 30.0)},
    )

    plan = guidance_generate(monthly_exam=exam, results={staff.pk: result}).created[0]

    client.force_login(user)
    page = client.get(f"/training/plans/{plan.public_id}/").content.decode()
    assert plan.exam_title and plan.exam_title in page
    assert "43.0" in page and "政务服务平台操作 (30.0)" in page
    assert "可以打开的课" in page and "别的班" not in page and "还没发布" not in page
    links = set(re.findall(r'href="(/[^"]*)"', page))
    assert f"/training/lessons/{open_lesson.pk}/" in links
    for link in links:
        if link.startswith(("/accounts/logout", "/static/")):
            continue
        assert client.get(link).status_code in (200, 302), link
    assert "参加复测" in page


def test_an_open_plan_whose_check_closed_untaken_says_so(city, client):
    """The learner is not sent to an exam list without the check: the plan says the
    check closed and that the next monthly exam's guidance sets a new one."""
    from exams.models import ExamSession

    programme = make_programme(city.city)
    user, staff = make_learner(city.township_a1)
    point = KnowledgePoint.objects.create(name="政务服务平台操作")
    fill_bank([point], single=35, multiple=12, true_false=22)
    exam = monthly_exam_create(programme=programme, month=timezone.localdate())
    result = ExamResult(
        staff_id=staff.pk, score=Decimal("43.0"), passed=False, points={point.pk: ("x", 30.0)}
    )
    plan = guidance_generate(monthly_exam=exam, results={staff.pk: result}).created[0]
    ExamSession.objects.filter(pk=plan.followup_session_id).update(
        closes_at=timezone.now() - datetime.timedelta(hours=1)
    )

    client.force_login(user)
    page = client.get(f"/training/plans/{plan.public_id}/").content.decode()
    assert "复测已截止，未参加" in page
    assert "参加复测" not in page
