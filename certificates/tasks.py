"""Background work: ZIP bundles, month-end snapshots, expiry reminders.

Django has no periodic scheduler: run `manage.py certificate_snapshots` and
`manage.py certificate_reminders` daily from cron (or a systemd timer); both are safe
to run more than once.

Services enqueue these inside `transaction.on_commit`, importing this module late;
this module imports services at the top.
"""

from django.tasks import task
from django.utils import timezone

from .models import Certificate
from .rates import last_completed_month_end, rate_snapshots_take
from .services.bundles import bundle_build
from .services.pdf_store import certificate_pdf_get
from .services.reminders import certificate_send_expiry_reminders
from .services.sitting_results import sitting_issue_run


@task(queue_name="reports")
def build_certificate_bundle(*, bundle_id: int) -> int:
    return bundle_build(bundle_id=bundle_id).count


@task(queue_name="reports")
def store_certificate_pdf(*, certificate_id: int) -> int:
    """Render and store a newly issued certificate's PDF (its first download then reads
    the file). Returns the PDF's size, 0 when the certificate is gone."""
    certificate = Certificate.objects.select_related("level").filter(pk=certificate_id).first()
    if certificate is None:
        return 0
    return len(certificate_pdf_get(certificate=certificate))


@task(queue_name="reports")
def take_month_end_snapshot() -> int:
    return rate_snapshots_take(month_end_day=last_completed_month_end(timezone.localdate()))


@task
def send_expiry_reminders() -> int:
    return certificate_send_expiry_reminders()


@task(queue_name="reports")
def issue_sitting_certificates(*, sitting_id: int, acting_user_id: int | None) -> int:
    return sitting_issue_run(sitting_id=sitting_id, acting_user_id=acting_user_id).issue_done
