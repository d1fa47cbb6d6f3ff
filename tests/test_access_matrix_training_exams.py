"""The access matrix, continued: training objects (guidance plans, weekly modules,
lessons, tracks, notifications) and the exam coordinators' pages and API, for every
role against objects in its own unit, a unit below, a sibling unit and the parent unit
(and, where an object belongs to a person, their own record).

Allowed: 200 (or a redirect after a write). Not allowed: 404, never 403. Every denied
write changes nothing. (`tests/test_access_matrix.py` covers the same objects from the
other side; this file adds the exports, the coordinators' API and grading by API.)
"""

from decimal import Decimal

import pytest
from django.utils import timezone

from audit.models import AuditEntry
from exams.models import AttemptItem
from organisation.models import Role
from training.models import (
    Enrolment,
    GuidancePlan,
    LessonProgress,
    MentorSession,
    MonthlyExam,
    Notification,
)

from .exams.helpers import hand_in_and_score, make_bank, open_session
from .factories import StaffFactory, UserFactory, make_learner, make_user_with_role
from .test_access_matrix import ALL_PLACES, PLACES, READS, ROLES, WRITES, _actor, _staff_in
from .training.helpers import make_lesson, make_module, make_programme, make_track


def _may_write(role, place):
    if place == "own_record":
        return role in ("coordinator", "administrator")  # their record is in their unit
    return place in WRITES[role]


def _may_read(role, place):
    if place == "own_record":
        return True
    return place in READS[role]


# --- guidance plans ------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", ALL_PLACES)
def test_guidance_plans(client, city, role, place):
    user = _actor(role, city)
    staff = _staff_in(city, user, place)
    programme = make_programme(staff.department)
    exam = MonthlyExam.objects.create(programme=programme, month=timezone.localdate())
    plan = GuidancePlan.objects.create(staff=staff, monthly_exam=exam)
    client.force_login(user)
    url = f"/training/plans/{plan.public_id}/"
    readable, writable = _may_read(role, place), _may_write(role, place)

    assert client.get(url).status_code == (200 if readable else 404)

    response = client.post(url, {"held_on": "2026-11-20", "topic": "辅导", "attendees": []})
    # The form is incomplete on purpose: an allowed user sees the form again (200);
    # anyone else, even one who may read the plan, gets 404.
    assert response.status_code == (200 if writable else 404)
    assert not MentorSession.objects.exists()

    response = client.post(f"{url}mentor/", {"mentor": ""})
    plan.refresh_from_db()
    if writable:
        assert response.status_code == 302
        assert plan.mentor_user_id == user.pk
    else:
        assert response.status_code == 404
        assert plan.mentor_user_id is None and plan.mentor_id is None


# --- weekly modules, lessons, tracks ---------------------------------------------------


@pytest.fixture
def two_tracks(city):
    """A learner enrolled in one track of county A's programme and not in the other."""
    user, staff = make_learner(city.township_a1)
    programme = make_programme(city.county_a)
    mine, other = make_track(programme, name="在岗人员"), make_track(programme, name="新入职")
    Enrolment.objects.create(staff=staff, track=mine, enrolled_at=timezone.now())
    lessons = {}
    for key, track in (("mine", mine), ("other", other)):
        module = make_module(track, week=1)
        lessons[key] = make_lesson(module)
    return user, staff, lessons


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["mine", "other"])
def test_modules_and_lessons_are_for_enrolled_learners(client, city, two_tracks, role, which):
    learner, staff, lessons = two_tracks
    user = learner if role == "learner" else _actor(role, city)
    lesson = lessons[which]
    client.force_login(user)
    expected = 200 if (role == "learner" and which == "mine") else 404

    assert client.get(f"/training/modules/{lesson.module_id}/").status_code == expected
    assert client.get(f"/training/lessons/{lesson.pk}/").status_code == expected
    read = client.post(f"/training/lessons/{lesson.pk}/read/")
    beat = client.post(
        f"/api/training/lessons/{lesson.pk}/heartbeat/",
        {"position": 30, "watched": 30},
        content_type="application/json",
    )
    if expected == 404:
        assert read.status_code == 404
        assert beat.status_code == 404
        assert not LessonProgress.objects.filter(lesson=lesson).exists()
    else:
        assert read.status_code == 302
        assert LessonProgress.objects.filter(lesson=lesson, staff=staff).exists()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_track_completion_matrix_api(client, city, role, place):
    user = _actor(role, city)
    track = make_track(make_programme(getattr(city, PLACES[place])))
    client.force_login(user)
    expected = 200 if place in READS[role] and role != "learner" else 404
    assert client.get(f"/api/training/tracks/{track.pk}/matrix/").status_code == expected


