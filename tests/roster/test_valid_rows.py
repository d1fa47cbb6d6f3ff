"""Import the good rows (issue 17, item 2) for rosters: after a dry run with errors the
coordinator may import the valid rows and download the rejected ones to fix and upload
again; without that choice nothing is written; the fixed rows add only themselves; in
sync mode nobody is marked as left when rows were left out. The page, the service and
`import_roster --skip-invalid` do the same."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse

from organisation.models import Staff, StaffStatus
from roster import services
from roster.models import ImportStatus, RosterImport
from tests.factories import StaffFactory

from .files import person, upload, xlsx


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(coordinator_a)
    return client


def test_the_page_imports_the_valid_rows_and_returns_the_rejected_ones(coordinator_client, city):
    good = [person("A1"), person("A2")]
    bad = person("没有这个单位")
    data = xlsx([good[0], bad, good[1]])
    coordinator_client.post(reverse("roster:upload"), {"file": upload(data, "r.xlsx")})
    record = RosterImport.objects.get()
    assert record.status == ImportStatus.INVALID
    page = coordinator_client.get(reverse("roster:detail", args=[record.public_id]))
    assert page.context["valid_only"] == 2
    # Without the choice, nothing is written.
    coordinator_client.post(reverse("roster:commit", args=[record.public_id]))
    record.refresh_from_db()
    assert record.status == ImportStatus.INVALID and Staff.objects.count() == 0
    coordinator_client.post(
        reverse("roster:commit", args=[record.public_id]), {"skip_invalid": "on"}
    )
    record.refresh_from_db()
    assert record.status == ImportStatus.COMMITTED
    assert record.report["skipped_invalid"] and record.report["counts"]["new"] == 2
    assert set(Staff.objects.values_list("staff_number", flat=True)) == {good[0][2], good[1][2]}
    # The rejected row comes back (ID number masked); fixed, it adds only itself.
    response = coordinator_client.get(reverse("roster:rejected_rows", args=[record.public_id]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][2] == bad[2] and "*" in rows[0][1]
    fixed = list(bad)
    fixed[3] = "A1"
    coordinator_client.post(
        reverse("roster:upload"), {"file": upload(xlsx([good[0], fixed, good[1]]), "r2.xlsx")}
    )
    second = RosterImport.objects.latest("pk")
    assert second.status == ImportStatus.READY
    assert second.report["counts"]["new"] == 1 and second.report["counts"]["unchanged"] == 2
    coordinator_client.post(reverse("roster:commit", args=[second.public_id]))
    assert Staff.objects.count() == 3


def test_sync_mode_marks_nobody_as_left_when_rows_are_left_out(city, coordinator_a):
    stays = StaffFactory(department=city.township_a1)
    StaffFactory(department=city.township_a1)  # not in the file: would leave in sync mode
    row = person(
        "A1",
        name=stays.name,
        id_number=stays.reveal_id_number(),
        staff_number=stays.staff_number,
        mobile=stays.mobile,
        post=stays.post,
        hire_date="",
    )
    data = xlsx([row, person("A1"), person("没有这个单位")])
    record = services.roster_upload(
        file=upload(data), filename="r.xlsx", acting_user=coordinator_a, sync=True
    )
    assert record.status == ImportStatus.INVALID and record.report["counts"]["leaving"] == 1
    report = services.roster_commit(
        roster_import=record, acting_user=coordinator_a, skip_invalid=True
    )
    assert report.committed and report.counts["leaving"] == 0
    assert not Staff.objects.filter(status=StaffStatus.LEFT).exists()


def test_import_roster_skip_invalid(tmp_path, city, coordinator_a):
    StaffFactory(department=city.county_a, user=coordinator_a, staff_number="C0001")
    path = tmp_path / "r.xlsx"
    path.write_bytes(xlsx([person("A1"), person("没有这个单位")]))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_roster", str(path), "--user", "C0001", "--commit")
    assert exit_.value.code == 1 and Staff.objects.count() == 1  # the coordinator only
    with pytest.raises(SystemExit) as exit_:
        call_command("import_roster", str(path), "--user", "C0001", "--commit", "--skip-invalid")
    assert exit_.value.code == 1  # a row was rejected; the valid one is in
    assert Staff.objects.count() == 2
