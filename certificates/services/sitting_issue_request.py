"""Ask for the sitting's certificates; `certificates.tasks.issue_sitting_certificates`
runs `sitting_results.sitting_issue_run`. Only this module enqueues, so the task module
imports the worker without an import circle."""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from ..models import Sitting
from .sitting_results import issuable, sitting_issue_check


def _enqueue(sitting_id: int, acting_user_id: int | None) -> None:
    from ..tasks import issue_sitting_certificates  # lazy: tasks import the services

    issue_sitting_certificates.enqueue(sitting_id=sitting_id, acting_user_id=acting_user_id)


def sitting_issue_request(*, sitting: Sitting, acting_user, request=None) -> Sitting:
    """Issue every passed candidate's certificate in one step, in the background; the
    sitting shows the progress (`issue_done` of `issue_total`)."""
    with transaction.atomic():
        sitting = Sitting.objects.select_for_update().get(pk=sitting.pk)
        sitting_issue_check(sitting=sitting, acting_user=acting_user)
        sitting.issue_requested_at = timezone.now()
        sitting.issue_finished_at = None
        sitting.issue_total = issuable(sitting).count()
        sitting.issue_done = 0
        sitting.issue_errors = []
        sitting.save(
            update_fields=[
                "issue_requested_at",
                "issue_finished_at",
                "issue_total",
                "issue_done",
                "issue_errors",
            ]
        )
        audit_record(
            action="sitting.issue_requested",
            actor=acting_user,
            target=sitting,
            request=request,
            data={"certificates": sitting.issue_total},
        )
        transaction.on_commit(partial(_enqueue, sitting.pk, getattr(acting_user, "pk", None)))
    return sitting
