"""Who may see and change which assessments and certificates, built on
organisation.access. Missing and forbidden answer the same 404."""

from __future__ import annotations

from django.db.models import QuerySet

from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    get_scoped_or_404,
    staff_visible_to,
    uuid_or_none,
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


def get_certificate_for(user, public_id, *, write: bool = False) -> Certificate:
    queryset = certificates_managed_by(user) if write else certificates_visible_to(user)
    return get_scoped_or_404(
        queryset.select_related("staff__department", "level", "assessment"),
        user=user,
        kind="certificates.certificate",
        public_id=uuid_or_none(public_id),
    )


def get_assessment_for(user, public_id, *, write: bool = False) -> Assessment:
    queryset = assessments_managed_by(user) if write else assessments_visible_to(user)
    return get_scoped_or_404(
        queryset.select_related("candidate__department", "level"),
        user=user,
        kind="certificates.assessment",
        public_id=uuid_or_none(public_id),
    )


def bundles_visible_to(user) -> QuerySet[CertificateBundle]:
    """ZIP bundles: only their requester's, while the unit is still visible to them."""
    return CertificateBundle.objects.filter(
        requested_by_id=getattr(user, "pk", None),
        department__in=departments_visible_to(user),
    )


def get_bundle_for(user, public_id) -> CertificateBundle:
    return get_scoped_or_404(
        bundles_visible_to(user).select_related("department"),
        user=user,
        kind="certificates.certificatebundle",
        public_id=uuid_or_none(public_id),
    )