@pytest.mark.parametrize("owner", ["own", "someone_else"])
def test_notifications_are_their_users_only(client, city, owner):
    user, _staff = make_learner(city.township_a1)
    other = UserFactory()
    notification = Notification.objects.create(
        user=user if owner == "own" else other, key="k", title="第3周课程已发布"
    )
    client.force_login(user)
    response = client.post(f"/training/notifications/{notification.pk}/read/")
    notification.refresh_from_db()
    if owner == "own":
        assert response.status_code == 302
        assert notification.read_at is not None
    else:
        assert response.status_code == 404
        assert notification.read_at is None
        assert AuditEntry.objects.filter(action="access.denied").exists()


# --- exam sessions: coordinators' and managers' pages and API -------------------------


@pytest.fixture
def graded_exam(city):
    """Returns a builder: a finished attempt with one short answer waiting for a grade,
    in a session organised by the given unit, taken by someone in that unit."""
    from exams.services import attempt_start

    make_bank(per_type=1)

    def build(department):
        session = open_session(
            department,
            departments=[department],
            window_staff_only=False,
            rules=[
                {"type": "single", "count": 1, "points": Decimal(50)},
                {"type": "short_answer", "count": 1, "points": Decimal(50)},
            ],
        )
        attempt = attempt_start(session=session, staff=StaffFactory(department=department))
        item = attempt.items.get(type="short_answer")
        AttemptItem.objects.filter(pk=item.pk).update(answer="先受理，再一次性告知。", seq=1)
        hand_in_and_score(attempt)
        return session, AttemptItem.objects.get(pk=item.pk)

    return build


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_exam_session_pages_exports_and_api(client, city, graded_exam, role, place):
    user = _actor(role, city)
    session, item = graded_exam(getattr(city, PLACES[place]))
    client.force_login(user)
    read = 200 if place in READS[role] and role != "learner" else 404
    write = 200 if place in WRITES[role] else 404
    base = f"/exams/manage/{session.public_id}/"

    assert client.get(base).status_code == read
    assert client.get(f"{base}results.xlsx").status_code == read
    assert client.get(f"{base}analysis.xlsx").status_code == read
    assert client.get(f"/api/exams/manage/sessions/{session.public_id}/").status_code == read
    assert (
        client.get(f"/api/exams/manage/sessions/{session.public_id}/results/").status_code == read
    )
    assert client.get(f"{base}edit/").status_code == write
    assert client.get(f"{base}grade/{item.question_id}/").status_code == write


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_grading_is_a_scoped_write(client, city, graded_exam, role, place):
    user = _actor(role, city)
    session, item = graded_exam(getattr(city, PLACES[place]))
    client.force_login(user)
    allowed = place in WRITES[role]

    page = client.post(
        f"/exams/manage/{session.public_id}/grade/{item.question_id}/",
        {"item": item.pk, "points": "40"},
    )
    item.refresh_from_db()
    if allowed:
        assert page.status_code == 302
        assert item.awarded == Decimal(40)
    else:
        assert page.status_code == 404
        assert item.awarded is None

    api = client.post(
        f"/api/exams/manage/items/{item.pk}/grade/",
        {"points": "45"},
        content_type="application/json",
    )
    item.refresh_from_db()
    if allowed:
        assert api.status_code == 200
        assert item.awarded == Decimal(45)
    else:
        assert api.status_code == 404
        assert item.awarded is None


def test_a_coordinator_cannot_grade_an_item_of_another_session_through_their_own(
    client, city, graded_exam
):
    """The item id in the form must belong to the session in the URL."""
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a)
    mine, _my_item = graded_exam(city.county_a)
    _theirs, their_item = graded_exam(city.county_b)
    client.force_login(coordinator)
    response = client.post(
        f"/exams/manage/{mine.public_id}/grade/{their_item.question_id}/",
        {"item": their_item.pk, "points": "50"},
    )
    assert response.status_code == 404
    their_item.refresh_from_db()
    assert their_item.awarded is None


