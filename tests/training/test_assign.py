"""A coordinator assigns training to people or units of their subtree, audited; the
roster sync keeps those people until they leave; others get 404."""

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEntry
from organisation.models import StaffStatus
from tests.factories import StaffFactory
from training.models import Enrolment, EnrolmentStatus
from training.services import enrolment_sync

from .helpers import make_programme, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def track(city):
    track = make_track(make_programme(city.city))
    track.departments.set([city.township_b1])  # the rules reach only B1
    return track


def test_a_coordinator_assigns_a_unit_and_named_people(client, city, track, coordinator_a):
    unit_people = [StaffFactory(department=city.township_a2) for _ in range(2)]
    named = StaffFactory(department=city.township_a1, staff_number="A1-900")
    StaffFactory(department=city.township_a1)  # neither in the unit nor named
    client.force_login(coordinator_a)
    assert client.get(reverse("training:assign")).status_code == 200
    response = client.post(
        reverse("training:assign"),
        {"track": track.pk, "units": [city.township_a2.pk], "staff_numbers": "A1-900"},
    )
    assert response.status_code == 302, response.context["form"].errors
    enrolled = set(Enrolment.objects.filter(track=track).values_list("staff_id", flat=True))
    assert enrolled == {p.pk for p in [*unit_people, named]}
    entry = AuditEntry.objects.get(action="training.assigned")
    assert entry.actor == coordinator_a and entry.data["enrolled"] == 3

    # The roster sync keeps them (they are outside the track's rules) until they leave.
    enrolment_sync()
    assert Enrolment.objects.filter(track=track, status=EnrolmentStatus.ACTIVE).count() == 3
    named.status = StaffStatus.LEFT
    named.left_on = timezone.localdate()
    named.save()
    enrolment_sync()
    assert Enrolment.objects.get(track=track, staff=named).status == EnrolmentStatus.WITHDRAWN


def test_people_and_units_outside_the_subtree_are_refused(client, city, track, coordinator_a):
    StaffFactory(department=city.township_b1, staff_number="B1-900")
    client.force_login(coordinator_a)
    response = client.post(
        reverse("training:assign"), {"track": track.pk, "staff_numbers": "B1-900"}
    )
    assert response.status_code == 200
    assert "B1-900" in response.text and "不在您负责的人员范围内" in response.text
    response = client.post(
        reverse("training:assign"), {"track": track.pk, "units": [city.township_b1.pk]}
    )
    assert response.status_code == 200
    assert not Enrolment.objects.exists()
    assert not AuditEntry.objects.filter(action="training.assigned").exists()


def test_managers_and_learners_cannot_assign(client, city, manager_a, learner_a1):
    for user in (manager_a, learner_a1[0]):
        client.force_login(user)
        assert client.get(reverse("training:assign")).status_code == 404
