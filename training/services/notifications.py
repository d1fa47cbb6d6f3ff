"""In-app notifications: one, many in bulk, marking read."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from ..models import (
    Notification,
)
from .common import logger

# --- Notifications, publication, reminders, escalation -----------------------------


def notification_send(
    *, user, key: str, title: str, body: str = "", url: str = "", email: bool = True
) -> bool:
    """An in-app notification (and an email when the user has an address), sent once
    per (user, key). Returns whether it was sent now."""
    try:
        with transaction.atomic():
            note = Notification.objects.create(user=user, key=key, title=title, body=body, url=url)
    except IntegrityError:
        return False
    if email and user.email:
        link = f"{settings.CERTIFICATE_PUBLIC_BASE_URL}{url}" if url else ""
        try:
            send_mail(title, f"{body}\n\n{link}".strip(), None, [user.email])
            Notification.objects.filter(pk=note.pk).update(emailed=True)
        except Exception:  # mail trouble must not undo the in-app notice
            logger.exception("training notification email failed")
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
    settles races), and each email is claimed (emailed=False -> True) before it is sent,
    so two concurrent runs never email twice. Returns how many were new."""
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
        wanted = {ident for ident, d in fresh.items() if d.email and d.user.email}
        if not wanted:
            continue
        rows = Notification.objects.filter(
            key__in={k for _u, k in wanted},
            user_id__in={u for u, _k in wanted},
            emailed=False,
        ).values_list("pk", "user_id", "key")
        for pk, user_id, key in rows:
            draft = fresh.get((user_id, key))
            if draft is None or (user_id, key) not in wanted:
                continue
            if not Notification.objects.filter(pk=pk, emailed=False).update(emailed=True):
                continue  # another run claimed this email
            link = f"{settings.CERTIFICATE_PUBLIC_BASE_URL}{draft.url}" if draft.url else ""
            try:
                send_mail(draft.title, f"{draft.body}\n\n{link}".strip(), None, [draft.user.email])
            except Exception:  # mail trouble must not stop the other notices
                logger.exception("training notification email failed")
    return sent


@transaction.atomic
def notification_mark_read(*, user, notification_id: int) -> int:
    return Notification.objects.filter(user=user, pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )
