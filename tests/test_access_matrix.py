"""The access matrix across apps: every role against objects in its own unit, a unit
below, a sibling unit and the parent unit (and, for learners, their own record).

Pages and API endpoints answer 200 where the role may see the object and 404 (never
403) where it may not; denied writes change nothing.
"""

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
    if not own:
        assert attempt.items.get(position=1).seq == 0
        client.post(f"/exams/attempts/{attempt.public_id}/submit/")
        attempt.refresh_from_db()
        assert attempt.status == "in_progress"
