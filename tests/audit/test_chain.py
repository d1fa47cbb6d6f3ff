"""The audit log is append-only and its hash chain reveals tampering."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audit.models import AuditEntry
from audit.selectors import audit_chain_verify
from audit.services import GENESIS_HASH, audit_record


def test_entries_are_chained(db):
    first = audit_record(action="test.one", data={"n": 1})
    second = audit_record(action="test.two", data={"n": 2})
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.hash
    assert list(audit_chain_verify()) == []
    call_command("verify_audit_chain")


def test_entries_cannot_be_changed_or_deleted_through_the_orm(db):
    entry = audit_record(action="test.one")
    entry.action = "test.other"
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_tampering_with_an_entry_is_detected(db):
    audit_record(action="test.one", data={"score": 55})
    target = audit_record(action="grade.changed", data={"score": 58})
    audit_record(action="test.three")
    # Someone edits the row directly in the database.
    AuditEntry.objects.filter(pk=target.pk).update(data={"score": 95})
    problems = list(audit_chain_verify())
    assert [p.entry_id for p in problems] == [target.pk]
    with pytest.raises(CommandError):
        call_command("verify_audit_chain")


def test_deleting_an_entry_breaks_the_chain(db):
    audit_record(action="test.one")
    middle = audit_record(action="test.two")
    last = audit_record(action="test.three")
    AuditEntry.objects.filter(pk=middle.pk)._raw_delete(AuditEntry.objects.db)
    assert [p.entry_id for p in audit_chain_verify()] == [last.pk]


def test_administrator_browses_and_exports_the_log(client, city, administrator):
    import io

    from openpyxl import load_workbook

    audit_record(action="staff.created", data={"note": '=HYPERLINK("http://evil")'})
    client.force_login(administrator)
    response = client.get("/audit/?action=staff")
    assert response.status_code == 200
    assert "staff.created" in response.text
    response = client.get("/audit/export.xlsx?action=staff")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "staff.created"
    assert AuditEntry.objects.filter(action="audit.exported", actor=administrator).exists()


def test_formula_looking_cells_are_neutralised_in_exports(client, city, administrator):
    import io

    from openpyxl import load_workbook

    audit_record(action="=cmd|' /C calc'!A0")
    client.force_login(administrator)
    sheet = load_workbook(io.BytesIO(client.get("/audit/export.xlsx").content)).active
    actions = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert "'=cmd|' /C calc'!A0" in actions


def test_non_administrators_get_404_for_the_log(client, city, coordinator_a, manager_a):
    for user in (coordinator_a, manager_a):
        client.force_login(user)
        assert client.get("/audit/").status_code == 404
        assert client.get("/audit/export.xlsx").status_code == 404
    assert not AuditEntry.objects.filter(action="audit.exported").exists()
