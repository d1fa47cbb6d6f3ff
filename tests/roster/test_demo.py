import random

from roster.demo import seed_roster
from roster.models import ImportStatus, RosterImport
from tests.factories import StaffFactory


def test_seed_roster_leaves_an_imported_and_an_invalid_file_in_the_history(city, coordinator_a):
    for _ in range(6):
        StaffFactory(department=city.township_a1)
    assert seed_roster(rng=random.Random(1)) == 2
    statuses = list(RosterImport.objects.order_by("created_at").values_list("status", flat=True))
    assert statuses == [ImportStatus.COMMITTED, ImportStatus.INVALID]
    invalid = RosterImport.objects.get(status=ImportStatus.INVALID)
    codes = {e["code"] for e in invalid.report["errors"]}
    assert {"id_stored_as_number", "unit_unknown", "duplicate_staff_number"} <= codes
