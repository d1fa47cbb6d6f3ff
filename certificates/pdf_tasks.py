"""The background task that renders and stores a newly issued certificate's PDF.

Apart from `certificates.tasks` so that issuing (which enqueues it, through
`services/pdf_prerender.py`) and the tasks that issue (the sitting's bulk issue) import
each other in no circle: this module imports only the PDF store.
"""

from django.tasks import task

from .models import Certificate
from .services.pdf_store import certificate_pdf_get


@task(queue_name="reports")
def store_certificate_pdf(*, certificate_id: int) -> int:
    """Render and store a newly issued certificate's PDF (its first download then reads
    the file). Returns the PDF's size, 0 when the certificate is gone."""
    certificate = Certificate.objects.select_related("level").filter(pk=certificate_id).first()
    if certificate is None:
        return 0
    return len(certificate_pdf_get(certificate=certificate))
