"""Personal data kept no longer than needed (issue 21, item 3): a leaver's ID number,
mobile and e-mail go after the retention period, their name and certificate stay
verifiable; old roster uploads and unclaimed password lists go too; a dry run lists
what would go; a second run erases nothing more; every erasure is audited."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from audit.models import AuditEntry
from certificates.services import certification_settings_get, mask_name
from organisation.models import StaffStatus
from roster.models import RosterImport
from roster.services.retention import retention_run

from ..certificates.helpers import quick_certificate
from ..factories import StaffFactory, UserFactory
from .files import person, xlsx
from .test_services import upload_and_commit

TODAY = datetime.date(2026, 11, 29)


@pytest.fixture
def people(city, settings):
    settings.PERSONAL_DATA_RETENTION_DAYS = 365 * 3
    long_gone = StaffFactory(
        department=city.township_a1,
        status=StaffStatus.LEFT,
        left_on=TODAY - datetime.timedelta(days=365 * 3 + 1),
        user=UserFactory(email="old@example.cn"),
    )
    recently_left = StaffFactory(
        department=city.township_a1,
        status=StaffStatus.LEFT,
        left_on=TODAY - datetime.timedelta(days=365 * 3 - 1),
    )
    working = StaffFactory(department=city.township_a1)
    return long_gone, recently_left, working


def test_a_dry_run_lists_what_is_due_and_changes_nothing(people):
    long_gone, _recent, _working = people
    before = long_gone.id_number_encrypted
    report = retention_run(today=TODAY)
    assert [row[0] for row in report.staff] == [long_gone.staff_number]
    long_gone.refresh_from_db()
    assert long_gone.id_number_encrypted == before
    assert long_gone.personal_data_erased_at is None
    assert not AuditEntry.objects.filter(action="staff.personal_data_erased").exists()


def test_a_leaver_past_the_period_is_erased_and_the_certificate_stays_verifiable(people, client):
    long_gone, recently_left, working = people
    level = certification_settings_get().required_level
    certificate = quick_certificate(long_gone, level, issued=datetime.date(2020, 6, 1))
    kept = {p.pk: (p.id_number_encrypted, p.mobile) for p in (recently_left, working)}

    report = retention_run(apply=True, today=TODAY)

    assert [row[0] for row in report.staff] == [long_gone.staff_number]
    long_gone.refresh_from_db()
    assert long_gone.id_number_encrypted == ""
    assert long_gone.id_number_hash is None
    assert long_gone.id_number_masked == ""
    assert long_gone.mobile == ""
    assert long_gone.personal_data_erased_at is not None
    assert long_gone.name  # the name stays
    user = long_gone.user
    user.refresh_from_db()
    assert user.email == "" and not user.is_active and not user.has_usable_password()
    for other in (recently_left, working):
        other.refresh_from_db()
        assert (other.id_number_encrypted, other.mobile) == kept[other.pk]
    entry = AuditEntry.objects.get(action="staff.personal_data_erased")
    assert entry.data["fields"] == ["id_number", "mobile", "email"]
    # The certificate is still verifiable by anyone, with the name and its own masked number.
    response = client.get(f"/certificates/v/{certificate.verification_code}/")
    assert response.status_code == 200
    assert mask_name(long_gone.name) in response.text  # the public page masks names
    assert certificate.id_number_masked in response.text


def test_a_second_run_erases_nothing_more(people):
    retention_run(apply=True, today=TODAY)
    again = retention_run(apply=True, today=TODAY)
    assert again.nothing_due
    assert AuditEntry.objects.filter(action="staff.personal_data_erased").count() == 1


def test_an_erased_person_gets_no_new_account_and_no_reveal(people, client, administrator):
    long_gone, _recent, _working = people
    retention_run(apply=True, today=TODAY)
    client.force_login(administrator)
    page = client.get(f"/org/staff/{long_gone.public_id}/")
    assert page.status_code == 200
    assert "超过保存期限" in page.text
    assert "/reveal/" not in page.text
    response = client.post(f"/org/staff/{long_gone.public_id}/password/", follow=True)
    assert "个人信息已删除" in response.text
    long_gone.user.refresh_from_db()
    assert not long_gone.user.is_active
    assert AuditEntry.objects.filter(action="account.initial_password_denied").exists()


def test_old_roster_uploads_and_unclaimed_password_lists_are_erased(city, coordinator_a, settings):
    settings.UPLOAD_RETENTION_DAYS = 180
    record, _report = upload_and_commit(coordinator_a, xlsx([person(), person()]))
    assert record.file and record.initial_passwords
    recent, _ = upload_and_commit(coordinator_a, xlsx([person()]))
    RosterImport.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=181)
    )

    report = retention_run(apply=True)

    assert [u[0] for u in report.uploads] == [str(record.public_id)]
    record.refresh_from_db()
    recent.refresh_from_db()
    assert not record.file and record.initial_passwords == ""
    assert record.report  # the history and its report stay
    assert recent.file and recent.initial_passwords
    assert AuditEntry.objects.get(action="roster.upload_erased").data["erased"] == [
        "file",
        "initial_passwords",
    ]
    assert retention_run(apply=True).nothing_due


def test_the_command_is_a_dry_run_unless_told_to_apply(people):
    long_gone, _recent, _working = people
    out = io.StringIO()
    call_command("personal_data_retention", stdout=out)
    long_gone.refresh_from_db()
    assert long_gone.personal_data_erased_at is None
    assert "1" in out.getvalue() and "--apply" in out.getvalue()
    call_command("personal_data_retention", "--apply", stdout=io.StringIO())
    long_gone.refresh_from_db()
    assert long_gone.personal_data_erased_at is not None


def test_an_upload_checked_but_never_imported_loses_its_kept_rows_too(
    city, coordinator_a, settings
):
    """A clean dry run keeps its parsed rows (ID numbers inside, encrypted) beside the
    upload until the commit; an upload never committed must not leave them behind."""
    from roster import services
    from roster.services.parsed import _name

    from .files import upload

    settings.UPLOAD_RETENTION_DAYS = 180
    record = services.roster_upload(
        file=upload(xlsx([person(), person()])), filename="r.xlsx", acting_user=coordinator_a
    )
    storage = record.file.storage
    kept = _name(record)
    assert storage.exists(kept)
    RosterImport.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=181)
    )

    retention_run(apply=True)

    assert not storage.exists(kept)
    record.refresh_from_db()
    assert not record.file


def test_a_leaver_returning_after_erasure_is_rehired_under_the_old_record(people, coordinator_a):
    """The staff number still belongs to the erased record, which has no ID number to
    match: the same name and staff number bring the person back (certificate and
    history kept), with the new file's ID number and a new initial password."""
    from roster import services

    long_gone, _recent, _working = people
    level = certification_settings_get().required_level
    certificate = quick_certificate(long_gone, level, issued=datetime.date(2020, 6, 1))
    retention_run(apply=True, today=TODAY)
    row = person("A1", staff_number=long_gone.staff_number, name=long_gone.name)

    record, report = upload_and_commit(coordinator_a, xlsx([row]))

    assert report.counts["new"] == 0 and report.counts["updated"] == 1
    changes = report.updated[0]["changes"]
    assert changes["id_number"][0] == "超过保存期限已删除"
    assert changes["id_number"][1].endswith(row[1][-4:]) and "*" in changes["id_number"][1]
    long_gone.refresh_from_db()
    assert long_gone.status == StaffStatus.ACTIVE and long_gone.left_on is None
    assert long_gone.personal_data_erased_at is None
    assert long_gone.id_number_hash and long_gone.id_number_masked.endswith(row[1][-4:])
    assert long_gone.certificates.get() == certificate
    user = long_gone.user
    user.refresh_from_db()
    assert user.is_active and user.has_usable_password() and user.must_change_password
    passwords = services.roster_initial_passwords_take(
        roster_import=record, acting_user=coordinator_a
    )
    assert [p[0] for p in passwords] == [long_gone.staff_number]
    entry = AuditEntry.objects.get(action="roster.imported")
    assert entry.data["returned_staff_ids"] == [long_gone.pk]
    # Nothing is due for erasure any more: the person works here again.
    assert retention_run(apply=True, today=TODAY).nothing_due


def test_a_new_person_cannot_take_an_erased_leavers_staff_number(people, coordinator_a):
    from roster import services

    from .files import upload

    long_gone, _recent, _working = people
    retention_run(apply=True, today=TODAY)
    row = person("A1", staff_number=long_gone.staff_number, name="另一人")
    record = services.roster_upload(
        file=upload(xlsx([row])), filename="r.xlsx", acting_user=coordinator_a
    )
    [error] = record.report["errors"]
    assert error["code"] == "staff_number_of_erased"
    assert long_gone.name in error["message"] and "新工号" in error["message"]
    long_gone.refresh_from_db()
    assert long_gone.personal_data_erased_at is not None
