"""Issuing, recording, revoking certificates; numbering; expiry reminders."""

import datetime
import threading

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction

from audit.models import AuditEntry
from certificates.glyphs import missing_characters
from certificates.models import Certificate, CertificateSource, CertificateStatus, Notice
from certificates.services import (
    MSG_ALREADY_ISSUED,
    MSG_FILE_TYPE,
    MSG_NOT_PASSED,
    MSG_NOT_YOURS,
    MSG_ONLY_ADMINISTRATORS,
    assessment_create,
    certificate_issue,
    certificate_record_external,
    certificate_revoke,
    certificate_send_expiry_reminders,
    mask_name,
)
from organisation.models import Role

from ..factories import StaffFactory, UserFactory, make_user_with_role
from .helpers import passed_assessment

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def test_issuing_fills_every_field_and_is_audited(city, levels, coordinator_a):
    staff = StaffFactory(department=city.township_a1, name="张小明")
    assessment = passed_assessment(staff, levels[4])
    certificate = certificate_issue(
        assessment=assessment,
        acting_user=coordinator_a,
        issue_date=datetime.date(2026, 3, 5),
    )
    assert certificate.number == "ZC20264000001"
    assert len(certificate.verification_code) == 16
    assert certificate.holder_name == "张小明"
    assert certificate.id_number_masked == staff.id_number_masked
    assert "*" in certificate.id_number_masked
    assert (certificate.occupation, certificate.work_type) == (
        "行政办事员",
        "政务服务综合窗口办事员",
    )
    assert certificate.level == levels[4]
    assert certificate.expires_on is None
    assert certificate.assessment_body == "政务服务职业技能等级认定评价机构"
    assert certificate.status == CertificateStatus.VALID
    entry = AuditEntry.objects.get(action="certificate.issued")
    assert entry.data["number"] == certificate.number
    assert entry.actor == coordinator_a


def test_numbers_follow_the_rule_per_year_and_level(city, levels, rules):
    rules.number_prefix = "HZ"
    rules.save()
    numbers = [
        certificate_issue(
            assessment=passed_assessment(StaffFactory(department=city.township_a1), levels[code]),
            issue_date=datetime.date(year, 6, 1),
        ).number
        for code, year in [(5, 2026), (5, 2026), (4, 2026), (5, 2027)]
    ]
    assert numbers == ["HZ20265000001", "HZ20265000002", "HZ20264000001", "HZ20275000001"]


def test_validity_years_set_the_expiry_date(city, levels, rules):
    rules.validity_years = 3
    rules.save()
    staff = StaffFactory(department=city.township_a1)
    certificate = certificate_issue(
        assessment=passed_assessment(staff, levels[5]), issue_date=datetime.date(2024, 2, 29)
    )
    assert certificate.expires_on == datetime.date(2027, 2, 28)


def test_the_verification_code_is_separate_and_unguessable(city, levels):
    codes = {
        certificate_issue(
            assessment=passed_assessment(StaffFactory(department=city.township_a1), levels[5])
        ).verification_code
        for _ in range(5)
    }
    assert len(codes) == 5
    for code in codes:
        assert not code.startswith("ZC")


def test_certificate_numbers_are_unique_in_the_database(city, levels):
    staff = StaffFactory(department=city.township_a1)
    Certificate.objects.create(
        number="X1", verification_code="A", staff=staff, level=levels[5], issue_date="2026-01-01"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            number="X1",
            verification_code="B",
            staff=staff,
            level=levels[5],
            issue_date="2026-01-01",
        )


# Runs in CI's PostgreSQL pass (SQLite serialises writers, so there is no race to test;
# the unique constraint is tested above on both databases).
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_issuance_never_repeats_a_number(city, levels):
    assessments = [
        passed_assessment(StaffFactory(department=city.township_a1), levels[5]) for _ in range(8)
    ]
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(assessments))

    def issue(assessment):
        try:
            barrier.wait()
            certificate_issue(assessment=assessment)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(a,)) for a in assessments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert len(set(numbers)) == 8
    assert numbers[-1].endswith("000008")