@pytest.fixture
def shared_exam(city):
    """A session organised by county A whose audience reaches county B too: one finished
    attempt with a short answer waiting for a grade in each county."""
    from exams.services import attempt_start

    make_bank(per_type=1)
    session = open_session(
        city.county_a,
        departments=[city.county_a, city.county_b],
        window_staff_only=False,
        rules=[{"type": "short_answer", "count": 1, "points": Decimal(50)}],
    )
    items = {}
    for county in ("county_a", "county_b"):
        staff = StaffFactory(department=getattr(city, county))
        attempt = attempt_start(session=session, staff=staff)
        AttemptItem.objects.filter(attempt=attempt).update(answer="一次性告知。", seq=1)
        hand_in_and_score(attempt)
        items[county] = (staff, AttemptItem.objects.get(attempt=attempt))
    return session, items


def test_the_grading_queue_and_results_list_only_the_users_people_by_page_and_api(
    client, city, shared_exam
):
    """Both doors call one selector: county A's coordinator sees (and may grade) county
    A's candidate only, on the page and through the API alike (the API used to list
    county B's answers too)."""
    session, items = shared_exam
    mine, theirs = items["county_a"], items["county_b"]
    question_id = mine[1].question_id
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_a))

    queue = client.get(f"/api/exams/manage/sessions/{session.public_id}/grading/{question_id}/")
    assert queue.status_code == 200
    assert [row["item"] for row in queue.json()["results"]] == [mine[1].pk]
    page = client.get(f"/exams/manage/{session.public_id}/grade/{question_id}/")
    assert page.context["remaining"] == 1 and page.context["item"].pk == mine[1].pk

    results = client.get(f"/api/exams/manage/sessions/{session.public_id}/results/")
    assert [row["staff_number"] for row in results.json()["results"]] == [mine[0].staff_number]
    detail = client.get(f"/exams/manage/{session.public_id}/")
    assert [a.staff_id for a in detail.context["attempts"]] == [mine[0].pk]

    graded = client.post(
        f"/api/exams/manage/items/{theirs[1].pk}/grade/",
        {"points": "45"},
        content_type="application/json",
    )
    assert graded.status_code == 404
    theirs[1].refresh_from_db()
    assert theirs[1].awarded is None
    assert AuditEntry.objects.filter(
        action="access.denied", target_type="exams.attemptitem"
    ).exists()


# --- identifiers -----------------------------------------------------------------------


def test_personal_objects_are_addressed_by_uuid_not_by_a_counter(city, graded_exam):
    """Staff, attempts, certificates, roster imports, guidance plans and exam sessions
    appear in URLs by a random UUID, so ids cannot be enumerated. (Training modules,
    lessons, tracks and units use integers: they are not personal, and are scoped.)"""
    import uuid

    from certificates.models import Certificate
    from exams.models import Attempt, ExamSession
    from organisation.models import Staff
    from roster.models import RosterImport

    for model in (Staff, Attempt, Certificate, RosterImport, GuidancePlan, ExamSession):
        field = model._meta.get_field("public_id")
        assert field.unique and field.default is uuid.uuid4, model.__name__
    session, _item = graded_exam(city.county_a)
    attempt = session.attempts.get()
    assert isinstance(attempt.public_id, uuid.UUID) and attempt.public_id.version == 4


# --- in-person classes and evaluations ---------------------------------------------------


