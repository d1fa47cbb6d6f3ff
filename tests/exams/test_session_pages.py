"""The coordinator's session page: create, edit (limited once open), publish after a
blueprint check (papers prepared in the background), extra time; scoped and audited."""

import datetime

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from exams.models import Attempt, AttemptStatus, ExamSession, ExtraTime
from exams.services import attempt_start
from organisation.models import Role

from ..factories import StaffFactory, make_learner, make_user_with_role
from .helpers import make_bank, open_session

FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def bank():
    return make_bank()  # 4 questions of each type on each of 3 topics


@pytest.fixture
def coordinator_b(city):
    return make_user_with_role(Role.COORDINATOR, city.county_b)


def _form(city, bank, **overrides):
    now = timezone.localtime()
    data = {
        "title": "十一月月考",
        "kind": "monthly",
        "department": city.county_a.pk,
        "window_staff_only": "on",
        "opens_at": (now + datetime.timedelta(days=1)).strftime(FMT),
        "closes_at": (now + datetime.timedelta(days=1, hours=3)).strftime(FMT),
        "duration_minutes": "60",
        "attempts_allowed": "1",
        "counting": "best",
        "pass_mark": "60",
        "partial_credit": "on",
        "shuffle_questions": "on",
        "shuffle_options": "on",
        "show_score": "after_submit",
        "show_answers": "after_close",
        "audience_departments": [city.township_a1.pk],
        "staff_numbers": "",
        "extra_time": "",
        "paper": "blueprint",
        "fixed_paper": "",
        "rules-TOTAL_FORMS": "2",
        "rules-INITIAL_FORMS": "0",
        "rules-MIN_NUM_FORMS": "0",
        "rules-MAX_NUM_FORMS": "50",
        "rules-0-count": "3",
        "rules-0-type": "single",
        "rules-0-knowledge_point": bank["政策法规"].pk,
        "rules-0-difficulty": "",
        "rules-0-points": "10",
    }
    data.update(overrides)
    return data


def test_coordinator_creates_an_unpublished_session_with_rules_and_extra_time(
    client, city, bank, coordinator_a
):
    staff = StaffFactory(department=city.township_a1, staff_number="A1-007")
    client.force_login(coordinator_a)
    assert client.get("/exams/manage/new/").status_code == 200
    response = client.post("/exams/manage/new/", _form(city, bank, extra_time="A1-007 20"))
    assert response.status_code == 302, response.context["form"].errors
    session = ExamSession.objects.get()
    assert not session.published and session.created_by == coordinator_a
    rule = session.rules.get()
    assert (rule.count, rule.type, rule.knowledge_point_id) == (3, "single", bank["政策法规"].pk)
    assert list(session.audience_departments.all()) == [city.township_a1]
    assert ExtraTime.objects.get(session=session).staff == staff
    assert AuditEntry.objects.filter(action="exam.session_created", actor=coordinator_a).exists()


def test_units_and_staff_outside_the_coordinators_subtree_are_refused(
    client, city, bank, coordinator_a
):
    StaffFactory(department=city.township_b1, staff_number="B1-001")
    client.force_login(coordinator_a)
    response = client.post(
        "/exams/manage/new/",
        _form(city, bank, department=city.county_b.pk, staff_numbers="B1-001"),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "department" in errors and "B1-001" in str(errors["staff_numbers"])
    assert not ExamSession.objects.exists()


def _unpublished(city, **kwargs):
    now = timezone.now()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        opens=now + datetime.timedelta(hours=1),
        closes=now + datetime.timedelta(hours=4),
        **kwargs,
    )
    ExamSession.objects.filter(pk=session.pk).update(published=False)
    session.refresh_from_db()
    return session


def test_publishing_is_blocked_by_a_bank_shortage_with_the_message(
    client, city, bank, coordinator_a
):
    session = _unpublished(
        city,
        rules=[
            {"type": "single", "count": 20, "points": 5, "knowledge_point_id": bank["政策法规"].pk}
        ],
    )
    client.force_login(coordinator_a)
    response = client.post(f"/exams/manage/{session.public_id}/publish/", follow=True)
    text = response.text
    assert "20" in text and "政策法规" in text and "4" in text
    assert "单选" in text or "Single choice" in text
    session.refresh_from_db()
    assert not session.published
    assert not Attempt.objects.exists()
    assert not AuditEntry.objects.filter(action="exam.session_published").exists()


