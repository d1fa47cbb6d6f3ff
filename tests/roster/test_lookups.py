"""`in_filter`: a look-up by a long list of values (a roster import asks 2,000 at a
time) finds exactly the rows holding them, on SQLite and on PostgreSQL, whatever
characters the values hold."""

from organisation.models import Staff
from roster.lookups import in_filter
from tests.factories import StaffFactory


def test_a_long_list_finds_exactly_the_rows_that_hold_its_values(city):
    held = [
        StaffFactory(department=city.township_a1, staff_number=number)
        for number in ("A-1", "引号'\"", "中文工号", "back\\slash")
    ]
    StaffFactory(department=city.township_a1, staff_number="NOT-ASKED")
    asked = [f"X{n:05d}" for n in range(3_000)] + [s.staff_number for s in held]
    found = Staff.objects.filter(**in_filter("staff_number", asked)).order_by("pk")
    assert list(found) == held


def test_an_empty_list_finds_nothing(city):
    StaffFactory(department=city.township_a1)
    assert not Staff.objects.filter(**in_filter("staff_number", [])).exists()


def test_the_lookup_combines_with_other_conditions(city):
    with_mobile = StaffFactory(department=city.township_a1, mobile="13900000001")
    StaffFactory(department=city.township_a1, mobile="")
    found = Staff.objects.filter(**in_filter("mobile", ["13900000001", ""])).exclude(mobile="")
    assert list(found) == [with_mobile]
