"""ZIP bundles of a unit's certificates: the build that the background task runs
(`bundle_request` asks for one and enqueues it)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from ..models import (
    BundleStatus,
    Certificate,
    CertificateBundle,
    CertificateSource,
)
from .common import logger


def bundle_build(*, bundle_id: int) -> CertificateBundle:
    """Render every valid certificate of the bundle's subtree into one ZIP file.

    A certificate that cannot be printed (a missing glyph) is listed in a text file
    inside the ZIP instead of aborting the whole bundle.
    """
    import io
    import zipfile

    from django.core.files.base import ContentFile

    from .pdf_store import certificate_pdf_get

    bundle = CertificateBundle.objects.select_related("department").get(pk=bundle_id)
    certificates = (
        Certificate.objects.filter(
            staff__department__path__startswith=bundle.department.path,
            revoked_on__isnull=True,
            source=CertificateSource.ISSUED,
        )
        .select_related("level", "staff__department")
        .order_by("staff__department__path", "number")
    )
    buffer = io.BytesIO()
    skipped: list[str] = []
    count = 0
    try:
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for certificate in certificates.iterator(chunk_size=200):
                try:
                    pdf = certificate_pdf_get(certificate=certificate)
                except ValidationError as exc:
                    skipped.append(f"{certificate.number}\t{exc.messages[0]}")
                    continue
                archive.writestr(f"{certificate.number}-{certificate.holder_name}.pdf", pdf)
                count += 1
            if skipped:
                archive.writestr("not-printed.txt", "\n".join(skipped) + "\n")
    except Exception as exc:
        logger.exception("certificate bundle %s failed", bundle.pk)
        bundle.status = BundleStatus.FAILED
        bundle.error = str(exc)[:300]
        bundle.finished_at = timezone.now()
        bundle.save(update_fields=["status", "error", "finished_at"])
        return bundle
    bundle.file.save(f"{bundle.public_id}.zip", ContentFile(buffer.getvalue()), save=False)
    bundle.status = BundleStatus.READY
    bundle.count = count
    bundle.finished_at = timezone.now()
    bundle.save(update_fields=["file", "status", "count", "finished_at"])
    return bundle