def test_publishing_enqueues_paper_preparation_and_papers_exist_afterwards(
    client, city, bank, coordinator_a, django_capture_on_commit_callbacks
):
    session = _unpublished(city)
    people = [make_learner(city.township_a2)[1] for _ in range(3)]
    client.force_login(coordinator_a)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(f"/exams/manage/{session.public_id}/publish/")
    assert response.status_code == 302
    # The papers are drawn once, and the cached start facts (unpublished) are forgotten.
    assert [c.func.__name__ for c in callbacks] == ["_enqueue_prepare_papers", "forget_start_facts"]
    session.refresh_from_db()
    assert session.published and session.papers_prepared_at is not None
    attempts = Attempt.objects.filter(session=session)
    assert {a.staff_id for a in attempts} == {p.pk for p in people}
    assert all(a.status == AttemptStatus.PREPARED and a.items.count() == 10 for a in attempts)
    assert AuditEntry.objects.filter(action="exam.session_published", actor=coordinator_a).exists()


def test_extra_time_for_a_named_person_lengthens_their_deadline(client, city, bank, coordinator_a):
    session = _unpublished(city, minutes=30)
    slow = StaffFactory(department=city.township_a1, staff_number="A1-900")
    other = StaffFactory(department=city.township_a1)
    client.force_login(coordinator_a)
    form = client.get(f"/exams/manage/{session.public_id}/edit/").context["form"]
    data = {
        **{k: v for k, v in form.initial.items() if v is not None},
        "opens_at": timezone.localtime(session.opens_at).strftime(FMT),
        "closes_at": timezone.localtime(session.closes_at).strftime(FMT),
        "department": session.department_id,
        "audience_departments": [city.county_a.pk],
        "extra_time": "A1-900 15",
        "paper": "blueprint",
        "rules-TOTAL_FORMS": "1",
        "rules-INITIAL_FORMS": "0",
        "rules-0-count": "2",
        "rules-0-type": "single",
        "rules-0-points": "50",
    }
    for name in ("window_staff_only", "partial_credit", "shuffle_questions", "shuffle_options"):
        data[name] = "on" if data.get(name) else ""
    response = client.post(f"/exams/manage/{session.public_id}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    ExamSession.objects.filter(pk=session.pk).update(
        published=True, opens_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    session.refresh_from_db()
    now = timezone.now()
    slow_attempt = attempt_start(session=session, staff=slow, now=now)
    other_attempt = attempt_start(session=session, staff=other, now=now)
    assert other_attempt.deadline == now + datetime.timedelta(minutes=30)
    assert slow_attempt.deadline == now + datetime.timedelta(minutes=45)
    assert AuditEntry.objects.filter(action="exam.session_updated", actor=coordinator_a).exists()


def test_after_opening_the_paper_cannot_change_and_started_attempts_are_untouched(
    client, city, bank, coordinator_a
):
    from django.core.exceptions import ValidationError

    from exams.services import exam_session_update

    session = open_session(city.county_a, departments=[city.county_a])
    staff = StaffFactory(department=city.township_a1)
    attempt = attempt_start(session=session, staff=staff)
    with pytest.raises(ValidationError):
        exam_session_update(
            session=session,
            fields={},
            rules=[{"type": "single", "count": 1, "points": 100}],
            acting_user=coordinator_a,
        )
    with pytest.raises(ValidationError):
        exam_session_update(session=session, fields={"pass_mark": 90}, acting_user=coordinator_a)
    later = session.closes_at + datetime.timedelta(hours=1)
    exam_session_update(
        session=session, fields={"closes_at": later, "title": "改名"}, acting_user=coordinator_a
    )
    session.refresh_from_db()
    assert session.title == "改名" and session.closes_at == later and session.pass_mark == 60
    assert session.rules.count() == 5
    before = (attempt.deadline, attempt.seed)
    attempt.refresh_from_db()
    assert (attempt.deadline, attempt.seed) == before and attempt.items.count() == 10


@pytest.mark.parametrize(
    "method,path",
    [
        ("get", "edit/"),
        ("post", "edit/"),
        ("post", "publish/"),
        ("get", "results.xlsx"),
        ("get", "analysis.xlsx"),
    ],
)
def test_out_of_scope_coordinators_and_learners_get_404_and_nothing_changes(
    client, city, bank, coordinator_b, learner_a1, method, path
):
    session = _unpublished(city)
    for user in (coordinator_b, learner_a1[0]):
        client.force_login(user)
        data = _form(city, bank, title="被改了") if method == "post" else None
        response = getattr(client, method)(f"/exams/manage/{session.public_id}/{path}", data)
        assert response.status_code == 404
    session.refresh_from_db()
    assert not session.published and session.title == "2026年11月月考"
    assert not AuditEntry.objects.filter(
        action__in=[
            "exam.session_updated",
            "exam.session_published",
            "exam.results_exported",
            "exam.analysis_exported",
        ]
    ).exists()


def test_learners_cannot_open_the_new_exam_page(client, learner_a1, manager_a):
    for user in (learner_a1[0], manager_a):
        client.force_login(user)
        assert client.get("/exams/manage/new/").status_code == 404
        assert client.post("/exams/manage/new/", {"title": "x"}).status_code == 404
    assert not ExamSession.objects.exists()


def test_once_open_the_page_changes_only_the_title_and_later_fields(
    client, city, bank, coordinator_a
):
    session = open_session(city.county_a, departments=[city.county_a])
    client.force_login(coordinator_a)
    page = client.get(f"/exams/manage/{session.public_id}/edit/")
    assert page.context["form"].locked
    data = _form(city, bank, title="十一月月考（补）", pass_mark="90", duration_minutes="5")
    data["closes_at"] = timezone.localtime(session.closes_at).strftime(FMT)
    response = client.post(f"/exams/manage/{session.public_id}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    session.refresh_from_db()
    assert session.title == "十一月月考（补）"
    assert session.pass_mark == 60 and session.duration_minutes == 60
    assert session.rules.count() == 5  # the rule posted above was ignored


def test_editing_a_published_session_before_it_opens_redraws_prepared_papers(
    city, bank, coordinator_a, django_capture_on_commit_callbacks
):
    from exams.services import exam_session_prepare_papers, exam_session_update

    session = _unpublished(city)
    ExamSession.objects.filter(pk=session.pk).update(published=True)
    session.refresh_from_db()
    for _ in range(2):
        make_learner(city.township_a1)
    exam_session_prepare_papers(session=session)
    assert {a.max_score for a in Attempt.objects.filter(session=session)} == {100}
    with django_capture_on_commit_callbacks(execute=True):
        exam_session_update(
            session=session,
            fields={},
            rules=[{"type": "single", "count": 3, "points": 10}],
            acting_user=coordinator_a,
        )
    attempts = Attempt.objects.filter(session=session)
    assert attempts.count() == 2
    assert {a.max_score for a in attempts} == {30}
    assert all(a.items.count() == 3 for a in attempts)


def test_a_fixed_paper_takes_each_questions_own_points_when_none_are_given(
    client, city, bank, coordinator_a
):
    """A fixed paper's line is a question ID and its points; without points, the
    question's own (the 分值 column of a bank import); a question with none says so."""
    from decimal import Decimal

    from exams.models import Question

    first, second, third = Question.objects.filter(status="active").order_by("pk")[:3]
    Question.objects.filter(pk=first.pk).update(points=Decimal("5"))
    client.force_login(coordinator_a)
    fixed = _form(
        city,
        bank,
        paper="fixed",
        fixed_paper=f"{first.public_id}\n{second.public_id} 12\n{third.public_id}",
        **{f"rules-0-{name}": "" for name in ("count", "points", "knowledge_point", "type")},
    )
    response = client.post("/exams/manage/new/", fixed)
    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors.get("fixed_paper", []))
    assert "第 3 行：该试题没有设定分值" in errors
    assert not ExamSession.objects.exists()
    Question.objects.filter(pk=third.pk).update(points=Decimal("8"))
    response = client.post("/exams/manage/new/", fixed)
    assert response.status_code == 302, response.context["form"].errors
    session = ExamSession.objects.get()
    assert list(
        session.fixed_questions.order_by("position").values_list("question_id", "points")
    ) == [(first.pk, Decimal("5")), (second.pk, Decimal("12")), (third.pk, Decimal("8"))]
