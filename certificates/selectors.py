"""Reads on certificates. Scoped through certificates.access / organisation.access."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from .models import Certificate
from .services import mask_name


@dataclass(frozen=True)
class VerificationResult:
    masked_name: str
    # First 3 and last 4 characters: the verifier matches the certificate to the
    # person in front of them (with their ID card), and learns nothing more.
    masked_id_number: str
    level: str
    number: str
    issue_date: datetime.date
    expires_on: datetime.date | None
    status: str
    status_label: str
    occupation: str
    work_type: str
    assessment_body: str


def certificate_verify(*, code: str, number: str | None = None) -> VerificationResult | None:
    """Public check. The verification code is always required (the number alone
    reveals nothing); with a number given, both must match. None when unknown."""
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")
    if not code or len(code) > 32:
        return None
    queryset = Certificate.objects.select_related("level").filter(verification_code=code)
    if number is not None:
        number = number.strip().upper().replace(" ", "")
        if not number:
            return None
        queryset = queryset.filter(number=number)
    certificate = queryset.first()
    if certificate is None:
        return None
    status = certificate.status_on(timezone.localdate())
    return VerificationResult(
        masked_name=mask_name(certificate.holder_name),
        masked_id_number=certificate.id_number_masked,
        level=certificate.level.name,
        number=certificate.number,
        issue_date=certificate.issue_date,
        expires_on=certificate.expires_on,
        status=status,
        status_label=certificate.get_status_display(),
        occupation=certificate.occupation,
        work_type=certificate.work_type,
        assessment_body=certificate.assessment_body,
    )


def certificate_list(*, queryset: QuerySet[Certificate]) -> QuerySet[Certificate]:
    return queryset.select_related("staff__department", "level").order_by(
        "staff__department__path", "-issue_date", "-pk"
    )


def examiner_proposals(*, sitting, user, limit: int = 100) -> QuerySet:
    """Accounts the coordinators' page proposes as the sitting's examiners: active
    staff of the user's units with a sign-in account, other than the user, none of them
    a candidate or already an examiner of the sitting, and none from a unit in line with a confirmed
    candidate's (`organisation.access.units_in_line_with`): those who hold the examiner
    role first, then by unit and staff number."""
    from django.db.models import Exists, OuterRef

    from organisation.access import departments_managed_by, units_in_line_with
    from organisation.models import Department, Role, RoleAssignment, Staff, StaffStatus

    from .models import Candidate, CandidateStatus, ExaminerAssignment

    units = Department.objects.filter(
        pk__in=Candidate.objects.filter(sitting=sitting, status=CandidateStatus.CONFIRMED).values(
            "staff__department_id"
        )
    )
    return (
        Staff.objects.filter(
            department__in=departments_managed_by(user),
            status=StaffStatus.ACTIVE,
            user__isnull=False,
            user__is_active=True,
        )
        .exclude(user_id=getattr(user, "pk", None))  # an organiser does not examine
        .exclude(department__in=units_in_line_with(list(units)))
        .exclude(pk__in=Candidate.objects.filter(sitting=sitting).values("staff_id"))
        .exclude(
            user_id__in=ExaminerAssignment.objects.filter(room__sitting=sitting).values("user_id")
        )
        .annotate(
            is_examiner=Exists(
                RoleAssignment.objects.filter(user_id=OuterRef("user_id"), role=Role.EXAMINER)
            )
        )
        .select_related("department", "user")
        .order_by("-is_examiner", "department__path", "staff_number")[:limit]
    )