def test_only_a_passed_assessment_is_certified_and_only_once(city, levels):
    staff = StaffFactory(department=city.township_a1)
    pending = assessment_create(candidate=staff, level=levels[5])
    with pytest.raises(ValidationError) as exc:
        certificate_issue(assessment=pending)
    assert exc.value.messages == [str(MSG_NOT_PASSED)]
    passed = passed_assessment(staff, levels[4])
    certificate_issue(assessment=passed)
    with pytest.raises(ValidationError) as exc:
        certificate_issue(assessment=passed)
    assert exc.value.messages == [str(MSG_ALREADY_ISSUED)]
    assert Certificate.objects.count() == 1


def test_a_coordinator_cannot_issue_for_another_unit(city, levels, coordinator_a, manager_a):
    assessment = passed_assessment(StaffFactory(department=city.township_b1), levels[5])
    for user in (coordinator_a, manager_a):
        with pytest.raises(PermissionDenied) as exc:
            certificate_issue(assessment=assessment, acting_user=user)
        assert str(exc.value) == str(MSG_NOT_YOURS)
    assert not Certificate.objects.exists()


def test_a_name_with_a_character_the_font_lacks_is_refused(city, levels):
    assert missing_characters("张𪚥明") == ["𪚥"]
    staff = StaffFactory(department=city.township_a1, name="张𪚥明")
    with pytest.raises(ValidationError) as exc:
        certificate_issue(assessment=passed_assessment(staff, levels[5]))
    assert exc.value.code == "missing_glyph"
    assert "𪚥" in exc.value.messages[0] and "U+2A6A5" in exc.value.messages[0]
    assert not Certificate.objects.exists()


def test_rare_characters_the_font_has_are_accepted(city, levels):
    staff = StaffFactory(department=city.township_a1, name="龘䶮")
    assert certificate_issue(assessment=passed_assessment(staff, levels[5])).holder_name == "龘䶮"


def test_administrators_record_certificates_obtained_elsewhere(city, levels, administrator):
    staff = StaffFactory(department=city.township_b1)
    certificate = certificate_record_external(
        staff=staff,
        level=levels[4],
        number="jx2019-0042 ",
        issue_date=datetime.date(2019, 5, 1),
        assessment_body="江西省职业技能鉴定指导中心",
        evidence=SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf"),
        acting_user=administrator,
    )
    assert certificate.source == CertificateSource.EXTERNAL
    assert certificate.number == "JX2019-0042"
    assert certificate.evidence.name.endswith(".pdf")
    assert AuditEntry.objects.filter(action="certificate.recorded_external").exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [("scan.pdf", b"MZ\x90\x00 not a pdf"), ("scan.png", b"<html>"), ("x.jpg", b"")],
)
def test_evidence_is_checked_by_content(city, levels, administrator, name, content):
    staff = StaffFactory(department=city.township_b1)
    with pytest.raises(ValidationError) as exc:
        certificate_record_external(
            staff=staff,
            level=levels[4],
            number="P1",
            issue_date=datetime.date(2019, 5, 1),
            assessment_body="x",
            evidence=SimpleUploadedFile(name, content),
            acting_user=administrator,
        )
    assert exc.value.message_dict["evidence"] == [str(MSG_FILE_TYPE)]
    assert not Certificate.objects.exists()


def test_png_evidence_is_accepted_and_size_is_limited(city, levels, administrator, settings):
    staff = StaffFactory(department=city.township_b1)
    settings.CERTIFICATE_EVIDENCE_MAX_BYTES = 20
    with pytest.raises(ValidationError) as exc:
        certificate_record_external(
            staff=staff,
            level=levels[4],
            number="P1",
            issue_date=datetime.date(2019, 5, 1),
            assessment_body="x",
            evidence=SimpleUploadedFile("a.png", PNG),
            acting_user=administrator,
        )
    assert "evidence" in exc.value.message_dict
    settings.CERTIFICATE_EVIDENCE_MAX_BYTES = 1000
    certificate_record_external(
        staff=staff,
        level=levels[4],
        number="P1",
        issue_date=datetime.date(2019, 5, 1),
        assessment_body="x",
        evidence=SimpleUploadedFile("a.png", PNG),
        acting_user=administrator,
    )


