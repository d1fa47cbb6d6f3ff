"""Ask for a ZIP bundle of a unit's certificates; `certificates.tasks` builds it with
`bundles.bundle_build`. Only this module enqueues, so the task module imports the
build without an import circle."""

from __future__ import annotations

from django.db import transaction

from audit.services import audit_record
from organisation.models import Department

from ..models import CertificateBundle


def bundle_request(*, department: Department, acting_user) -> CertificateBundle:
    """Ask for a ZIP of the unit's (subtree's) certificates; built in the background."""
    from ..tasks import build_certificate_bundle

    with transaction.atomic():
        bundle = CertificateBundle.objects.create(department=department, requested_by=acting_user)
        audit_record(
            action="certificate.bundle_requested",
            actor=acting_user,
            target=bundle,
            data={"department": department.code},
        )
        transaction.on_commit(lambda: build_certificate_bundle.enqueue(bundle_id=bundle.pk))
    return bundle
