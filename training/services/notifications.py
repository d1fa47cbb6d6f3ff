"""In-app notifications: one, many in bulk, marking read."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from notices.services import Outgoing, notices_dispatch

from ..models import (
    Notification,
)

# --- Notifications, publication, reminders, escalation -----------------------------


def notification_send(
    *, user, key: str, title: str, body: str = "", url: str = "", email: bool = True
) -> bool:
    """An in-app notification, sent once per (user, key), and the same notice by the
    outside channel the person chose (`notices.services.notices_dispatch`; `email=False`
    keeps it in the app). Returns whether it was sent now."""
    try:
        with transaction.atomic():
            Notification.objects.create(user=user, key=key, title=title, body=body, url=url)
    except IntegrityError:
        return False
    if email:
        notices_dispatch(notices=[Outgoing(user=user, key=key, title=title, body=body, url=url)])
    return True


@dataclass
class NotificationDraft:
    user: object
    key: str
    title: str
    body: str = ""
    url: str = ""
    email: bool = True


def notifications_send_many(*, drafts: list[NotificationDraft], chunk: int = 1000) -> int:
    """Send many notifications, each (user, key) once: the ones already sent are skipped
    with one query per chunk, the new ones are inserted in bulk (the unique constraint
    settles races) and handed to the dispatch for the outside channels, which sends each
    (user, key, channel) once, so two concurrent runs never send twice. Returns how many
    were new."""
    sent = 0
    for start in range(0, len(drafts), chunk):
        part = drafts[start : start + chunk]
        keys = {d.key for d in part}
        existing = set(
            Notification.objects.filter(
                key__in=keys, user_id__in={d.user.pk for d in part}
            ).values_list("user_id", "key")
        )
        fresh: dict[tuple[int, str], NotificationDraft] = {}
        for draft in part:
            ident = (draft.user.pk, draft.key)
            if ident not in existing and ident not in fresh:
                fresh[ident] = draft
        if not fresh:
            continue
        Notification.objects.bulk_create(
            [
                Notification(user=d.user, key=d.key, title=d.title, body=d.body, url=d.url)
                for d in fresh.values()
            ],
            ignore_conflicts=True,
        )
        sent += len(fresh)
        notices_dispatch(
            notices=[
                Outgoing(user=d.user, key=d.key, title=d.title, body=d.body, url=d.url)
                for d in fresh.values()
                if d.email
            ]
        )
    return sent


def delivery_failed_notify(*, delivery, coordinators) -> None:
    """`NOTICES_FAILED_HOOKS`: the coordinators responsible for a person hear in the app
    (never by an outside channel, which could fail in turn) that a notice did not reach
    them after the last try."""
    person = delivery.user.get_full_name() or delivery.user.get_username()
    title = gettext("Not delivered by %(channel)s: %(person)s") % {
        "channel": delivery.get_channel_display(),
        "person": person,
    }
    body = gettext("%(title)s. The provider answered: %(answer)s") % {
        "title": delivery.title,
        "answer": delivery.answer or "-",
    }
    url = reverse("notices:deliveries") + "?status=failed"
    for coordinator in coordinators:
        notification_send(
            user=coordinator,
            key=f"delivery-failed:{delivery.pk}",
            title=title[:200],
            body=body,
            url=url,
            email=False,
        )


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> int:
    return Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
