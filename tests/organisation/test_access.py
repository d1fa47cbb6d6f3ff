"""The access module: who sees and changes which units and staff.

Every role is checked against its own unit, a unit below, a sibling unit and the
parent unit; missing and forbidden objects answer the same 404.
"""

import uuid

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from audit.models import AuditEntry
from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    examiner_conflict_units,
    get_department_for,
    get_staff_for,
    staff_visible_to,
    units_in_line_with,
)
from organisation.models import Role, RoleAssignment, Staff

from ..factories import DepartmentFactory, StaffFactory, UserFactory, make_user_with_role

# Where the target sits, seen from a role bound to county A.
PLACES = {
    "own_unit": "county_a",
    "unit_below": "township_a1",
    "sibling_unit": "county_b",
    "parent_unit": "city",
}

# role -> places it may read, places it may change
MATRIX = {
    "coordinator": ({"own_unit", "unit_below"}, {"own_unit", "unit_below"}),
    "manager": ({"own_unit", "unit_below"}, set()),
    "administrator": (set(PLACES), set(PLACES)),
    "learner": (set(), set()),
    "no_role": (set(), set()),
}


def _actor(role, city):
    if role == "administrator":
        return make_user_with_role(Role.ADMINISTRATOR, city.city)
    if role in ("coordinator", "manager"):
        return make_user_with_role(role, city.county_a)
    user = UserFactory()
    if role == "learner":
        StaffFactory(department=city.township_a1, user=user)
    return user


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("place", PLACES)
def test_department_visibility_matrix(city, role, place):
    user = _actor(role, city)
    target = getattr(city, PLACES[place])
    can_read, can_write = MATRIX[role]
    assert departments_visible_to(user).filter(pk=target.pk).exists() == (place in can_read)
    assert departments_managed_by(user).filter(pk=target.pk).exists() == (place in can_write)


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("place", PLACES)
def test_get_staff_for_matrix(city, role, place):
    user = _actor(role, city)
    target = StaffFactory(department=getattr(city, PLACES[place]))
    can_read, can_write = MATRIX[role]
    if place in can_read:
        assert get_staff_for(user, target.public_id) == target
    else:
        with pytest.raises(Http404):
            get_staff_for(user, target.public_id)
    if place in can_write:
        assert get_staff_for(user, target.public_id, write=True) == target
    else:
        with pytest.raises(Http404):
            get_staff_for(user, target.public_id, write=True)


@pytest.mark.parametrize("role", MATRIX)
@pytest.mark.parametrize("place", PLACES)
def test_get_department_for_matrix(city, role, place):
    user = _actor(role, city)
    target = getattr(city, PLACES[place])
    can_read, _ = MATRIX[role]
    if place in can_read:
        assert get_department_for(user, target.pk) == target
    else:
        with pytest.raises(Http404):
            get_department_for(user, target.pk)


def test_missing_and_forbidden_staff_look_the_same(city, coordinator_a):
    forbidden = StaffFactory(department=city.county_b)
    with pytest.raises(Http404) as missing_exc:
        get_staff_for(coordinator_a, uuid.uuid4())
    with pytest.raises(Http404) as forbidden_exc:
        get_staff_for(coordinator_a, forbidden.public_id)
    assert str(missing_exc.value) == str(forbidden_exc.value)


def test_forbidden_lookup_is_audited_but_missing_is_not(city, coordinator_a):
    forbidden = StaffFactory(department=city.county_b)
    with pytest.raises(Http404):
        get_staff_for(coordinator_a, uuid.uuid4())
    assert not AuditEntry.objects.filter(action="access.denied").exists()
    with pytest.raises(Http404):
        get_staff_for(coordinator_a, forbidden.public_id)
    entry = AuditEntry.objects.get(action="access.denied")
    assert entry.actor == coordinator_a
    assert entry.target_id == str(forbidden.public_id)


def test_learner_sees_only_own_staff_record(city, learner_a1):
    user, me = learner_a1
    colleague = StaffFactory(department=city.township_a1)
    assert list(staff_visible_to(user)) == [me]
    with pytest.raises(Http404):
        get_staff_for(user, colleague.public_id)


