"""Certificate PDFs rendered once and stored.

Rendering a certificate costs 0.1-0.3 s warm and seconds in a process that has not
rendered one yet (WeasyPrint, the font configuration); the file never changes unless
what it prints does. So the PDF is stored with the certificate (`Certificate.pdf`) and
the SHA-256 of the HTML it was made from (`pdf_fingerprint`). A download renders the
HTML (a few milliseconds: the template and the QR code) and compares: the same hash
reads the stored file, a different one (a corrected name, a new expiry date, another
verification address, a changed template) renders, stores and replaces it. Nothing has
to remember to invalidate it.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.files.base import ContentFile

from ..models import Certificate

logger = logging.getLogger(__name__)


def _stored(certificate: Certificate, fingerprint: str) -> bytes | None:
    if not certificate.pdf or certificate.pdf_fingerprint != fingerprint:
        return None
    try:
        with certificate.pdf.open("rb") as handle:
            return handle.read()
    except OSError:  # the file went missing: render again
        logger.warning("certificate %s: stored PDF missing", certificate.pk)
        return None


def certificate_pdf_get(*, certificate: Certificate) -> bytes:
    """The certificate's PDF, from the store when it is current, else rendered and
    stored. Raises ValidationError (code "missing_glyph") like `render_certificate_pdf`.
    Not audited: it changes nothing anyone reads but the cache."""
    from ..pdf import certificate_html, render_certificate_pdf

    html = certificate_html(certificate)
    fingerprint = hashlib.sha256(html.encode()).hexdigest()
    stored = _stored(certificate, fingerprint)
    if stored is not None:
        return stored
    pdf = render_certificate_pdf(certificate, html=html)
    old = certificate.pdf.name if certificate.pdf else ""
    storage = Certificate._meta.get_field("pdf").storage
    name = storage.save(
        f"certificates/pdf/{certificate.public_id}-{fingerprint[:16]}.pdf", ContentFile(pdf)
    )
    # A plain UPDATE: the certificate row may be changing elsewhere; only these columns.
    Certificate.objects.filter(pk=certificate.pk).update(pdf=name, pdf_fingerprint=fingerprint)
    certificate.pdf.name, certificate.pdf_fingerprint = name, fingerprint
    if old and old != name:
        storage.delete(old)
    return pdf
