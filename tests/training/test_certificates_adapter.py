"""The certificate facts training reads through its adapter."""

import datetime

import pytest
from django.utils import timezone

from certificates.models import Certificate, SkillLevel
from tests.factories import StaffFactory
from training import certificates_adapter
from training.models import Enrolment, LevelHeld
from training.services import enrolment_sync

from .helpers import make_programme, make_track

pytestmark = pytest.mark.django_db


def _models():
    return SkillLevel, Certificate


def _certify(staff, *, level_code=5, revoked=False):
    SkillLevel, Certificate = _models()
    level, _ = SkillLevel.objects.get_or_create(
        code=level_code, defaults={"name": f"{level_code}级"}
    )
    return Certificate.objects.create(
        number=f"T{staff.pk:08d}",
        verification_code=f"v{staff.pk:031d}",
        staff=staff,
        level=level,
        holder_name=staff.name,
        id_number_masked=staff.id_number_masked,
        issue_date=timezone.localdate() - datetime.timedelta(days=30),
        assessment_body="测试评价机构",
        revoked_on=timezone.localdate() if revoked else None,
    )


def test_the_refresher_track_takes_only_the_certified(city):
    _models()
    track = make_track(make_programme(city.county_a), level_held=LevelHeld.CERTIFIED)
    holder = StaffFactory(department=city.township_a1)
    revoked = StaffFactory(department=city.township_a1)
    StaffFactory(department=city.township_a1)
    _certify(holder)
    _certify(revoked, revoked=True)

    enrolment_sync()

    assert list(Enrolment.objects.filter(track=track).values_list("staff", flat=True)) == [
        holder.pk
    ]


def test_the_best_valid_certificate_is_reported(city):
    _models()
    staff = StaffFactory(department=city.township_a1)
    _certify(staff, level_code=5)
    facts = certificates_adapter.valid_certificates_by_staff(staff_ids=[staff.pk])
    assert facts[staff.pk].level == 5