def test_anonymous_and_inactive_users_see_nothing(city, coordinator_a):
    from django.contrib.auth.models import AnonymousUser

    StaffFactory(department=city.county_a)
    assert not departments_visible_to(AnonymousUser()).exists()
    coordinator_a.is_active = False
    assert not departments_visible_to(coordinator_a).exists()


def test_several_roles_add_up(city):
    user = make_user_with_role(Role.COORDINATOR, city.township_a1)
    make_user_with_role  # noqa: B018 - readability: second role below
    from organisation.models import RoleAssignment

    RoleAssignment.objects.create(user=user, role=Role.MANAGER, department=city.township_b1)
    visible = set(departments_visible_to(user).values_list("code", flat=True))
    managed = set(departments_managed_by(user).values_list("code", flat=True))
    assert visible == {"A1", "B1"}
    assert managed == {"A1"}


def _chain(depth: int):
    top = DepartmentFactory()
    node = top
    for _ in range(depth):
        node = DepartmentFactory(parent=node)
    return top, node


@pytest.mark.parametrize("depth", [1, 4, 12])
def test_subtree_queries_take_one_sql_query_whatever_the_depth(db, depth):
    top, bottom = _chain(depth)
    StaffFactory(department=bottom)
    user = make_user_with_role(Role.COORDINATOR, top)
    with CaptureQueriesContext(connection) as ctx:
        staff = list(staff_visible_to(user))
        units = list(departments_visible_to(user))
    assert len(staff) == 1
    assert len(units) == depth + 1
    assert len(ctx.captured_queries) == 2  # one for staff, one for the units


def test_staff_selector_is_not_n_plus_one(city, coordinator_a, django_assert_num_queries):
    from organisation.selectors import staff_list

    for dept in (city.county_a, city.township_a1, city.township_a2):
        StaffFactory.create_batch(3, department=dept)
    with django_assert_num_queries(1):
        rows = [(s.name, s.department.name) for s in staff_list(user=coordinator_a)]
    assert len(rows) == 9
    assert Staff.objects.count() == 9


def test_role_changes_take_effect_at_once_despite_the_roles_cache(city):
    from organisation.access import user_roles
    from organisation.services import role_assign, role_revoke

    user = UserFactory()
    assert not user_roles(user).is_coordinator
    assignment = role_assign(user=user, role=Role.COORDINATOR, department=city.county_a)
    fresh = type(user).objects.get(pk=user.pk)
    assert user_roles(fresh).is_coordinator
    role_revoke(assignment=assignment)
    fresh = type(user).objects.get(pk=user.pk)
    assert not user_roles(fresh).is_coordinator


def test_units_in_line_are_the_unit_with_the_units_above_and_below_it_except_the_root(city):
    """An examiner's conflict rule: a county is in line with itself and its townships, a
    township with itself and its county (never with a sister township or another
    county); the root (the whole city) is in line only with itself."""
    station = DepartmentFactory(parent=city.township_a1, code="A1S", name="甲一镇便民站")

    def line(*units):
        return set(units_in_line_with(list(units)).values_list("code", flat=True))

    assert line(city.county_a) == {"A", "A1", "A2", "A1S"}
    assert line(city.township_a1) == {"A", "A1", "A1S"}
    assert line(station) == {"A", "A1", "A1S"}
    assert line(city.city) == {"C"}
    assert line(city.township_a2, city.township_b1) == {"A", "A2", "B", "B1"}
    assert line() == set()


def test_an_examiners_conflict_units_follow_their_staff_unit_and_examiner_roles(city):
    """Their own staff record's unit and the units their examiner roles are bound to,
    each with its line; the units of their other roles do not count."""
    user = make_user_with_role(Role.EXAMINER, city.township_b1)
    StaffFactory(department=city.township_a2, user=user)
    RoleAssignment.objects.create(user=user, role=Role.COORDINATOR, department=city.city)
    assert set(examiner_conflict_units(user).values_list("code", flat=True)) == {
        "A",
        "A2",
        "B",
        "B1",
    }
    assert not examiner_conflict_units(UserFactory()).exists()
