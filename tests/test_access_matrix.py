"""The access matrix across apps: every role against objects in its own unit, a unit
below, a sibling unit and the parent unit (and, for learners, their own record).

Pages and API endpoints answer 200 where the role may see the object and 404 (never
403) where it may not; denied writes change nothing.
"""

import datetime

import pytest

from certificates.models import Certificate
from organisation.models import Role
from roster.models import ImportStatus, RosterImport

from .certificates.helpers import issued_certificate, passed_assessment
from .factories import StaffFactory, UserFactory, add_totp, make_user_with_role

PLACES = {
    "own_unit": "county_a",
    "unit_below": "township_a1",
    "sibling_unit": "county_b",
    "parent_unit": "city",
}
READS = {
    "coordinator": {"own_unit", "unit_below"},
    "manager": {"own_unit", "unit_below"},
    "administrator": set(PLACES),
    "learner": {"own_record"},
}
WRITES = {
    "coordinator": {"own_unit", "unit_below"},
    "manager": set(),
    "administrator": set(PLACES),
    "learner": set(),
}


@pytest.fixture
def levels(db):
    from certificates.models import SkillLevel
    from certificates.services import certification_settings_get

    certification_settings_get()
    return {lv.code: lv for lv in SkillLevel.objects.all()}


def _actor(role, city):
    if role == "administrator":
        user = make_user_with_role(Role.ADMINISTRATOR, city.city)
        add_totp(user)
        return user
    if role in ("coordinator", "manager"):
        return make_user_with_role(role, city.county_a)
    user = UserFactory()
    StaffFactory(department=city.township_a1, user=user)
    return user


def _target_department(city, user, place):
    if place == "own_record":
        return user.staff.department
    return getattr(city, PLACES[place])


ALL_PLACES = [*PLACES, "own_record"]
ROLES = list(READS)


def _staff_in(city, user, place):
    if place == "own_record":
        return (
            user.staff
            if hasattr(user, "staff")
            else StaffFactory(department=city.township_a1, user=user)
        )
    return StaffFactory(department=getattr(city, PLACES[place]))


def _expect(role, place, table):
    allowed = table[role]
    if place == "own_record" and role != "learner":
        # Staff roles' own staff record sits in their unit: visible like the unit.
        return True
    return place in allowed


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", ALL_PLACES)
def test_staff_page_and_api(client, city, role, place):
    user = _actor(role, city)
    staff = _staff_in(city, user, place)
    client.force_login(user)
    expected = 200 if _expect(role, place, READS) else 404
    assert client.get(f"/org/staff/{staff.public_id}/").status_code == expected
    assert client.get(f"/api/staff/{staff.public_id}/").status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", ALL_PLACES)
