"""Certificates: issuing, recording one issued elsewhere, revoking."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from core.text import clean_text, compact
from organisation.models import Staff

from ..glyphs import check_printable
from ..models import (
    OCCUPATION,
    WORK_TYPE,
    Assessment,
    AssessmentStatus,
    Certificate,
    CertificateCounter,
    CertificateSource,
    CertificationSettings,
    SkillLevel,
)
from .common import (
    MSG_ALREADY_ISSUED,
    MSG_ALREADY_REVOKED,
    MSG_EVIDENCE_REQUIRED,
    MSG_EXPIRY_BEFORE_ISSUE,
    MSG_ISSUE_DATE_FUTURE,
    MSG_NOT_PASSED,
    MSG_NUMBER_REQUIRED,
    MSG_NUMBER_TAKEN,
    MSG_REASON_REQUIRED,
    _check_administrator,
    _check_can_manage,
    add_years,
    certification_settings_get,
    new_verification_code,
    validate_upload,
)
from .pdf_prerender import certificate_pdf_prerender

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # default of settings.CERTIFICATE_EVIDENCE_MAX_BYTES
PHOTO_MAX_BYTES = 2 * 1024 * 1024


# --- issuance --------------------------------------------------------------------------


def _next_number(*, rules: CertificationSettings, year: int, level_code: int) -> str:
    """Take the next sequence number; call inside a transaction."""
    counter, _ = CertificateCounter.objects.select_for_update().get_or_create(
        year=year, level_code=level_code
    )
    while True:
        counter.last_value += 1
        number = f"{rules.number_prefix}{year:04d}{level_code}{counter.last_value:06d}"
        # A certificate recorded from elsewhere may already carry this number: skip it.
        if not Certificate.objects.filter(number=number).exists():
            break
    counter.save(update_fields=["last_value"])
    return number


def _printable_fields(*, name: str, level: SkillLevel, body: str) -> dict[str, str]:
    return {
        gettext("the name"): name,
        gettext("the level"): level.name,
        gettext("the assessment body"): body,
    }


def certificate_issue(
    *,
    assessment: Assessment,
    acting_user=None,
    photo: UploadedFile | None = None,
    issue_date: datetime.date | None = None,
    request=None,
) -> Certificate:
    """Issue the certificate for a passed assessment (one transaction, audited)."""
    rules = certification_settings_get()
    candidate = assessment.candidate
    _check_can_manage(acting_user, candidate.department)
    if assessment.status != AssessmentStatus.PASSED:
        raise ValidationError(MSG_NOT_PASSED, code="not_passed")
    if Certificate.objects.filter(assessment=assessment).exists():
        raise ValidationError(MSG_ALREADY_ISSUED, code="already_issued")
    check_printable(
        _printable_fields(name=candidate.name, level=assessment.level, body=rules.assessment_body)
    )
    if photo is not None:
        validate_upload(photo, kinds=("jpeg", "png"), max_bytes=PHOTO_MAX_BYTES)
    issued = issue_date or timezone.localdate()
    with transaction.atomic():
        certificate = Certificate(
            number=_next_number(rules=rules, year=issued.year, level_code=assessment.level.code),
            verification_code=new_verification_code(),
            staff=candidate,
            assessment=assessment,
            source=CertificateSource.ISSUED,
            level=assessment.level,
            holder_name=candidate.name,
            id_number_masked=candidate.id_number_masked,
            occupation=OCCUPATION,
            work_type=WORK_TYPE,
            issue_date=issued,
            expires_on=add_years(issued, rules.validity_years) if rules.validity_years else None,
            assessment_body=rules.assessment_body,
            created_by=acting_user,
        )
        if photo is not None:
            certificate.photo.save(f"{certificate.verification_code}.img", photo, save=False)
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            # The same assessment issued twice at the same moment, or the number was
            # already taken by a certificate recorded from elsewhere (issue again).
            if Certificate.objects.filter(assessment=assessment).exists():
                raise ValidationError(MSG_ALREADY_ISSUED, code="already_issued") from None
            raise ValidationError(MSG_NUMBER_TAKEN, code="number_taken") from None
        audit_record(
            action="certificate.issued",
            actor=acting_user,
            target=certificate,
            data={
                "number": certificate.number,
                "staff": str(candidate.public_id),
                "level": assessment.level.code,
            },
            request=request,
        )
        certificate_pdf_prerender(certificate)
    return certificate


def certificate_record_external(
    *,
    staff: Staff,
    level: SkillLevel,
    number: str,
    issue_date: datetime.date,
    assessment_body: str,
    evidence: UploadedFile | None,
    expires_on: datetime.date | None = None,
    acting_user=None,
    request=None,
) -> Certificate:
    """Record a certificate obtained elsewhere (e.g. an earlier paper certificate),
    with a scan as evidence. Administrators only."""
    _check_administrator(acting_user)
    number = compact(number).upper()
    errors: dict[str, list] = {}
    if not number:
        errors.setdefault("number", []).append(ValidationError(MSG_NUMBER_REQUIRED, "required"))
    elif Certificate.objects.filter(number=number).exists():
        errors.setdefault("number", []).append(ValidationError(MSG_NUMBER_TAKEN, "taken"))
    if issue_date > timezone.localdate():
        errors.setdefault("issue_date", []).append(ValidationError(MSG_ISSUE_DATE_FUTURE, "date"))
    if expires_on is not None and expires_on <= issue_date:
        errors.setdefault("expires_on", []).append(ValidationError(MSG_EXPIRY_BEFORE_ISSUE, "date"))
    if evidence is None:
        errors.setdefault("evidence", []).append(ValidationError(MSG_EVIDENCE_REQUIRED, "required"))
    else:
        try:
            kind = validate_upload(
                evidence,
                kinds=("pdf", "jpeg", "png"),
                max_bytes=getattr(settings, "CERTIFICATE_EVIDENCE_MAX_BYTES", EVIDENCE_MAX_BYTES),
            )
        except ValidationError as exc:
            errors.setdefault("evidence", []).append(exc)
    if errors:
        raise ValidationError(errors)
    body = clean_text(assessment_body)
    with transaction.atomic():
        certificate = Certificate(
            number=number,
            verification_code=new_verification_code(),
            staff=staff,
            source=CertificateSource.EXTERNAL,
            level=level,
            holder_name=staff.name,
            id_number_masked=staff.id_number_masked,
            issue_date=issue_date,
            expires_on=expires_on,
            assessment_body=body,
            created_by=acting_user,
        )
        extension = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[kind]
        certificate.evidence.save(
            f"{certificate.verification_code}.{extension}", evidence, save=False
        )
        try:
            with transaction.atomic():
                certificate.save()
        except IntegrityError:
            # Only the same number recorded twice at the same moment is the user's
            # mistake; any other broken constraint is a bug and must not read as one.
            if not Certificate.objects.filter(number=number).exists():
                raise
            raise ValidationError(
                {"number": ValidationError(MSG_NUMBER_TAKEN, code="taken")}
            ) from None
        audit_record(
            action="certificate.recorded_external",
            actor=acting_user,
            target=certificate,
            data={"number": number, "staff": str(staff.public_id), "level": level.code},
            request=request,
        )
    return certificate


def certificate_revoke(
    *, certificate: Certificate, reason: str, acting_user=None, request=None
) -> Certificate:
    _check_administrator(acting_user)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": ValidationError(MSG_REASON_REQUIRED, code="required")})
    if certificate.revoked_on is not None:
        raise ValidationError(MSG_ALREADY_REVOKED, code="already_revoked")
    with transaction.atomic():
        certificate.revoked_on = timezone.localdate()
        certificate.revoked_reason = reason[:200]
        certificate.save(update_fields=["revoked_on", "revoked_reason"])
        audit_record(
            action="certificate.revoked",
            actor=acting_user,
            target=certificate,
            data={"number": certificate.number, "reason": certificate.revoked_reason},
            request=request,
        )
    return certificate
