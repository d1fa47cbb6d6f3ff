"""Enrolment follows the roster: new hires matching a track are enrolled, leavers are
withdrawn keeping their history; the hook and the sync give the same result."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from organisation.models import StaffStatus
from tests.factories import StaffFactory
from training.models import Enrolment, EnrolmentStatus, Tier
from training.services import enrolment_on_roster_import, enrolment_sync

from .helpers import make_programme, make_track

pytestmark = pytest.mark.django_db


@pytest.fixture
def tracks(city):
    programme = make_programme(city.county_a)
    in_service = make_track(programme)
    new_staff = make_track(programme, name="新入职", tier=Tier.NEW_STAFF, hired_within_days=90)
    return in_service, new_staff


def test_a_new_hire_matching_a_track_is_enrolled_by_the_roster_hook(city, tracks):
    in_service, new_staff = tracks
    hire = StaffFactory(department=city.township_a1, hire_date=timezone.localdate())

    enrolment_on_roster_import(
        import_id=1, created_staff_ids=[hire.pk], updated_staff_ids=[], left_staff_ids=[]
    )

    assert set(Enrolment.objects.filter(staff=hire).values_list("track", flat=True)) == {
        in_service.pk,
        new_staff.pk,
    }


def test_people_outside_the_audience_are_not_enrolled(city, tracks):
    in_service, _new = tracks
    other_county = StaffFactory(department=city.township_b1)
    not_window = StaffFactory(department=city.township_a1, is_window_staff=False)
    old_hand = StaffFactory(department=city.township_a1, hire_date=datetime.date(2010, 1, 1))

    enrolment_sync()

    assert not Enrolment.objects.filter(staff__in=[other_county, not_window]).exists()
    assert list(Enrolment.objects.filter(staff=old_hand).values_list("track", flat=True)) == [
        in_service.pk
    ]


def test_audience_rules_for_units_and_posts(city, tracks):
    in_service, _new = tracks
    in_service.departments.set([city.township_a2])
    in_service.posts = ["综合窗口受理"]
    in_service.save()
    a1 = StaffFactory(department=city.township_a1)
    a2 = StaffFactory(department=city.township_a2)
    a2_other_post = StaffFactory(department=city.township_a2, post="后台审核")

    enrolment_sync()

    enrolled = set(Enrolment.objects.filter(track=in_service).values_list("staff", flat=True))
    assert enrolled == {a2.pk}
    assert a1.pk not in enrolled and a2_other_post.pk not in enrolled


def test_a_leaver_is_withdrawn_and_the_history_is_kept(city, tracks):
    in_service, _new = tracks
    staff = StaffFactory(department=city.township_a1, hire_date=datetime.date(2015, 1, 1))
    enrolment_sync()
    staff.status = StaffStatus.LEFT
    staff.left_on = timezone.localdate()
    staff.save()

    enrolment_on_roster_import(
        import_id=2, created_staff_ids=[], updated_staff_ids=[], left_staff_ids=[staff.pk]
    )

    enrolment = Enrolment.objects.get(staff=staff, track=in_service)
    assert enrolment.status == EnrolmentStatus.WITHDRAWN
    assert enrolment.withdrawn_reason == "left"
    assert enrolment.withdrawn_at is not None


def test_the_sync_without_the_hook_gives_the_same_result_and_is_idempotent(city, tracks):
    staff = StaffFactory(department=city.township_a1, hire_date=datetime.date(2015, 1, 1))

    first = enrolment_sync()
    second = enrolment_sync()

    assert first.enrolled == 1
    assert (second.enrolled, second.withdrawn, second.reactivated) == (0, 0, 0)
    assert Enrolment.objects.filter(staff=staff).count() == 1


def test_a_rehired_person_is_enrolled_again_in_the_same_row(city, tracks):
    in_service, _new = tracks
    staff = StaffFactory(department=city.township_a1, hire_date=datetime.date(2015, 1, 1))
    enrolment_sync()
    staff.status = StaffStatus.LEFT
    staff.save()
    enrolment_sync()
    staff.status = StaffStatus.ACTIVE
    staff.save()

    result = enrolment_sync()

    assert result.reactivated == 1
    assert Enrolment.objects.get(staff=staff, track=in_service).status == EnrolmentStatus.ACTIVE


def test_the_enrolment_sync_command_runs_the_same_service(city, tracks):
    StaffFactory(department=city.township_a1, hire_date=datetime.date(2015, 1, 1))

    call_command("training_enrolment_sync")
    call_command("training_enrolment_sync")

    assert Enrolment.objects.count() == 1


def test_the_hook_is_registered_in_settings(settings):
    assert "training.services.enrolment_on_roster_import" in settings.ROSTER_IMPORT_COMMITTED_HOOKS
