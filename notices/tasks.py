"""Background sending of notices (Django's tasks framework)."""

from django.tasks import task

from .services import deliveries_send


@task
def deliveries_send_task(*, delivery_ids: list[int]) -> int:
    """Try the given deliveries (those not due or already taken are skipped)."""
    return deliveries_send(delivery_ids=delivery_ids)
