"""Background sending of notices (Django's tasks framework)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.tasks import default_task_backend, task

from .sending import deliveries_send


@task
def deliveries_send_task(*, delivery_ids: list[int]) -> int:
    """Try the given deliveries (those not due or already taken are skipped)."""
    return deliveries_send(delivery_ids=delivery_ids, schedule=schedule)


def schedule(ids: list[int], *, run_after: datetime.datetime | None = None) -> None:
    """Hand deliveries to a worker once the transaction commits. A try for later goes
    to a backend that can defer it; otherwise `notices_retry` picks it up when due."""
    if not ids:
        return
    if run_after is not None and not default_task_backend.supports_defer:
        return

    def enqueue():
        queued = deliveries_send_task
        if run_after is not None:
            queued = queued.using(run_after=run_after)
        for start in range(0, len(ids), 200):
            queued.enqueue(delivery_ids=ids[start : start + 200])

    transaction.on_commit(enqueue, robust=True)
