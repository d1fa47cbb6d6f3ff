"""Coordinators' exam pages: results and analysis, the anonymous grading queue; scoped."""

import pytest

from audit.models import AuditEntry
from exams.models import AttemptItem, Question
from exams.services import attempt_save, attempt_start

from ..factories import StaffFactory, UserFactory
from .helpers import hand_in_and_score, make_bank, open_session


@pytest.fixture
def graded_session(city):
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {"type": "short_answer", "count": 1, "points": 20},
            {"type": "single", "count": 1, "points": 80},
        ],
    )
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user, name="考生甲")
    attempt = attempt_start(session=session, staff=staff)
    short = attempt.items.get(type="short_answer")
    attempt_save(
        attempt_id=attempt.public_id,
        user_id=user.pk,
        position=short.position,
        answer="先核验身份，再一次性告知材料。",
        seq=1,
    )
    hand_in_and_score(attempt)
    return session, attempt, short


def test_coordinator_grades_an_open_answer_anonymously(client, graded_session, coordinator_a):
    session, attempt, short = graded_session
    client.force_login(coordinator_a)
    detail = client.get(f"/exams/manage/{session.public_id}/")
    assert detail.status_code == 200 and "考生甲" in detail.text
    page = client.get(f"/exams/manage/{session.public_id}/grade/{short.question_id}/")
    assert page.status_code == 200
    assert "先核验身份" in page.text and "考生甲" not in page.text
    response = client.post(
        f"/exams/manage/{session.public_id}/grade/{short.question_id}/",
        {"item": short.pk, "points": "15"},
    )
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert not attempt.needs_grading and attempt.passed is not None
    assert AttemptItem.objects.get(pk=short.pk).awarded == 15
    assert AuditEntry.objects.filter(action="exam.item_graded").count() == 1


def test_points_above_the_maximum_are_refused(client, graded_session, coordinator_a):
    session, _attempt, short = graded_session
    client.force_login(coordinator_a)
    client.post(
        f"/exams/manage/{session.public_id}/grade/{short.question_id}/",
        {"item": short.pk, "points": "25"},
    )
    assert AttemptItem.objects.get(pk=short.pk).awarded is None


def test_managers_read_but_cannot_grade_and_other_counties_get_404(
    client, graded_session, manager_a, city
):
    from organisation.models import Role

    from ..factories import make_user_with_role

    session, _attempt, short = graded_session
    client.force_login(manager_a)
    assert client.get(f"/exams/manage/{session.public_id}/").status_code == 200
    url = f"/exams/manage/{session.public_id}/grade/{short.question_id}/"
    assert client.post(url, {"item": short.pk, "points": "10"}).status_code == 404
    other = make_user_with_role(Role.COORDINATOR, city.county_b)
    client.force_login(other)
    assert client.get(f"/exams/manage/{session.public_id}/").status_code == 404
    assert client.post(url, {"item": short.pk, "points": "10"}).status_code == 404
    assert AttemptItem.objects.get(pk=short.pk).awarded is None


def test_item_statistics_on_a_hand_computed_example(city):
    """Four people, two one-point questions: Q1 right by 3 of 4, Q2 by the top 2."""
    from exams.selectors import session_analysis

    points = make_bank(per_type=2)
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[{"type": "single", "count": 2, "points": 1, "knowledge_point": points["政策法规"]}],
    )
    q1, q2 = sorted(
        Question.objects.filter(type="single", knowledge_point=points["政策法规"]).values_list(
            "pk", flat=True
        )
    )
    answers = [(True, True), (True, True), (True, False), (False, False)]
    for pattern in answers:
        right = dict(zip((q1, q2), pattern, strict=True))
        user = UserFactory()
        staff = StaffFactory(department=city.township_a1, user=user)
        attempt = attempt_start(session=session, staff=staff)
        for item in attempt.items.all():
            attempt_save(
                attempt_id=attempt.public_id,
                user_id=user.pk,
                position=item.position,
                answer=["B"] if right[item.question_id] else ["A"],
                seq=1,
            )
        hand_in_and_score(attempt)
    analysis = session_analysis(session=session)
    facilities = sorted(i.facility for i in analysis.items)
    assert facilities == [0.5, 0.75]
    # Totals 2, 2, 1, 0: the upper and lower 27% groups are one person each (2 and 0).
    assert all(i.discrimination == 1.0 for i in analysis.items)
    # KR-20 = k/(k-1) * (1 - sum pq / var): pq = .25 + .1875, var of (2,2,1,0) = .6875.
    assert analysis.kr20 == round(2 * (1 - 0.4375 / 0.6875), 3)
    assert analysis.pass_rate == 50.0