def _running_class(department, staff):
    """A class organised by `department` that started ten minutes ago, `staff` expected."""
    import datetime

    from training.models import TrainingClass

    from .training.class_helpers import schedule

    organiser = make_user_with_role(Role.COORDINATOR, department)
    klass = schedule(organiser, department, people=[staff])
    now = timezone.now()
    TrainingClass.objects.filter(pk=klass.pk).update(
        starts_at=now - datetime.timedelta(minutes=10),
        ends_at=now + datetime.timedelta(minutes=50),
    )
    klass.refresh_from_db()
    return klass


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_classes_pages_exports_and_api(client, city, role, place):
    from training.models import ClassAttendance

    user = _actor(role, city)
    department = getattr(city, PLACES[place])
    staff = StaffFactory(department=department)
    klass = _running_class(department, staff)
    client.force_login(user)
    read = 200 if place in READS[role] and role != "learner" else 404
    write = 200 if place in WRITES[role] else 404
    page = f"/training/classes/{klass.public_id}/"
    api = f"/api/training/classes/{klass.public_id}/"

    assert client.get(page).status_code == read
    assert client.get(f"{page}sign-in.xlsx").status_code == read
    assert client.get(f"{api}").status_code == read
    assert client.get(f"{api}evaluation/").status_code == read
    assert client.get(f"{page}code/").status_code == write
    assert client.get(f"{api}code/").status_code == write

    excuse = client.post(f"{page}excuse/", {"staff": staff.public_id, "reason": "病假"})
    by_api = client.post(
        f"{api}excuse/", {"staff": str(staff.public_id), "reason": "公出"}, "application/json"
    )
    attendance = ClassAttendance.objects.get(training_class=klass)
    if write == 200:
        assert excuse.status_code == 302 and by_api.status_code == 200
        assert attendance.excuse_reason == "公出"
    else:
        assert excuse.status_code == 404 and by_api.status_code == 404
        assert attendance.excuse_reason == ""

    closed = client.post(f"{page}close/")
    klass.refresh_from_db()
    if write == 200:
        assert closed.status_code == 302 and klass.closed_at is not None
    else:
        assert closed.status_code == 404 and klass.closed_at is None
        assert client.post(f"{api}close/").status_code == 404
        klass.refresh_from_db()
        assert klass.closed_at is None
        assert (
            AuditEntry.objects.filter(
                action__in=["access.denied"], target_type__startswith="training.trainingclass"
            ).exists()
            or role == "learner"
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("which", ["expected", "not_expected"])
def test_a_class_is_the_expected_learners_only(client, city, role, which):
    """The learner's class page, calendar file and check-in (page and API) answer only
    the people expected; anyone else, whatever their role, gets 404 and checks nobody in."""
    from training import services
    from training.models import ClassAttendance

    learner, staff = make_learner(city.township_a1)
    other = StaffFactory(department=city.township_a1)
    klass = _running_class(city.county_a, staff if which == "expected" else other)
    user = learner if role == "learner" else _actor(role, city)
    client.force_login(user)
    allowed = role == "learner" and which == "expected"
    expected = 200 if allowed else 404
    base = f"/training/classes/{klass.public_id}/"
    code = services.class_code(training_class=klass)

    assert client.get(f"{base}mine/").status_code == expected
    assert client.get(f"{base}class.ics").status_code == expected
    assert client.get(f"{base}checkin/", {"code": code}).status_code == expected
    response = client.post(
        f"/api/training/classes/{klass.public_id}/checkin/", {"code": code}, "application/json"
    )
    assert response.status_code == expected
    checked_in = ClassAttendance.objects.filter(checked_in_at__isnull=False)
    assert checked_in.count() == (1 if allowed else 0)


@pytest.mark.parametrize("role", ROLES)
def test_evaluation_results_are_for_readers(client, city, role):
    client.force_login(_actor(role, city))
    expected = 404 if role == "learner" else 200
    assert client.get("/training/evaluations/").status_code == expected
    assert client.get("/training/evaluations/", {"format": "xlsx"}).status_code == expected
    assert client.get("/api/training/evaluations/").status_code == expected
    assert client.get("/training/classes/").status_code == expected
    assert client.get("/api/training/classes/").status_code == expected


def test_a_learner_cannot_schedule_and_a_coordinator_only_in_their_units(client, city):
    import datetime

    from training.models import TrainingClass

    from .training.helpers import make_programme

    programme = make_programme(city.city)
    staff = StaffFactory(department=city.county_b)
    body = {
        "department": city.county_b.pk,
        "programme": programme.pk,
        "title": "跨区培训",
        "venue": "乙县会议室",
        "starts_at": (timezone.now() + datetime.timedelta(days=1)).isoformat(),
        "ends_at": (timezone.now() + datetime.timedelta(days=1, hours=2)).isoformat(),
        "capacity": 10,
        "trainer_name": "张老师",
        "audience_staff_numbers": [staff.staff_number],
    }
    learner, _staff = make_learner(city.township_a1)
    client.force_login(learner)
    assert client.post("/api/training/classes/", body, "application/json").status_code == 404
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_a))
    assert client.post("/api/training/classes/", body, "application/json").status_code == 404
    assert not TrainingClass.objects.exists()
    client.force_login(make_user_with_role(Role.COORDINATOR, city.county_b))
    response = client.post("/api/training/classes/", body, "application/json")
    assert response.status_code == 201, response.content
    assert [row["name"] for row in response.json()["attendance"]] == [staff.name]
    past = {**body, "starts_at": (timezone.now() - datetime.timedelta(hours=1)).isoformat()}
    response = client.post("/api/training/classes/", past, "application/json")
    assert response.status_code == 400 and response.json()["errors"]["starts_at"]
    assert TrainingClass.objects.count() == 1
