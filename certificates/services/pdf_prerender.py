"""Enqueue the rendering of a newly issued certificate's PDF (only this module enqueues
it; the task lives in `certificates/pdf_tasks.py`)."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from ..models import Certificate
from ..pdf_tasks import store_certificate_pdf


def certificate_pdf_prerender(certificate: Certificate) -> None:
    """After the issuing transaction commits, render and store the PDF in the background
    (`CERTIFICATE_PDF_PRERENDER`)."""
    if not settings.CERTIFICATE_PDF_PRERENDER:
        return
    transaction.on_commit(lambda: store_certificate_pdf.enqueue(certificate_id=certificate.pk))
