"""The import service: row rules, preview counts, commit, idempotency, sync, transfers."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import AuditEntry
from organisation.idnumbers import make_id_number
from organisation.models import Staff, StaffStatus
from roster import services
from roster.models import ImportStatus
from tests.factories import StaffFactory, unique_id_number

from .files import HEADER, csv_bytes, person, upload, xls, xlsx

User = get_user_model()


def preview(user, data, name="roster.xlsx", **kwargs):
    return services.roster_preview(
        file=upload(data, name), filename=name, acting_user=user, **kwargs
    )


def upload_and_commit(user, data, name="roster.xlsx", *, sync=False, confirm_transfers=False):
    record = services.roster_upload(
        file=upload(data, name), filename=name, acting_user=user, sync=sync
    )
    assert record.status == ImportStatus.READY, record.report
    report = services.roster_commit(
        roster_import=record, acting_user=user, confirm_transfers=confirm_transfers
    )
    record.refresh_from_db()
    return record, report


def codes(report, row=None):
    return [e["code"] for e in report.errors if row is None or e["row"] == row]


# --- validation -----------------------------------------------------------------------


def test_a_clean_file_previews_as_new_staff_and_writes_nothing(city, coordinator_a, snapshot):
    before = snapshot()
    report = preview(coordinator_a, xlsx([person("A1"), person("甲二镇")]))
    assert report.ok
    assert report.counts["new"] == 2
    assert [n["unit"] for n in report.new] == ["甲一镇", "甲二镇"]
    assert snapshot() == before


@pytest.mark.parametrize(
    "value",
    [360102197001011234, 3.60102197001011e17, "3.60102E+17", "360102197001011000"],
    ids=["int", "float", "scientific-text", "digits-lost"],
)
def test_id_numbers_stored_as_numbers_are_rejected_never_guessed(city, coordinator_a, value):
    report = preview(coordinator_a, xlsx([person(id_number=value)]))
    assert codes(report) == [services.CODE_ID_AS_NUMBER]
    error = report.errors[0]
    assert (error["row"], error["column"], error["header"]) == (2, "B", "身份证号")
    assert error["message"] == str(services.MSG_ID_AS_NUMBER)


def test_id_numbers_from_csv_in_scientific_notation_are_rejected(city, coordinator_a):
    data = csv_bytes([person(id_number="3.60102E+17")], encoding="gbk")
    assert codes(preview(coordinator_a, data, "r.csv")) == [services.CODE_ID_AS_NUMBER]


def test_invalid_id_numbers_get_the_validators_reason(city, coordinator_a):
    good = unique_id_number()
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    rows = [person(id_number=wrong_check), person(id_number="12345"), person(id_number="")]
    report = preview(coordinator_a, xlsx(rows))
    assert codes(report) == ["id_check_digit", "id_length", "id_empty"]


def test_full_width_characters_and_stray_spaces_are_normalised(city, coordinator_a):
    number = make_id_number("360102", datetime.date(1990, 5, 17), 12)
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in number.lower())
    row = person(
        "Ａ１",
        name="\u3000王\u00a0五 ",
        id_number=full_width,
        staff_number="ＲＸ１２３",
        mobile="１３８ ００１３ ８０００",
        window="Ｙ",
    )
    _record, report = upload_and_commit(coordinator_a, xlsx([row]))
    assert report.ok, report.errors
    staff = Staff.objects.get(staff_number="RX123")
    assert staff.name == "王 五"
    assert staff.mobile == "13800138000"
    assert staff.department == city.township_a1
    assert staff.reveal_id_number() == number


def test_a_lower_case_x_check_character_is_accepted(city, coordinator_a):
    for sequence in range(200):
        number = make_id_number("360102", datetime.date(1985, 1, 2), sequence)
        if number.endswith("X"):
            break
    report = preview(coordinator_a, xlsx([person(id_number=number.lower())]))
    assert report.ok


def test_required_fields_mobile_window_and_date_are_checked(city, coordinator_a):
    rows = [
        person(name=""),
        person(staff_number=None),
        person(unit=""),
        person(mobile="2381234567"),
        person(window="可能"),
        person(hire_date="明年"),
    ]
    report = preview(coordinator_a, xlsx(rows))
    assert [(e["row"], e["code"]) for e in report.errors] == [
        (2, "required"),
        (3, "required"),
        (4, "required"),
        (5, "mobile"),
        (6, "window_value"),
        (7, "date_value"),
    ]
    assert report.counts["error_rows"] == 6
    assert report.counts["new"] == 0


def test_duplicates_within_the_file_are_reported_on_every_row_involved(city, coordinator_a):
    same_id = unique_id_number()
    rows = [
        person(id_number=same_id),
        person(),
        person(id_number=same_id),
        person(staff_number="DUP1"),
        person(staff_number="DUP1"),
    ]
    report = preview(coordinator_a, xlsx(rows))
    assert [(e["row"], e["code"]) for e in report.errors] == [
        (2, "duplicate_id_number"),
        (4, "duplicate_id_number"),
        (5, "duplicate_staff_number"),
        (6, "duplicate_staff_number"),
    ]
    assert "2、4" in report.errors[0]["message"]


def test_units_by_code_or_exact_name_with_a_suggestion_for_near_misses(city, coordinator_a):
    rows = [person("a1"), person("甲二镇"), person("甲二"), person("丙县")]
    report = preview(coordinator_a, xlsx(rows))
    assert [(e["row"], e["code"]) for e in report.errors] == [
        (4, "unit_unknown"),
        (5, "unit_unknown"),
    ]
    assert report.errors[0]["message"] == services.MSG_UNIT_SUGGEST % {
        "value": "甲二",
        "suggestion": "甲二镇",
    }
    assert report.errors[1]["message"] == services.MSG_UNIT_UNKNOWN % {"value": "丙县"}


def test_a_unit_outside_the_uploaders_subtree_is_an_error(city, coordinator_a, snapshot):
    before = snapshot()
    report = preview(coordinator_a, xlsx([person("B1"), person("乙县")]))
    assert codes(report) == ["unit_outside", "unit_outside"]
    assert snapshot() == before


def test_an_ambiguous_unit_name_asks_for_the_code(city, coordinator_a):
    from tests.factories import DepartmentFactory

    DepartmentFactory(parent=city.township_a1, code="A1X", name="便民服务中心")
    DepartmentFactory(parent=city.township_a2, code="A2X", name="便民服务中心")
    report = preview(coordinator_a, xlsx([person("便民服务中心"), person("A2X")]))
    assert [(e["row"], e["code"]) for e in report.errors] == [(2, "unit_ambiguous")]


def test_staff_numbers_and_mobiles_held_by_someone_else_are_errors(city, coordinator_a):
    other = StaffFactory(department=city.township_b1)
    rows = [person(staff_number=other.staff_number), person(mobile=other.mobile)]
    report = preview(coordinator_a, xlsx(rows))
    assert codes(report) == ["staff_number_taken", "mobile_taken"]


def test_managers_and_learners_cannot_import(city, manager_a, learner_a1):
    for user in (manager_a, learner_a1[0]):
        with pytest.raises(PermissionDenied):
            preview(user, xlsx([person()]))
        with pytest.raises(PermissionDenied):
            services.roster_upload(
                file=upload(xlsx([person()])), filename="r.xlsx", acting_user=user
            )


# --- commit ---------------------------------------------------------------------------


def test_commit_creates_staff_with_accounts_and_one_time_passwords(city, coordinator_a):
    rows = [person("A1", name="赵一", staff_number="N001", window="否", hire_date="2023-09-01")]
    record, report = upload_and_commit(coordinator_a, xlsx(rows))
    assert report.committed and record.status == ImportStatus.COMMITTED
    staff = Staff.objects.select_related("user").get(staff_number="N001")
    assert (staff.name, staff.department, staff.is_window_staff) == (
        "赵一",
        city.township_a1,
        False,
    )
    assert staff.hire_date == datetime.date(2023, 9, 1)
    assert staff.id_number_masked.startswith("360") and "*" in staff.id_number_masked
    assert staff.user.username == "N001" and staff.user.must_change_password
    assert staff.user.password.startswith("initial_hmac_sha256$")
    # The list is handed over once, then erased.
    assert record.initial_passwords and "N001" not in record.initial_passwords
    rows = services.roster_initial_passwords_take(roster_import=record, acting_user=coordinator_a)
    assert rows[0][:3] == ["N001", "赵一", "甲一镇"]
    assert check_password(rows[0][3], staff.user.password)
    record.refresh_from_db()
    assert record.initial_passwords == "" and record.initial_passwords_downloaded_at
    with pytest.raises(ValidationError):
        services.roster_initial_passwords_take(roster_import=record, acting_user=coordinator_a)


def test_commit_records_one_audit_entry_with_file_name_hash_and_counts(city, coordinator_a):
    record, _report = upload_and_commit(coordinator_a, xlsx([person(), person()]), "人员.xlsx")
    entry = AuditEntry.objects.get(action="roster.imported")
    assert entry.actor == coordinator_a
    assert entry.data["filename"] == "人员.xlsx"
    assert entry.data["sha256"] == record.sha256 and len(record.sha256) == 64
    assert entry.data["counts"]["new"] == 2


def test_the_same_file_twice_changes_nothing_the_second_time(city, coordinator_a, snapshot):
    data = xlsx([person("A1"), person("A2"), person("A1")])
    upload_and_commit(coordinator_a, data)
    before = snapshot()
    record, report = upload_and_commit(coordinator_a, data)
    assert report.counts["unchanged"] == 3
    assert (report.counts["new"], report.counts["updated"]) == (0, 0)
    assert snapshot() == before
    assert not record.initial_passwords


def test_changed_fields_are_shown_before_and_after_and_then_written(city, coordinator_a):
    existing = StaffFactory(department=city.township_a1, post="受理", is_window_staff=True)
    row = person(
        "A2",
        name=existing.name,
        id_number=existing.reveal_id_number(),
        staff_number=existing.staff_number,
        post="帮办代办",
        mobile=existing.mobile,
        window="否",
        hire_date="",
    )
    report = preview(coordinator_a, xlsx([row]))
    assert report.counts["updated"] == 1
    assert report.updated[0]["changes"] == {
        "department": ["甲一镇", "甲二镇"],
        "post": ["受理", "帮办代办"],
        "is_window_staff": [True, False],
    }
    upload_and_commit(coordinator_a, xlsx([row]))
    existing.refresh_from_db()
    assert (existing.department, existing.post, existing.is_window_staff) == (
        city.township_a2,
        "帮办代办",
        False,
    )


def test_a_file_with_any_error_writes_nothing(city, coordinator_a, snapshot):
    before = snapshot()
    data = xlsx([person(), person(), person(id_number=360102197001011234)])
    record = services.roster_upload(file=upload(data), filename="r.xlsx", acting_user=coordinator_a)
    assert record.status == ImportStatus.INVALID
    with pytest.raises(ValidationError):
        services.roster_commit(roster_import=record, acting_user=coordinator_a)
    assert snapshot() == before
    assert not AuditEntry.objects.filter(action="roster.imported").exists()


def test_commit_checks_again_and_refuses_if_the_database_changed(city, coordinator_a, snapshot):
    row = person()
    record = services.roster_upload(
        file=upload(xlsx([row, person()])), filename="r.xlsx", acting_user=coordinator_a
    )
    assert record.status == ImportStatus.READY
    StaffFactory(department=city.township_b1, staff_number=row[2])  # taken meanwhile
    before = snapshot()
    report = services.roster_commit(roster_import=record, acting_user=coordinator_a)
    assert codes(report) == ["staff_number_taken"]
    record.refresh_from_db()
    assert record.status == ImportStatus.INVALID
    assert snapshot() == before


def test_a_commit_happens_once(city, coordinator_a):
    record, _report = upload_and_commit(coordinator_a, xlsx([person()]))
    with pytest.raises(ValidationError):
        services.roster_commit(roster_import=record, acting_user=coordinator_a)


def test_a_transfer_is_shown_and_applied_only_when_confirmed(city, coordinator_a, snapshot):
    elsewhere = StaffFactory(department=city.township_b1)
    row = person(
        "A1",
        name=elsewhere.name,
        id_number=elsewhere.reveal_id_number(),
        staff_number=elsewhere.staff_number,
        mobile=elsewhere.mobile,
        post=elsewhere.post,
    )
    report = preview(coordinator_a, xlsx([row, person()]))
    assert report.ok
    assert report.counts["transfers"] == 1
    assert report.transfers[0]["from_unit"] == "乙一镇"
    assert report.transfers[0]["to_unit"] == "甲一镇"
    # Not confirmed: everything else is imported, the person stays where they are.
    _record, report = upload_and_commit(coordinator_a, xlsx([row, person()]))
    elsewhere.refresh_from_db()
    assert elsewhere.department == city.township_b1
    assert report.counts["applied_transfers"] == 0
    # Confirmed: moved.
    _record, report = upload_and_commit(coordinator_a, xlsx([row]), confirm_transfers=True)
    elsewhere.refresh_from_db()
    assert elsewhere.department == city.township_a1
    assert report.counts["applied_transfers"] == 1


def test_sync_mode_marks_missing_staff_of_the_covered_units_as_left(city, coordinator_a):
    stays = StaffFactory(department=city.township_a1)
    leaves = StaffFactory(department=city.township_a1, user=User.objects.create(username="lv"))
    other_unit = StaffFactory(department=city.township_a2)
    row = person(
        "A1",
        name=stays.name,
        id_number=stays.reveal_id_number(),
        staff_number=stays.staff_number,
        mobile=stays.mobile,
        post=stays.post,
        hire_date="",
    )
    report = preview(coordinator_a, xlsx([row]), sync=True)
    assert report.counts["leaving"] == 1
    assert report.leaving == [
        {"name": leaves.name, "staff_number": leaves.staff_number, "unit": "甲一镇"}
    ]
    # Without sync nobody leaves.
    assert preview(coordinator_a, xlsx([row])).counts["leaving"] == 0
    upload_and_commit(coordinator_a, xlsx([row]), sync=True)
    leaves.refresh_from_db()
    other_unit.refresh_from_db()
    assert leaves.status == StaffStatus.LEFT and leaves.left_on is not None
    assert not User.objects.get(username="lv").is_active
    assert Staff.objects.filter(pk=leaves.pk).exists()  # never deleted
    assert other_unit.status == StaffStatus.ACTIVE


def test_a_leaver_who_comes_back_is_reactivated(city, coordinator_a):
    back = StaffFactory(
        department=city.township_a1, status=StaffStatus.LEFT, left_on=datetime.date(2025, 1, 1)
    )
    row = person(
        "A1",
        name=back.name,
        id_number=back.reveal_id_number(),
        staff_number=back.staff_number,
        mobile=back.mobile,
        post=back.post,
        hire_date="",
    )
    _record, report = upload_and_commit(coordinator_a, xlsx([row]))
    assert report.updated[0]["changes"] == {
        "status": [str(StaffStatus.LEFT.label), str(StaffStatus.ACTIVE.label)]
    }
    back.refresh_from_db()
    assert back.status == StaffStatus.ACTIVE and back.left_on is None


def test_an_old_xls_file_imports(city, coordinator_a):
    _record, report = upload_and_commit(coordinator_a, xls([person(), person("A2")]), "old.xls")
    assert report.counts["new"] == 2 and report.format == "xls"


def test_committed_hooks_are_called_after_the_transaction(
    city, coordinator_a, settings, django_capture_on_commit_callbacks
):
    calls.clear()
    settings.ROSTER_IMPORT_COMMITTED_HOOKS = ["tests.roster.test_services.record_hook"]
    existing = StaffFactory(department=city.township_a1)
    row = person(
        "A2",
        name=existing.name,
        id_number=existing.reveal_id_number(),
        staff_number=existing.staff_number,
        mobile=existing.mobile,
        post=existing.post,
    )
    with django_capture_on_commit_callbacks(execute=True):
        record, _report = upload_and_commit(coordinator_a, xlsx([row, person()]))
    assert len(calls) == 1
    new = Staff.objects.exclude(pk=existing.pk).get()
    assert calls[0] == {
        "import_id": record.pk,
        "created_staff_ids": [new.pk],
        "updated_staff_ids": [existing.pk],
        "left_staff_ids": [],
    }


calls: list[dict] = []


def record_hook(**kwargs):
    calls.append(kwargs)


def test_a_refused_upload_is_kept_in_the_history_without_its_content(city, coordinator_a):
    record = services.roster_upload(
        file=upload(b"not a sheet\x00"), filename="x.xlsx", acting_user=coordinator_a
    )
    assert record.status == ImportStatus.REFUSED
    assert record.error_code == "file_not_spreadsheet"
    assert not record.file


def test_the_stored_upload_is_encrypted(city, coordinator_a):
    row = person()
    record = services.roster_upload(
        file=upload(csv_bytes([row])), filename="r.csv", acting_user=coordinator_a
    )
    with record.file.open("rb") as handle:
        stored = handle.read()
    assert row[1].encode() not in stored


def test_an_existing_account_name_is_an_error_for_a_new_person(city, coordinator_a):
    User.objects.create(username="ACC1")
    report = preview(coordinator_a, xlsx([person(staff_number="ACC1")]))
    assert codes(report) == ["account_taken"]


def test_a_changed_staff_number_must_not_be_another_accounts_name(city, coordinator_a, snapshot):
    existing = StaffFactory(department=city.township_a1)
    User.objects.create(username="ADMIN7")
    row = person(
        "A1",
        name=existing.name,
        id_number=existing.reveal_id_number(),
        staff_number="ADMIN7",
        mobile=existing.mobile,
        post=existing.post,
    )
    before = snapshot()
    report = preview(coordinator_a, xlsx([row]))
    assert codes(report) == ["account_taken"]
    assert snapshot() == before


def test_a_changed_staff_number_renames_the_sign_in_account(city, coordinator_a):
    existing = StaffFactory(department=city.township_a1, staff_number="OLD1")
    existing.user = User.objects.create(username="OLD1")
    existing.save()
    row = person(
        "A1",
        name=existing.name,
        id_number=existing.reveal_id_number(),
        staff_number="NEW1",
        mobile=existing.mobile,
        post=existing.post,
    )
    _record, report = upload_and_commit(coordinator_a, xlsx([row]))
    assert report.updated[0]["changes"]["staff_number"] == ["OLD1", "NEW1"]
    existing.refresh_from_db()
    assert existing.staff_number == "NEW1" and existing.user.username == "NEW1"


def test_an_ods_file_and_a_tab_separated_csv_import(city, coordinator_a):
    from .files import ods

    _record, report = upload_and_commit(coordinator_a, ods([person(), person("A2")]), "r.ods")
    assert (report.format, report.counts["new"]) == ("ods", 2)
    rows = [person(), person()]
    text = "\n".join("\t".join(str(v) for v in r) for r in [HEADER, *rows]).encode("utf-8-sig")
    _record, report = upload_and_commit(coordinator_a, text, "r.txt")
    assert (report.format, report.counts["new"]) == ("csv", 2)


def test_the_error_report_of_a_gbk_csv_marks_the_bad_cell(city, coordinator_a):
    import io

    import openpyxl

    from roster.selectors import roster_error_report

    data = csv_bytes([person(), person("甲三镇")], encoding="gbk")
    record = services.roster_upload(
        file=upload(data, "r.csv"), filename="r.csv", acting_user=coordinator_a
    )
    sheet = openpyxl.load_workbook(io.BytesIO(roster_error_report(roster_import=record))).active
    assert sheet["D3"].value == "甲三镇" and sheet["D3"].comment is not None
    assert sheet["A1"].value == "姓名"