def test_certificate_page_pdf_and_api(client, city, levels, role, place):
    user = _actor(role, city)
    staff = _staff_in(city, user, place)
    from certificates.services import certificate_issue

    certificate = certificate_issue(assessment=passed_assessment(staff, levels[5]))
    client.force_login(user)
    expected = 200 if _expect(role, place, READS) else 404
    assert client.get(f"/certificates/c/{certificate.public_id}/").status_code == expected
    assert (
        client.get(f"/api/certificates/certificates/{certificate.public_id}/").status_code
        == expected
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_certificate_revocation_is_a_scoped_write(client, city, levels, role, place):
    user = _actor(role, city)
    certificate = issued_certificate(getattr(city, PLACES[place]), levels[5])
    client.force_login(user)
    response = client.post(
        f"/certificates/c/{certificate.public_id}/revoke/", {"reason": "材料造假"}
    )
    certificate.refresh_from_db()
    if role == "administrator":
        assert response.status_code in (200, 302)
        assert certificate.revoked_on is not None
    else:
        # Only administrators revoke; everyone else gets 404 and nothing changes.
        assert response.status_code == 404
        assert certificate.revoked_on is None
        assert Certificate.objects.get(pk=certificate.pk).revoked_reason == ""


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_unit_dashboards_and_rates(client, city, levels, role, place):
    user = _actor(role, city)
    department = getattr(city, PLACES[place])
    client.force_login(user)
    expected = 200 if place in READS[role] else 404
    assert client.get(f"/certificates/dashboard/{department.pk}/").status_code == expected
    assert (
        client.get(f"/certificates/dashboard/{department.pk}/export.xlsx").status_code == expected
    )
    assert client.get(f"/api/certificates/rates/{department.pk}/").status_code == expected
    assert client.get(f"/org/units/{department.pk}/").status_code == expected


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_roster_imports_are_for_coordinators_of_the_unit(client, city, role, place):
    user = _actor(role, city)
    department = getattr(city, PLACES[place])
    owner = make_user_with_role(Role.COORDINATOR, department)
    record = RosterImport.objects.create(
        created_by=owner,
        department=department,
        filename="花名册.xlsx",
        sha256="0" * 64,
        status=ImportStatus.READY,
        report={"counts": {}},
    )
    client.force_login(user)
    expected = 200 if place in WRITES[role] else 404
    assert client.get(f"/roster/{record.public_id}/").status_code == expected
    assert client.get(f"/api/roster/imports/{record.public_id}/").status_code == expected
    if expected == 404:
        response = client.post(f"/roster/{record.public_id}/commit/")
        assert response.status_code == 404
        record.refresh_from_db()
        assert record.status == ImportStatus.READY


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", ALL_PLACES)
def test_exam_attempts_are_only_ever_their_owners(client, city, role, place):
    """Taking an exam is personal: even an administrator cannot open, save into or
    hand in someone else's attempt (coordinators see results on their own pages)."""
    from exams.services import attempt_start

    from .exams.helpers import make_bank, open_session

    user = _actor(role, city)
    staff = _staff_in(city, user, place)
    make_bank(per_type=1)
    session = open_session(
        city.city,
        departments=[city.city],
        window_staff_only=False,
        rules=[{"type": "single", "count": 2, "points": 50}],
    )
    attempt = attempt_start(session=session, staff=staff)
    client.force_login(user)
    own = staff.user_id == user.pk
    expected = 200 if own else 404
    assert client.get(f"/api/exams/attempts/{attempt.public_id}/").status_code == expected
    assert client.get(f"/exams/attempts/{attempt.public_id}/").status_code == expected
    response = client.post(
        f"/api/exams/attempts/{attempt.public_id}/save/",
        {"item": 1, "answer": ["B"], "seq": 1},
        content_type="application/json",
    )
    assert response.status_code == expected
    response = client.post(f"/api/exams/attempts/{attempt.public_id}/leave/")
    assert response.status_code == (200 if own else 404)
    attempt.refresh_from_db()
    assert attempt.leave_count == (1 if own else 0)
    if not own:
        assert attempt.items.get(position=1).seq == 0
        assert client.post(f"/exams/attempts/{attempt.public_id}/submit/").status_code == 404
        assert client.post(f"/api/exams/attempts/{attempt.public_id}/submit/").status_code == 404
        attempt.refresh_from_db()
        assert attempt.status == "in_progress"
        assert attempt.finished_at is None and attempt.score is None
        assert _denied_audited(user, "exams.attempt", attempt.public_id)
    else:
        response = client.post(f"/api/exams/attempts/{attempt.public_id}/submit/")
        assert response.status_code == 200
        attempt.refresh_from_db()
        assert attempt.status != "in_progress"
        # A late "left the page" beacon after handing in is still the owner's: 200,
        # nothing counted.
        response = client.post(f"/api/exams/attempts/{attempt.public_id}/leave/")
        assert response.status_code == 200
        attempt.refresh_from_db()
        assert attempt.leave_count == 1


# --- Training: modules, lessons, notifications, guidance plans, tracks ---------------


def _denied_audited(user, kind, identifier) -> bool:
    from audit.models import AuditEntry

    return AuditEntry.objects.filter(
        action="access.denied", actor=user, target_type=kind, target_id=str(identifier)
    ).exists()


def _write_place(role, place):
    """Where a staff role's own staff record sits (`_staff_in`: the unit below)."""
    return "unit_below" if place == "own_record" and role != "learner" else place


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", ALL_PLACES)
def test_training_modules_and_lessons_are_their_enrolled_learners(client, city, role, place):
    """Modules and lessons are studied, not supervised: only the enrolled learner opens
    them, marks them read or sends video heartbeats (coordinators use the matrix)."""
    from django.utils import timezone

    from training.models import Enrolment, LessonProgress

    from .training.helpers import make_lesson, make_module, make_programme, make_track

    user = _actor(role, city)
    staff = _staff_in(city, user, place)
    track = make_track(make_programme(staff.department))
    Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
    module = make_module(track)
    lesson = make_lesson(module)
    client.force_login(user)
    own = staff.user_id == user.pk
    expected = 200 if own else 404
    assert client.get(f"/training/modules/{module.pk}/").status_code == expected
    assert client.get(f"/training/lessons/{lesson.pk}/").status_code == expected
    response = client.post(f"/training/lessons/{lesson.pk}/read/")
    assert response.status_code == (302 if own else 404)
    response = client.post(
        f"/api/training/lessons/{lesson.pk}/heartbeat/",
        {"position": 0, "visible": True, "active": True},
        content_type="application/json",
    )
    assert response.status_code == expected
    if own:
        assert LessonProgress.objects.get(lesson=lesson, staff=staff).read_at is not None
    else:
        assert not LessonProgress.objects.filter(lesson=lesson).exists()
        if role == "learner":
            assert _denied_audited(user, "training.weeklymodule", module.pk)
            assert _denied_audited(user, "training.lesson", lesson.pk)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", ALL_PLACES)
def test_training_notifications_are_only_their_recipients(client, city, role, place):
    from training.models import Notification

    user = _actor(role, city)
    owner = user if place == "own_record" else _staff_in(city, user, place).user
    if owner is None:
        owner = UserFactory()
    notification = Notification.objects.create(user=owner, key="k", title="第1周课程已发布")
    client.force_login(user)
    response = client.post(f"/training/notifications/{notification.pk}/read/")
    notification.refresh_from_db()
    if owner == user:
        assert response.status_code == 302
        assert notification.read_at is not None
    else:
        assert response.status_code == 404
        assert notification.read_at is None
        assert _denied_audited(user, "training.notification", notification.pk)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", ALL_PLACES)
def test_guidance_plans_page_mentor_sessions_and_mentor(client, city, role, place):
    """Plans are read like staff records; mentor sessions and the mentor are written
    by coordinators (and administrators) of the person's unit; denied → 404, no change."""
    from training.models import GuidancePlan, MentorSession, MonthlyExam

    from .training.helpers import make_programme

    user = _actor(role, city)
    staff = _staff_in(city, user, place)
    exam = MonthlyExam.objects.create(
        programme=make_programme(city.city), month=datetime.date(2026, 11, 1)
    )
    plan = GuidancePlan.objects.create(staff=staff, monthly_exam=exam, failed_exam=True)
    client.force_login(user)
    may_read = _expect(role, place, READS)
    may_write = _write_place(role, place) in WRITES[role]
    url = f"/training/plans/{plan.public_id}/"

    assert client.get(url).status_code == (200 if may_read else 404)
    response = client.post(
        url, {"held_on": "2026-11-20", "topic": "一网通办操作演示", "attendees": [staff.pk]}
    )
    assert response.status_code == (302 if may_write else 404)
    assert MentorSession.objects.filter(plan=plan).exists() == may_write

    response = client.post(f"{url}mentor/", {"mentor": ""})
    assert response.status_code == (302 if may_write else 404)
    plan.refresh_from_db()
    assert plan.mentor_user_id == (user.pk if may_write else None)
    if not may_read:
        assert _denied_audited(user, "training.guidanceplan", plan.public_id)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_training_tracks_and_unit_filters(client, city, role, place):
    """The completion matrix of a track (page, xlsx, API) and the unit filters of the
    coordinators' pages, for a track and a unit at each place."""
    from django.utils import timezone

    from training.models import Enrolment

    from .training.helpers import make_module, make_programme, make_track

    user = _actor(role, city)
    department = getattr(city, PLACES[place])
    track = make_track(make_programme(department))
    make_module(track)
    Enrolment.objects.create(
        staff=StaffFactory(department=department), track=track, enrolled_at=timezone.now()
    )
    client.force_login(user)
    expected = 200 if place in READS[role] else 404
    assert client.get(f"/api/training/tracks/{track.pk}/matrix/").status_code == expected
    assert client.get(f"/training/matrix/?track={track.pk}").status_code == expected
    assert client.get(f"/training/matrix/?track={track.pk}&format=xlsx").status_code == expected
    assert client.get(f"/training/matrix/?unit={department.pk}").status_code == expected
    assert client.get(f"/training/units/?unit={department.pk}").status_code == expected
    if role != "learner" and expected == 404:
        assert _denied_audited(user, "training.track", track.pk)


# --- Exams: session pages, grading, learner pages for sessions and attempts -----------


def _graded_later(session, staff):
    """A handed-in attempt whose one short answer waits for a person to grade it."""
    from exams.services import attempt_start

    from .exams.helpers import hand_in_and_score

    attempt = attempt_start(session=session, staff=staff)
    item = attempt.items.get()
    item.answer = "先受理，再分办。"
    item.save(update_fields=["answer"])
    attempt = hand_in_and_score(attempt)
    item.refresh_from_db()
    assert item.awarded is None
    return attempt, item


SHORT_ANSWER = [{"type": "short_answer", "count": 1, "points": 10}]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_exam_session_manage_page_and_grading(client, city, role, place):
    """Session results are read like the unit; answers are graded by coordinators (and
    administrators) of the organising unit; a denied grade changes nothing."""
    from .exams.helpers import make_bank, open_session

    user = _actor(role, city)
    department = getattr(city, PLACES[place])
    candidate = StaffFactory(department=department, name="应试者王五")
    make_bank(per_type=1)
    session = open_session(department, staff=[candidate], rules=SHORT_ANSWER, published=True)
    attempt, item = _graded_later(session, candidate)
    client.force_login(user)
    may_read = place in READS[role]
    may_write = place in WRITES[role]
    url = f"/exams/manage/{session.public_id}/"

    response = client.get(url)
    assert response.status_code == (200 if may_read else 404)
    assert (candidate.name in response.content.decode()) == may_read
    response = client.get(f"{url}grade/{item.question_id}/")
    assert response.status_code == (200 if may_write else 404)
    response = client.post(f"{url}grade/{item.question_id}/", {"item": item.pk, "points": "8"})
    assert response.status_code == (302 if may_write else 404)
    item.refresh_from_db()
    attempt.refresh_from_db()
    if may_write:
        assert item.awarded == 8
    else:
        assert item.awarded is None
        assert attempt.needs_grading
        assert _denied_audited(user, "exams.examsession", session.public_id)


@pytest.mark.parametrize("role", ["coordinator", "manager"])
def test_a_session_of_the_own_unit_shows_nobody_from_outside_the_subtree(client, city, role):
    """An administrator may put people of other units on a county's session: the
    county's coordinator and manager still see and grade only their own people."""
    from .exams.helpers import make_bank, open_session

    user = _actor(role, city)
    inside = StaffFactory(department=city.township_a1, name="甲一镇张三")
    outside = StaffFactory(department=city.township_b1, name="乙一镇李四")
    make_bank(per_type=1)
    session = open_session(
        city.county_a, staff=[inside, outside], rules=SHORT_ANSWER, published=True
    )
    _graded_later(session, inside)
    _outside_attempt, outside_item = _graded_later(session, outside)
    client.force_login(user)

    page = client.get(f"/exams/manage/{session.public_id}/").content.decode()
    assert inside.name in page
    assert outside.name not in page
    if role == "coordinator":
        url = f"/exams/manage/{session.public_id}/grade/{outside_item.question_id}/"
        response = client.post(url, {"item": outside_item.pk, "points": "8"})
        assert response.status_code == 404
        outside_item.refresh_from_db()
        assert outside_item.awarded is None
        # The page queues only the coordinator's own people: with the inside answer
        # graded, nothing is left, and the outsider's answer is never shown.
        inside_item = session.attempts.get(staff=inside).items.get()
        assert client.post(url, {"item": inside_item.pk, "points": "6"}).status_code == 302
        page = client.get(url).content.decode()
        assert "先受理，再分办。" not in page


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", ALL_PLACES)
def test_exam_sessions_are_started_only_by_people_on_their_list(client, city, role, place):
    from exams.models import Attempt

    from .exams.helpers import make_bank, open_session

    user = _actor(role, city)
    staff = _staff_in(city, user, place)
    make_bank(per_type=1)
    session = open_session(
        staff.department,
        staff=[staff],
        rules=[{"type": "single", "count": 2, "points": 50}],
        published=True,
    )
    client.force_login(user)
    own = staff.user_id == user.pk
    response = client.post(f"/exams/sessions/{session.public_id}/start/")
    assert response.status_code == (302 if own else 404)
    response = client.post(f"/api/exams/sessions/{session.public_id}/start/")
    assert response.status_code == (200 if own else 404)
    assert Attempt.objects.filter(session=session).exists() == own
    assert not Attempt.objects.exclude(staff=staff).exists()


# --- Object ids in URLs: nothing sensitive behind a sequential integer ------------------

# Integer ids in paths, each judged non-personal; any other id must be a random UUID.
INTEGER_ID_ROUTES = {
    # The organisation tree is public structure (units, not people).
    "org/units/<int:department_id>/",
    "org/units/<int:department_id>/staff/new/",
    "certificates/units/<int:department_id>/",
    "certificates/units/<int:department_id>/gap/",
    "certificates/units/<int:department_id>/bundle/",
    "certificates/dashboard/<int:department_id>/",
    "certificates/dashboard/<int:department_id>/export.xlsx",
    "certificates/dashboard/<int:department_id>/report.pdf",
    "api/certificates/rates/<int:department_id>/",
    "api/^departments/(?P<pk>[^/.]+)/$",
    "api/^departments/(?P<pk>[^/.]+)\\.(?P<format>[a-z0-9]+)/?$",
    # Course content, the same for everyone enrolled.
    "training/modules/<int:pk>/",
    "training/lessons/<int:pk>/",
    "training/lessons/<int:pk>/read/",
    "api/training/lessons/<int:pk>/heartbeat/",
    "api/training/lessons/<int:pk>/reading/",
    "api/training/tracks/<int:pk>/matrix/",
    "training/modules/<int:pk>/rate/",
    "api/training/modules/<int:pk>/rating/",
    # A learner's personal check-in code, signed (not a counter): only whoever runs a
    # class open now where that person is expected can use it.
    "training/classes/person/<str:code>/",
    # A room of an assessment sitting, numbered 1, 2, ... within the sitting's UUID (its
    # staff and examiners are checked against that room by certificates.access).
    "certificates/sittings/<uuid:public_id>/rooms/<int:number>/door/",
    "certificates/sittings/<uuid:public_id>/rooms/<int:number>/door/absences/",
    "certificates/sittings/<uuid:public_id>/rooms/<int:number>/score/",
    "certificates/sittings/<uuid:public_id>/rooms/<int:number>/score/<uuid:candidate_id>/",
    "certificates/sittings/<uuid:public_id>/rooms/<int:number>/score/<uuid:candidate_id>/resolve/",
    "certificates/sittings/<uuid:public_id>/rooms/<int:number>/sign-in.pdf",
    "certificates/sittings/<uuid:public_id>/rooms/<int:number>/sign-in.xlsx",
    "certificates/sittings/<uuid:public_id>/rooms/<int:number>/sign-off/",
    "api/^certificates/sittings/(?P<public_id>[0-9a-fA-F-]{32,36})/rooms/(?P<number>\\d+)/candidates/$",
    "api/^certificates/sittings/(?P<public_id>[0-9a-fA-F-]{32,36})/rooms/(?P<number>\\d+)/check-in/$",
    "api/^certificates/sittings/(?P<public_id>[0-9a-fA-F-]{32,36})/rooms/(?P<number>\\d+)/sign-off/$",
    # ... and its printed papers over the API; `fmt` is the file's format, not an id.
    "api/^certificates/sittings/(?P<public_id>[0-9a-fA-F-]{32,36})/rooms/(?P<number>\\d+)/sign-in/(?P<fmt>pdf|xlsx)/$",
    "api/^certificates/sittings/(?P<public_id>[0-9a-fA-F-]{32,36})/tickets/(?P<fmt>pdf|zip)/$",
    # A question of the bank, under the session's UUID (graders never see names).
    "exams/manage/<uuid:public_id>/grade/<int:question_id>/",
    "api/exams/manage/sessions/<uuid:public_id>/grading/<int:question_id>/",
    # One answer in the anonymous grading queue (the HTML page posts the same id in its
    # form): only a grader of that session and of that person's unit gets anything;
    # every other id is a 404 (test_access_matrix_training_exams.py).
    "api/exams/manage/items/<int:item_id>/grade/",
    # The recipient's own notification; anyone else's is 404 like a missing one.
    "training/notifications/<int:pk>/read/",
}
UUID_REGEX = "[0-9a-fA-F-]{32,36}"


def _object_routes():
    """(route, kinds of its ids) for every URL with an object id in its path."""
    from django.urls import URLResolver, get_resolver
    from django.urls.resolvers import RegexPattern

    def walk(patterns, prefix=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            else:
                yield route, pattern.pattern

    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith(("admin/", "accounts/")):
            continue  # Django's admin (administrators only) and allauth's signed keys
        if isinstance(pattern, RegexPattern):
            ids = [
                name
                for name in pattern.regex.groupindex
                if name != "format" and f"(?P<{name}>{UUID_REGEX})" not in route
            ]
            uuids = route.count(f"{UUID_REGEX})")
        else:
            converters = {k: type(v).__name__ for k, v in pattern.converters.items()}
            ids = [k for k, v in converters.items() if v != "UUIDConverter" and k != "format"]
            uuids = list(converters.values()).count("UUIDConverter")
        if ids or uuids:
            yield route, ids


def test_no_sensitive_object_is_addressed_by_a_sequential_integer():
    routes = dict(_object_routes())
    not_uuid = {route for route, ids in routes.items() if ids}
    # The public certificate check: its key is the unguessable verification code.
    public = {r for r in not_uuid if "/v/<str:code>/" in r}
    assert len(public) == 2
    assert not_uuid - public == INTEGER_ID_ROUTES
    # Sanity: the walk sees the sensitive routes, and they are all UUID-keyed.
    for sensitive in (
        "org/staff/<uuid:public_id>/",
        "api/^staff/(?P<public_id>[0-9a-fA-F-]{32,36})/$",
        "exams/attempts/<uuid:public_id>/",
        "api/exams/attempts/<uuid:public_id>/save/",
        "certificates/c/<uuid:public_id>/",
        "api/^certificates/certificates/(?P<public_id>[0-9a-fA-F-]{32,36})/$",
        "roster/<uuid:public_id>/",
        "api/roster/imports/<uuid:public_id>/",
        "training/plans/<uuid:public_id>/",
    ):
        assert routes[sensitive] == []


def test_sensitive_public_ids_are_random_and_integer_ids_open_nothing(client, city, levels):
    """Staff, attempts, certificates and imports carry random (version 4) UUIDs, and
    their integer primary keys, even of objects the caller may see, open nothing."""
    from certificates.services import CODE_LENGTH, certificate_issue
    from exams.services import attempt_start

    from .exams.helpers import make_bank, open_session

    administrator = _actor("administrator", city)
    learner = _actor("learner", city)
    staff = learner.staff
    certificate = certificate_issue(assessment=passed_assessment(staff, levels[5]))
    make_bank(per_type=1)
    session = open_session(
        city.city, staff=[staff], rules=[{"type": "single", "count": 1, "points": 100}]
    )
    attempt = attempt_start(session=session, staff=staff)
    record = RosterImport.objects.create(
        created_by=administrator,
        department=city.county_a,
        filename="花名册.xlsx",
        sha256="0" * 64,
        status=ImportStatus.READY,
        report={"counts": {}},
    )
    for thing in (staff, certificate, attempt, record, session):
        assert thing.public_id.version == 4
    assert len(certificate.verification_code) == CODE_LENGTH >= 12

    client.force_login(learner)
    assert client.get(f"/exams/attempts/{attempt.public_id}/").status_code == 200
    assert client.get(f"/exams/attempts/{attempt.pk}/").status_code == 404
    assert client.get(f"/api/exams/attempts/{attempt.pk}/").status_code == 404
    client.force_login(administrator)
    for url in (
        f"/org/staff/{staff.pk}/",
        f"/api/staff/{staff.pk}/",
        f"/certificates/c/{certificate.pk}/",
        f"/api/certificates/certificates/{certificate.pk}/",
        f"/roster/{record.pk}/",
        f"/api/roster/imports/{record.pk}/",
        f"/exams/manage/{session.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/org/staff/{staff.public_id}/").status_code == 200
    # The printed (sequential) certificate number alone verifies nothing.
    response = client.post(
        "/certificates/verify/", {"number": certificate.number, "code": "A" * CODE_LENGTH}
    )
    assert response.status_code == 200 and response.context["checked"]
    assert response.context["result"] is None
    response = client.post(
        "/certificates/verify/",
        {"number": certificate.number, "code": certificate.verification_code},
    )
    assert response.context["result"] is not None
