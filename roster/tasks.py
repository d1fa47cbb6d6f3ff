"""Background tasks for large roster files (Django's tasks framework).

They are enqueued inside `transaction.on_commit` by `roster.services.intake`; this
module imports only the workers of `roster.services.history`, so there is no circle. They report
progress on the RosterImport row (rows_done / rows_total), which the page polls.
"""

from django.contrib.auth import get_user_model
from django.tasks import task

from .models import ImportStatus, RosterImport
from .services.history import roster_check, roster_commit


@task(queue_name="imports")
def roster_check_task(import_id: int) -> None:
    roster_import = RosterImport.objects.select_related("created_by").get(pk=import_id)
    if roster_import.status not in (ImportStatus.QUEUED, ImportStatus.CHECKING):
        return
    try:
        roster_check(roster_import=roster_import)
    except Exception:
        RosterImport.objects.filter(pk=import_id).update(status=ImportStatus.FAILED)
        raise


@task(queue_name="imports")
def roster_commit_task(
    import_id: int, user_id: int, confirm_transfers: bool, skip_invalid: bool = False
) -> None:
    roster_import = RosterImport.objects.get(pk=import_id)
    if roster_import.status != ImportStatus.COMMITTING:
        return
    user = get_user_model().objects.get(pk=user_id)
    roster_commit(
        roster_import=roster_import,
        acting_user=user,
        confirm_transfers=confirm_transfers,
        skip_invalid=skip_invalid,
        claimed=True,
    )
