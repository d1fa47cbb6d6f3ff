"""Background work: ZIP bundles, month-end snapshots, expiry reminders.

Django has no periodic scheduler: run `manage.py certificate_snapshots` and
`manage.py certificate_reminders` daily from cron (or a systemd timer); both are safe
to run more than once.

Services enqueue these inside `transaction.on_commit`, importing this module late;
this module imports services at the top.
"""

from django.tasks import task
from django.utils import timezone

from .rates import last_completed_month_end, rate_snapshots_take
from .services.bundles import bundle_build
from .services.reminders import certificate_send_expiry_reminders
from .services.sitting_results import sitting_issue_run


@task(queue_name="reports")
def build_certificate_bundle(*, bundle_id: int) -> int:
    return bundle_build(bundle_id=bundle_id).count


@task(queue_name="reports")
def take_month_end_snapshot() -> int:
    return rate_snapshots_take(month_end_day=last_completed_month_end(timezone.localdate()))


@task
def send_expiry_reminders() -> int:
    return certificate_send_expiry_reminders()


@task(queue_name="reports")
def issue_sitting_certificates(*, sitting_id: int, acting_user_id: int | None) -> int:
    return sitting_issue_run(sitting_id=sitting_id, acting_user_id=acting_user_id).issue_done
