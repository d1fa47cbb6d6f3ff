"""Who an identity from the unified identity system is here (organisation/identity.py):
the staff-number claim first, then the mobile claim; only an active person with an
active account; an ambiguous or unknown identity is nobody."""

import pytest

from organisation.identity import staff_for_claims
from organisation.models import StaffStatus
from organisation.services import staff_create_account

from ..factories import StaffFactory


@pytest.fixture
def person(city):
    staff = StaffFactory(department=city.township_a1, staff_number="HZ1", mobile="13800000001")
    staff_create_account(staff=staff)
    staff.refresh_from_db()
    return staff


def test_the_staff_number_claim_names_the_person(person):
    assert staff_for_claims({"staff_number": " hz1 "}) == person


def test_the_mobile_claim_is_tried_next(person):
    assert staff_for_claims({"staff_number": "OTHER", "phone_number": "+8613800000001"}) == person


def test_nobody_for_an_unknown_identity(person):
    assert staff_for_claims({"staff_number": "NOPE", "phone_number": "13900000000"}) is None
    assert staff_for_claims({}) is None


def test_a_leaver_or_a_closed_account_is_nobody(person):
    person.user.is_active = False
    person.user.save(update_fields=["is_active"])
    assert staff_for_claims({"staff_number": "HZ1"}) is None
    person.user.is_active = True
    person.user.save(update_fields=["is_active"])
    person.status = StaffStatus.LEFT
    person.save(update_fields=["status"])
    assert staff_for_claims({"staff_number": "HZ1"}) is None


def test_a_person_without_an_account_is_nobody(city):
    StaffFactory(department=city.township_a1, staff_number="HZ2")
    assert staff_for_claims({"staff_number": "HZ2"}) is None


@pytest.mark.parametrize("claim", ["staff_number", "employee_id"])
def test_the_claim_names_are_configuration(person, settings, claim):
    settings.OIDC_STAFF_NUMBER_CLAIM = claim
    assert staff_for_claims({claim: "HZ1"}) == person
