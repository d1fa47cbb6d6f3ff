"""manage.py import_roster: dry run by default, exit codes 0 / 1 / 2, --json."""

import json

import pytest
from django.core.management import call_command

from organisation.models import RoleAssignment, Staff
from roster.models import RosterImport
from tests.factories import StaffFactory

from .files import person, xlsx


@pytest.fixture
def coordinator_staff(city, coordinator_a):
    return StaffFactory(department=city.county_a, user=coordinator_a, staff_number="C0001")


def run(*args) -> tuple[int, str]:
    import io

    out = io.StringIO()
    try:
        call_command("import_roster", *args, stdout=out, stderr=io.StringIO())
    except SystemExit as exc:
        return exc.code, out.getvalue()
    return 0, out.getvalue()


def write(tmp_path, data, name="roster.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


def test_dry_run_by_default_exit_0_and_nothing_written(tmp_path, coordinator_staff):
    path = write(tmp_path, xlsx([person("A1"), person("A2")]))
    code, out = run(path, "--user", "C0001", "--json")
    assert code == 0
    report = json.loads(out)
    assert report["counts"]["new"] == 2 and not report["committed"]
    assert Staff.objects.count() == 1  # only the coordinator's own record
    assert not RosterImport.objects.exists()


def test_commit_writes_and_a_second_run_changes_nothing(tmp_path, coordinator_staff):
    path = write(tmp_path, xlsx([person("A1"), person("A2")]))
    code, out = run(path, "--user", "C0001", "--commit")
    assert code == 0 and "committed" in out
    assert Staff.objects.count() == 3
    code, out = run(path, "--user", "C0001", "--commit", "--json")
    assert code == 0
    assert json.loads(out)["counts"]["unchanged"] == 2
    assert Staff.objects.count() == 3


def test_row_errors_exit_1_and_nothing_is_written(tmp_path, coordinator_staff):
    path = write(tmp_path, xlsx([person("A1"), person("B1")]))
    code, out = run(path, "--user", "C0001", "--commit", "--json")
    assert code == 1
    error = json.loads(out)["errors"][0]
    assert {k: error[k] for k in ("row", "column", "code")} == {
        "row": 3,
        "column": "D",
        "code": "unit_outside",
    }
    assert Staff.objects.count() == 1


def test_a_refused_file_exits_2(tmp_path, coordinator_staff):
    path = write(tmp_path, b"%PDF-1.4\x00\x01", "roster.xlsx")
    code, out = run(path, "--user", "C0001", "--json")
    assert code == 2
    assert json.loads(out)["refused"]["code"] == "file_not_spreadsheet"


def test_a_missing_sheet_exits_2(tmp_path, coordinator_staff):
    path = write(tmp_path, xlsx([person()]))
    code, _out = run(path, "--user", "C0001", "--sheet", "不存在")
    assert code == 2


def test_the_command_acts_with_the_users_rights(tmp_path, city, learner_a1):
    _user, staff = learner_a1
    path = write(tmp_path, xlsx([person("A1")]))
    code, _out = run(path, "--user", staff.staff_number, "--commit")
    assert code == 2
    assert Staff.objects.count() == 1
    assert not RoleAssignment.objects.filter(user=_user).exists()