def test_the_admin_shows_questions_read_only_and_sends_edits_to_the_bank_page(
    client, city, administrator
):
    """An edit saved in the admin would bypass versions, review and re-scoring: the
    admin only shows questions, links to the bank page, and refuses (and audits) a POST."""
    points = make_bank(per_type=1)
    question = Question.objects.filter(type="single").first()
    client.force_login(administrator)
    assert client.get("/admin/exams/question/").status_code == 200
    page = client.get(f"/admin/exams/question/{question.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert 'name="_save"' not in text
    assert f'href="/exams/bank/{question.public_id}/"' in text  # "view on site"
    assert client.get("/admin/exams/question/add/").status_code == 403
    response = client.post(
        f"/admin/exams/question/{question.pk}/change/",
        {
            "type": "single",
            "stem": "改写后的题干",
            "options": '["甲", "乙", "丙", "丁"]',
            "answer": '["B"]',
            "rubric": "[]",
            "explanation": "",
            "difficulty": 3,
            "status": "active",
            "knowledge_point": points["政策法规"].pk,
        },
    )
    assert response.status_code == 403
    assert Question.objects.get(pk=question.pk).stem == question.stem
    assert AuditEntry.objects.filter(
        action="access.denied", target_type="exams.question", target_id=str(question.pk)
    ).exists()


def test_an_answer_of_an_attempt_still_in_progress_cannot_be_graded(client, city):
    """Grading is for handed-in papers: the page refuses an item of a running attempt
    (the item id is in the form, so it could be tampered with)."""
    from decimal import Decimal

    from exams.services import attempt_start
    from organisation.models import Role

    from ..factories import StaffFactory, make_user_with_role
    from .helpers import make_bank, open_session

    make_bank(per_type=1)
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        window_staff_only=False,
        rules=[{"type": "short_answer", "count": 1, "points": Decimal(10)}],
    )
    attempt = attempt_start(session=session, staff=StaffFactory(department=city.township_a1))
    item = attempt.items.get()
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_a))
    response = client.post(
        f"/exams/manage/{session.public_id}/grade/{item.question_id}/",
        {"item": item.pk, "points": "10"},
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.awarded is None


def test_a_session_is_withdrawn_before_its_doors_open_and_not_after(city):
    """Withdrawing (a sitting's theory exam replaced): nobody can start it, its papers
    drawn ahead are dropped, it is audited; once the doors have opened it is refused."""
    import datetime

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    from exams.models import Attempt, AttemptStatus
    from exams.services import exam_session_prepare_papers, exam_session_withdraw

    make_bank()
    learner = StaffFactory(department=city.township_a1, user=UserFactory())
    later = open_session(
        city.county_a,
        staff=[learner],
        opens=timezone.now() + datetime.timedelta(days=1),
        closes=timezone.now() + datetime.timedelta(days=2),
        published=True,
    )
    exam_session_prepare_papers(session=later)
    assert Attempt.objects.filter(session=later, status=AttemptStatus.PREPARED).count() == 1
    exam_session_withdraw(session=later, acting_user=None)
    later.refresh_from_db()
    assert not later.published and not later.attempts.exists()
    assert AuditEntry.objects.filter(
        action="exam.session_withdrawn", target_id=str(later.public_id)
    ).exists()

    running = open_session(city.county_a, staff=[learner], published=True)
    with pytest.raises(ValidationError):
        exam_session_withdraw(session=running, acting_user=None)
    running.refresh_from_db()
    assert running.published
