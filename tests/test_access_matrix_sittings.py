"""The access matrix of assessment sittings: every role against sittings organised in
its own unit, a unit below, a sibling unit and the parent unit; candidates of each
place; the rooms and scores of examiners.

Pages and API answer 200 where the role may see, 404 where it may not (403 only for
an object visible to the user with a role that may not act on it); denied writes
change nothing.
"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from certificates.models import Candidate, PracticalScore, Room
from certificates.services import (
    check_in,
    examiner_assign,
    sitting_assign_seats,
    sitting_room_add,
)
from organisation.models import Role

from .certificates.sitting_helpers import confirmed_candidates, examiner, full_scores, plan_sitting
from .factories import StaffFactory, UserFactory, add_totp, make_user_with_role

PLACES = {
    "own_unit": "county_a",
    "unit_below": "township_a1",
    "sibling_unit": "county_b",
    "parent_unit": "city",
}
# Sittings seen: those organised in the reader's subtree, and those organised above it
# (a unit's coordinator proposes their own people to the city's sitting).
READS = {
    "coordinator": {"own_unit", "unit_below", "parent_unit"},
    "manager": {"own_unit", "unit_below", "parent_unit"},
    "administrator": set(PLACES),
    "learner": set(),
    "examiner": set(),
}
# Candidates seen in a sitting: those of the reader's subtree.
PEOPLE = {
    "coordinator": {"own_unit", "unit_below"},
    "manager": {"own_unit", "unit_below"},
    "administrator": set(PLACES),
    "learner": set(),
    "examiner": set(),
}
ORGANISES = {
    "coordinator": {"own_unit", "unit_below"},
    "manager": set(),
    "administrator": set(PLACES),
    "learner": set(),
    "examiner": set(),
}
ROLES = list(READS)


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
    if role == "examiner":
        return examiner(city.county_b)
    user = UserFactory()
    StaffFactory(department=city.township_a1, user=user)
    return user


def _sitting_at(city, levels, place):
    department = getattr(city, PLACES[place])
    organiser = make_user_with_role(Role.COORDINATOR, department)
    return plan_sitting(organiser, department, levels[4]), organiser


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_sitting_page_and_api(client, city, levels, role, place):
    user = _actor(role, city)
    sitting, _ = _sitting_at(city, levels, place)
    client.force_login(user)
    expected = 200 if place in READS[role] else 404
    assert client.get(f"/certificates/sittings/{sitting.public_id}/").status_code == expected
    assert client.get(f"/api/certificates/sittings/{sitting.public_id}/").status_code == expected
    listed = client.get("/api/certificates/sittings/").json()["results"]
    assert (str(sitting.public_id) in {s["id"] for s in listed}) == (expected == 200)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_only_organisers_add_rooms_and_seat(client, city, levels, role, place):
    user = _actor(role, city)
    sitting, _ = _sitting_at(city, levels, place)
    client.force_login(user)
    page = client.post(
        f"/certificates/sittings/{sitting.public_id}/rooms/",
        {"number": 1, "name": "一楼", "capacity": 5},
    )
    api = client.post(
        f"/api/certificates/sittings/{sitting.public_id}/rooms/",
        {"number": 2, "name": "二楼", "capacity": 5},
        content_type="application/json",
    )
    if place in ORGANISES[role]:
        assert page.status_code == 302 and api.status_code == 201
        assert sitting.rooms.count() == 2
    else:
        assert page.status_code == 404 and api.status_code == 404
        assert not Room.objects.exists()
        assert (
            client.post(f"/api/certificates/sittings/{sitting.public_id}/seat/").status_code == 404
        )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("place", list(PLACES))
def test_candidates_and_tickets_of_each_place(client, city, levels, role, place):
    """A city sitting with a candidate in `place`: a unit's coordinator or manager sees
    only their own people, and the ticket of nobody else."""
    city_organiser = make_user_with_role(Role.COORDINATOR, city.city)
    sitting = plan_sitting(city_organiser, city.city, levels[4])
    sitting_room_add(sitting=sitting, number=1, name="一楼", capacity=5, acting_user=city_organiser)
    (candidate,) = confirmed_candidates(sitting, city_organiser, [getattr(city, PLACES[place])], 1)
    sitting_assign_seats(sitting=sitting, seed=1, acting_user=city_organiser)
    user = _actor(role, city)
    client.force_login(user)
    # A city sitting is seen by every unit reader; its people only by their own units.
    sees_sitting = role in ("administrator", "coordinator", "manager")
    expected = 200 if place in PEOPLE[role] else 404
    response = client.get(f"/api/certificates/sittings/{sitting.public_id}/candidates/")
    assert response.status_code == (200 if sees_sitting else 404)
    if sees_sitting:
        listed = [c["id"] for c in response.json()]
        assert listed == ([str(candidate.public_id)] if place in PEOPLE[role] else [])
        page = client.get(f"/certificates/sittings/{sitting.public_id}/").content.decode()
        assert (candidate.staff.name in page) == (place in PEOPLE[role])
    ticket = (
        f"/certificates/sittings/{sitting.public_id}/candidates/{candidate.public_id}/ticket.pdf"
    )
    assert client.get(ticket).status_code == expected
    # Withdrawing someone else's candidate: nothing changes.
    withdraw = client.post(
        f"/api/certificates/sittings/{sitting.public_id}/candidates/{candidate.public_id}/withdraw/",
        {"reason": "测试"},
        content_type="application/json",
    )
    candidate.refresh_from_db()
    if role in ("coordinator", "administrator") and place in PEOPLE[role]:
        assert withdraw.status_code == 200 and candidate.status == "withdrawn"
    else:
        assert withdraw.status_code in (403, 404) and candidate.status == "confirmed"


@pytest.fixture
def examined(city, levels):
    """A city sitting with two rooms; examiners of county B in room 1 (the first one
    chief); a candidate of township A1 checked in there."""
    organiser = make_user_with_role(Role.COORDINATOR, city.city)
    sitting = plan_sitting(organiser, city.city, levels[4])
    for number in (1, 2):
        sitting_room_add(
            sitting=sitting, number=number, name=f"{number}楼", capacity=1, acting_user=organiser
        )
    confirmed_candidates(sitting, organiser, [city.township_a1, city.township_a2], 1)
    sitting_assign_seats(sitting=sitting, seed=2, acting_user=organiser)
    room = sitting.rooms.get(number=1)
    mine = [examiner(city.county_b) for _ in range(3)]
    for i, user in enumerate(mine):
        examiner_assign(room=room, user=user, is_chief=i == 0, acting_user=organiser)
    candidate = Candidate.objects.get(room=room)
    check_in(
        room=room,
        scanned=candidate.ticket_number,
        acting_user=organiser,
        now=sitting.theory_starts_at - datetime.timedelta(minutes=5),
    )
    return sitting, organiser, mine, candidate


WHO = ["assigned_examiner", "other_examiner", "organiser", "unit_coordinator", "learner"]


def _who(who, city, examined):
    _sitting, organiser, mine, candidate = examined
    return {
        "assigned_examiner": lambda: mine[1],
        "other_examiner": lambda: examiner(city.county_b),
        "organiser": lambda: organiser,
        "unit_coordinator": lambda: make_user_with_role(Role.COORDINATOR, city.county_a),
        "learner": lambda: candidate.staff.user or _learner(candidate),
    }[who]()


def _learner(candidate):
    user = UserFactory()
    candidate.staff.user = user
    candidate.staff.save(update_fields=["user"])
    return user


@pytest.mark.parametrize("who", WHO)
def test_an_examiner_sees_only_their_rooms(client, city, examined, who):
    sitting, *_ = examined
    user = _who(who, city, examined)
    client.force_login(user)
    own_room = {"assigned_examiner": 200, "organiser": 200}.get(who, 404)
    other_room = {"organiser": 200}.get(who, 404)
    base = f"/certificates/sittings/{sitting.public_id}/rooms"
    api = f"/api/certificates/sittings/{sitting.public_id}/rooms"
    assert client.get(f"{base}/1/score/").status_code == own_room
    assert client.get(f"{base}/1/door/").status_code == own_room
    assert client.get(f"{api}/1/candidates/").status_code == own_room
    assert client.get(f"{base}/2/score/").status_code == other_room
    assert client.get(f"{api}/2/candidates/").status_code == other_room
    rooms = client.get("/api/certificates/examiner/rooms/").json()
    assert [r["number"] for r in rooms] == ([1] if who == "assigned_examiner" else [])


@pytest.mark.parametrize("who", WHO)
def test_only_the_rooms_examiners_score(client, city, examined, who):
    sitting, _, _, candidate = examined
    user = _who(who, city, examined)
    client.force_login(user)
    response = client.post(
        f"/api/certificates/sittings/{sitting.public_id}/candidates/{candidate.public_id}/scores/",
        {"scores": full_scores(sitting, lambda mx: mx)},
        content_type="application/json",
    )
    if who == "assigned_examiner":
        assert response.status_code == 200
        assert PracticalScore.objects.filter(examiner=user).count() == 3
    else:
        # The organiser and the candidate's own coordinator see the candidate but are
        # no examiners of the room: 403; everyone else: 404. Nothing is saved.
        expected = 403 if who in ("organiser", "unit_coordinator") else 404
        assert response.status_code == expected
        assert not PracticalScore.objects.exists()


def test_a_refused_check_in_through_the_api_says_why_and_changes_nothing(client, city, examined):
    sitting, organiser, mine, candidate = examined
    client.force_login(mine[0])
    response = client.post(
        f"/api/certificates/sittings/{sitting.public_id}/rooms/1/check-in/",
        {"ticket": candidate.ticket_number},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "已使用" in response.json()["detail"] or "签到时间" in response.json()["detail"]
    assert Candidate.objects.get(pk=candidate.pk).check_in.by == organiser
    assert timezone.now()


def test_the_examiner_role_reads_no_unit(client, city):
    from organisation.access import user_roles

    user = examiner(city.city)
    roles = user_roles(user)
    assert roles.is_examiner and not roles.can_read_units and not roles.is_coordinator
    client.force_login(user)
    assert client.get(f"/org/units/{city.city.pk}/").status_code == 404
    assert client.get(f"/certificates/dashboard/{city.city.pk}/").status_code == 404
    assert client.get("/api/staff/").json()["count"] == 0
    assert client.get("/certificates/sittings/").status_code == 302
