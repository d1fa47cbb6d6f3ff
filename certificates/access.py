"""Who may see and change which assessments and certificates, built on
organisation.access. Missing and forbidden answer the same 404."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    record_denied,
    staff_visible_to,
)

from .models import Assessment, Certificate, CertificateBundle


def certificates_visible_to(user) -> QuerySet[Certificate]:
    """Certificates of staff in the user's read subtrees, plus the user's own."""
    return Certificate.objects.filter(staff__in=staff_visible_to(user))


def certificates_managed_by(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(staff__department__in=departments_managed_by(user))


def assessments_visible_to(user) -> QuerySet[Assessment]:
    return Assessment.objects.filter(candidate__in=staff_visible_to(user))


def assessments_managed_by(user) -> QuerySet[Assessment]:
    return Assessment.objects.filter(candidate__department__in=departments_managed_by(user))


def _uuid_or_404(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def get_certificate_for(user, public_id, *, write: bool = False) -> Certificate:
    key = _uuid_or_404(public_id)
    queryset = certificates_managed_by(user) if write else certificates_visible_to(user)
    try:
        return queryset.select_related("staff__department", "level", "assessment").get(
            public_id=key
        )
    except Certificate.DoesNotExist:
        if Certificate.objects.filter(public_id=key).exists():
            record_denied(user, "certificates.certificate", key)
        raise Http404("No such certificate.") from None


def get_assessment_for(user, public_id, *, write: bool = False) -> Assessment:
    key = _uuid_or_404(public_id)
    queryset = assessments_managed_by(user) if write else assessments_visible_to(user)
    try:
        return queryset.select_related("candidate__department", "level").get(public_id=key)
    except Assessment.DoesNotExist:
        if Assessment.objects.filter(public_id=key).exists():
            record_denied(user, "certificates.assessment", key)
        raise Http404("No such assessment.") from None


def get_bundle_for(user, public_id) -> CertificateBundle:
    """A ZIP bundle: only its requester, while the unit is still visible to them."""
    key = _uuid_or_404(public_id)
    try:
        return CertificateBundle.objects.select_related("department").get(
            public_id=key,
            requested_by_id=getattr(user, "pk", None),
            department__in=departments_visible_to(user),
        )
    except CertificateBundle.DoesNotExist:
        raise Http404("No such download.") from None
