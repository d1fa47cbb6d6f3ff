"""A commit after a clean check starts from the rows the check read (kept encrypted next
to the upload) instead of reading the file again, and still checks everything that
depends on the database; kept rows that do not fit are ignored and the file is read."""

from organisation.crypto import clear_key_cache, hash_id_number
from organisation.models import Department, Staff
from roster import services
from roster.models import ImportStatus
from roster.services.parsed import _name

from .files import person, upload, xlsx


def checked(user, rows):
    record = services.roster_upload(file=upload(xlsx(rows)), filename="r.xlsx", acting_user=user)
    assert record.status == ImportStatus.READY, record.report
    return record


def kept(record) -> bool:
    return record.file.storage.exists(_name(record))


def test_the_commit_does_not_read_the_file_again_and_drops_the_kept_rows(city, coordinator_a):
    rows = [person("A1"), person("甲二镇")]
    record = checked(coordinator_a, rows)
    assert kept(record)
    with record.file.open("wb") as handle:  # the stored upload is no longer readable
        handle.write(b"not a workbook any more")
    report = services.roster_commit(roster_import=record, acting_user=coordinator_a)
    assert report.committed and report.counts["new"] == 2
    staff = Staff.objects.get(staff_number=rows[1][2])
    assert (staff.name, staff.department.code, staff.post) == (rows[1][0], "A2", "综合窗口受理")
    assert staff.id_number_hash == hash_id_number(rows[1][1])
    assert str(staff.hire_date) == "2024-03-01"
    assert not kept(record)


def test_units_are_looked_up_again_at_commit(city, coordinator_a, snapshot):
    record = checked(coordinator_a, [person("A1"), person("A2")])
    Department.objects.filter(pk=city.township_a1.pk).update(code="A9")  # recoded meanwhile
    before = snapshot()
    report = services.roster_commit(roster_import=record, acting_user=coordinator_a)
    assert [(e["row"], e["code"]) for e in report.errors] == [(2, "unit_unknown")]
    record.refresh_from_db()
    assert record.status == ImportStatus.INVALID
    assert snapshot() == before


def test_rows_kept_under_another_id_hash_key_are_not_used(city, coordinator_a, settings):
    row = person()
    record = checked(coordinator_a, [row])
    settings.ID_NUMBER_HASH_KEY = "a-new-hash-key"
    clear_key_cache()
    try:
        report = services.roster_commit(roster_import=record, acting_user=coordinator_a)
        assert report.committed
        assert Staff.objects.get(staff_number=row[2]).id_number_hash == hash_id_number(row[1])
    finally:
        settings.ID_NUMBER_HASH_KEY = ""
        clear_key_cache()


def test_unreadable_kept_rows_are_ignored_and_the_file_is_read(city, coordinator_a):
    row = person()
    record = checked(coordinator_a, [row])
    with record.file.storage.open(_name(record), "wb") as handle:
        handle.write(b"tampered")
    report = services.roster_commit(roster_import=record, acting_user=coordinator_a)
    assert report.committed
    assert Staff.objects.filter(staff_number=row[2], name=row[0]).exists()


def test_a_check_with_errors_keeps_no_rows(city, coordinator_a):
    record = services.roster_upload(
        file=upload(xlsx([person(), person(mobile="123")])),
        filename="r.xlsx",
        acting_user=coordinator_a,
    )
    assert record.status == ImportStatus.INVALID
    assert not kept(record)
