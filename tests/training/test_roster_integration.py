"""End to end with the real roster import: a committed import enrols the new hires
through the registered hook."""

import pytest

from organisation.models import Staff
from tests.roster.files import person, xlsx
from tests.roster.test_services import upload_and_commit
from training.models import Enrolment, EnrolmentStatus

from .helpers import make_programme, make_track

pytestmark = pytest.mark.django_db


def test_a_committed_roster_import_enrols_the_new_hires(
    city, coordinator_a, django_capture_on_commit_callbacks
):
    track = make_track(make_programme(city.county_a))

    with django_capture_on_commit_callbacks(execute=True):
        upload_and_commit(coordinator_a, xlsx([person("A1"), person("A2")]))

    new = set(Staff.objects.values_list("pk", flat=True))
    enrolled = set(
        Enrolment.objects.filter(track=track, status=EnrolmentStatus.ACTIVE).values_list(
            "staff_id", flat=True
        )
    )
    assert len(new) == 2 and enrolled == new
