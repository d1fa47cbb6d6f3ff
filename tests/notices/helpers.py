"""Helpers of the notices tests: the real reminder run, a person's choice, the clock."""

import datetime
import io

from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from training.simulation import SimulatedClock


def days(n):
    return timezone.localdate() + datetime.timedelta(days=n)


def remind():
    out = io.StringIO()
    call_command("training_remind", stdout=out)
    return out.getvalue()


def choose(client, user, channel):
    client.force_login(user)
    response = client.post(reverse("notices:preferences"), {"channel": channel})
    assert response.status_code == 302, response.content.decode()[:2000]


def tick_to_next_try(delivery):
    """Run the scheduled `notices_retry` just before and just after the next try is due."""
    delivery.refresh_from_db()
    due = delivery.next_try_at
    with SimulatedClock(due - datetime.timedelta(seconds=1)).running():
        call_command("notices_retry", stdout=io.StringIO())
    delivery.refresh_from_db()
    assert delivery.next_try_at == due  # not yet
    with SimulatedClock(due).running():
        call_command("notices_retry", stdout=io.StringIO())
    delivery.refresh_from_db()