def test_only_administrators_record_external_certificates(city, levels, coordinator_a):
    with pytest.raises(PermissionDenied) as exc:
        certificate_record_external(
            staff=StaffFactory(department=city.township_a1),
            level=levels[4],
            number="P1",
            issue_date=datetime.date(2019, 5, 1),
            assessment_body="x",
            evidence=SimpleUploadedFile("a.pdf", PDF),
            acting_user=coordinator_a,
        )
    assert str(exc.value) == str(MSG_ONLY_ADMINISTRATORS)
    assert not Certificate.objects.exists()


def test_a_broken_record_is_not_reported_as_a_taken_number(city, administrator):
    """Only a duplicate number reads as "该证书编号已存在"; a missing level is a bug and
    surfaces as one instead of blaming the number the administrator typed."""
    with pytest.raises(IntegrityError):
        certificate_record_external(
            staff=StaffFactory(department=city.township_a1),
            level=None,
            number="P-NEW-1",
            issue_date=datetime.date(2019, 5, 1),
            assessment_body="x",
            evidence=SimpleUploadedFile("a.pdf", PDF),
            acting_user=administrator,
        )


def test_revocation_needs_a_reason_and_an_administrator(city, levels, administrator, coordinator_a):
    certificate = certificate_issue(
        assessment=passed_assessment(StaffFactory(department=city.township_a1), levels[5])
    )
    with pytest.raises(PermissionDenied):
        certificate_revoke(certificate=certificate, reason="作弊", acting_user=coordinator_a)
    with pytest.raises(ValidationError):
        certificate_revoke(certificate=certificate, reason="  ", acting_user=administrator)
    certificate.refresh_from_db()
    assert certificate.revoked_on is None
    certificate_revoke(certificate=certificate, reason="考试作弊", acting_user=administrator)
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    entry = AuditEntry.objects.get(action="certificate.revoked")
    assert entry.data["reason"] == "考试作弊"


def test_mask_name():
    assert [mask_name(n) for n in ["张明", "张小明", "欧阳小明", "王"]] == [
        "张*",
        "张*明",
        "欧**明",
        "王",
    ]


def test_expiry_reminders_go_to_holder_and_coordinator_once(
    city, levels, rules, django_capture_on_commit_callbacks
):
    rules.validity_years = 1
    rules.save()
    user = UserFactory(email="holder@example.cn")
    staff = StaffFactory(department=city.township_a1, user=user)
    coordinator = make_user_with_role(Role.COORDINATOR, city.county_a, email="co@example.cn")
    other = make_user_with_role(Role.COORDINATOR, city.county_b, email="b@example.cn")
    certificate_issue(
        assessment=passed_assessment(staff, levels[5]), issue_date=datetime.date(2025, 12, 1)
    )
    # Far from expiry: nothing.
    assert certificate_send_expiry_reminders(today=datetime.date(2026, 6, 1)) == 0
    today = datetime.date(2026, 11, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert certificate_send_expiry_reminders(today=today) == 1
        assert certificate_send_expiry_reminders(today=today) == 0
    # One e-mail each (the channel each chose; e-mail when they have an address).
    assert sorted(m.to[0] for m in mail.outbox) == ["co@example.cn", "holder@example.cn"]
    assert all(len(m.to) == 1 for m in mail.outbox)
    assert set(Notice.objects.values_list("user_id", flat=True)) == {user.pk, coordinator.pk}
    assert not Notice.objects.filter(user=other).exists()


def test_a_number_already_recorded_from_elsewhere_is_skipped(city, levels, administrator):
    certificate_record_external(
        staff=StaffFactory(department=city.township_a1),
        level=levels[5],
        number="ZC20265000001",
        issue_date=datetime.date(2026, 1, 1),
        assessment_body="x",
        evidence=SimpleUploadedFile("a.pdf", PDF),
        acting_user=administrator,
    )
    assessment = passed_assessment(StaffFactory(department=city.township_a1), levels[5])
    issued = certificate_issue(assessment=assessment, issue_date=datetime.date(2026, 3, 1))
    assert issued.number == "ZC20265000002"
