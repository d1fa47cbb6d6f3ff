"""Small builders shared by the certificate tests."""

import datetime

from certificates.models import Certificate
from certificates.services import (
    assessment_create,
    assessment_record_practical,
    assessment_record_theory,
    certificate_issue,
    new_verification_code,
)
from organisation.models import Staff

from ..factories import StaffFactory


def passed_assessment(staff: Staff, level, theory=80, practical=85):
    assessment = assessment_create(candidate=staff, level=level)
    assessment_record_theory(assessment=assessment, score=theory, source_label="月考试")
    assessment_record_practical(assessment=assessment, score=practical, source_label="考评员")
    return assessment


def issued_certificate(department, level, **staff_kwargs) -> Certificate:
    staff = StaffFactory(department=department, **staff_kwargs)
    return certificate_issue(assessment=passed_assessment(staff, level))


_serial = iter(range(1, 10**6))


def quick_certificate(
    staff: Staff,
    level,
    *,
    issued: datetime.date,
    expires: datetime.date | None = None,
    revoked: datetime.date | None = None,
) -> Certificate:
    """A certificate row without the issuance rules (for rate tests)."""
    return Certificate.objects.create(
        number=f"T{next(_serial):08d}",
        verification_code=new_verification_code(),
        staff=staff,
        level=level,
        holder_name=staff.name,
        id_number_masked=staff.id_number_masked,
        issue_date=issued,
        expires_on=expires,
        revoked_on=revoked,
        assessment_body="测试评价机构",
    )
