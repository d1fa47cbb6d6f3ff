"""Sending: one try of a delivery through its provider, the retries' timing, quiet hours
and the report of a delivery given up (see `services` for the dispatch).

A try for later (a retry, the end of the quiet hours) is handed to the `schedule`
the caller passes (`tasks.schedule`), so this module knows nothing of the task queue.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.services import audit_record
from organisation.models import Department, Role, RoleAssignment, Staff

from .models import (
    CONFIGURED_CHANNELS,
    ChannelConfig,
    Delivery,
    DeliveryReason,
    DeliveryStatus,
)
from .providers import (
    NO_CHANNEL_TEXT,
    NO_EMAIL_TEXT,
    NO_MOBILE_TEXT,
    Outcome,
    Recipient,
    provider_for,
)

logger = logging.getLogger("notices")

DUE_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)

# schedule(delivery_ids, run_after=None): hand deliveries to a worker.
Schedule = Callable[..., None]


class ChannelResolver:
    """The configured channels of every unit, read once: the nearest unit at or above
    a unit with a row for a channel decides whether it is open there."""

    def __init__(self):
        self.by_path = {
            (c.department.path, c.channel): c
            for c in ChannelConfig.objects.select_related("department")
        }

    def config(self, unit: Department | None, channel: str) -> ChannelConfig | None:
        if unit is None or channel not in CONFIGURED_CHANNELS:
            return None
        for end in range(len(unit.path), 0, -Department.steplen):
            config = self.by_path.get((unit.path[:end], channel))
            if config is not None:
                return config if config.enabled else None
        return None


def _clock(text: str) -> datetime.time:
    hour, _sep, minute = text.strip().partition(":")
    return datetime.time(int(hour), int(minute or 0))


def quiet_until(channel: str, now: datetime.datetime) -> datetime.datetime | None:
    """When the quiet hours around `now` end for this channel, or None when it may be
    sent now. `NOTICES_QUIET_HOURS` is "HH:MM-HH:MM" (local time, may span midnight)."""
    window = settings.NOTICES_QUIET_HOURS
    if channel not in settings.NOTICES_QUIET_CHANNELS or not window:
        return None
    start_text, _sep, end_text = window.partition("-")
    start, end = _clock(start_text), _clock(end_text)
    local = timezone.localtime(now)
    moment = local.time()
    if start <= end:
        quiet = start <= moment < end
        end_day = local.date()
    else:
        quiet = moment >= start or moment < end
        end_day = local.date() + datetime.timedelta(days=1 if moment >= start else 0)
    if not quiet:
        return None
    return timezone.make_aware(datetime.datetime.combine(end_day, end))


# --- sending ----------------------------------------------------------------------------


def deliveries_send(*, delivery_ids: Iterable[int], schedule: Schedule) -> int:
    """Try each due delivery once. Returns how many were sent."""
    return sum(delivery_attempt(delivery_id=pk, schedule=schedule) for pk in delivery_ids)


def deliveries_settle_interrupted(*, limit: int = 1000) -> int:
    """Tries that never came back. A worker that dies during a try leaves its row
    "sending"; once that has lasted `NOTICES_SENDING_STUCK_SECONDS` (far beyond the
    providers' timeout) the row is settled as failed, reason "interrupted", and reported
    like any last failure. It is not tried again: the provider may have delivered it,
    and a notice is never sent twice. Returns how many were settled."""
    now = timezone.now()
    cutoff = now - datetime.timedelta(seconds=settings.NOTICES_SENDING_STUCK_SECONDS)
    settled = 0
    for delivery in Delivery.objects.filter(
        status=DeliveryStatus.SENDING, updated_at__lt=cutoff
    ).select_related("department")[:limit]:
        if Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.SENDING, updated_at__lt=cutoff
        ).update(
            status=DeliveryStatus.FAILED,
            reason=DeliveryReason.INTERRUPTED,
            next_try_at=None,
            updated_at=now,
        ):
            delivery.status, delivery.reason = DeliveryStatus.FAILED, DeliveryReason.INTERRUPTED
            _report_failure(delivery)
            settled += 1
    return settled


def deliveries_send_due(*, schedule: Schedule, limit: int = 1000) -> int:
    """Try every delivery whose time has come (the `notices_retry` command), after
    settling the tries a dead worker left "sending"."""
    deliveries_settle_interrupted(limit=limit)
    ids = list(
        Delivery.objects.filter(status__in=DUE_STATUSES, next_try_at__lte=timezone.now())
        .order_by("next_try_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliveries_send(delivery_ids=ids, schedule=schedule)


def _text(delivery: Delivery) -> str:
    link = f"{settings.CERTIFICATE_PUBLIC_BASE_URL}{delivery.url}" if delivery.url else ""
    return "\n".join(part for part in (delivery.title, delivery.body, link) if part)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the n-th failed try: base, then 2×, 4×, …"""
    return datetime.timedelta(seconds=settings.NOTICES_RETRY_SECONDS * 2 ** (attempts - 1))


def delivery_attempt(*, delivery_id: int, schedule: Schedule) -> bool:
    """One try of one delivery, if it is due and nobody else is trying it (the try is
    claimed by a conditional UPDATE). Returns whether it was sent."""
    now = timezone.now()
    delivery = Delivery.objects.select_related("user", "department").filter(pk=delivery_id).first()
    if delivery is None or delivery.status not in DUE_STATUSES:
        return False
    if delivery.next_try_at and delivery.next_try_at > now:
        return False
    later = quiet_until(delivery.channel, now)
    if later is not None:
        Delivery.objects.filter(pk=delivery.pk, status=delivery.status).update(next_try_at=later)
        schedule([delivery.pk], run_after=later)
        return False
    claimed = Delivery.objects.filter(
        pk=delivery.pk, status__in=DUE_STATUSES, next_try_at__lte=now
    ).update(status=DeliveryStatus.SENDING, attempts=F("attempts") + 1, updated_at=now)
    if not claimed:
        return False
    attempts = delivery.attempts + 1
    outcome = _send(delivery)
    done = timezone.now()
    if outcome.ok:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.SENT,
            sent_at=done,
            next_try_at=None,
            answer=outcome.answer,
            reason=outcome.reason,
            updated_at=done,
        )
        return True
    if outcome.retry and attempts < settings.NOTICES_MAX_ATTEMPTS:
        next_try = done + retry_delay(attempts)
        _settle(delivery, outcome, DeliveryStatus.RETRYING, next_try, done)
        schedule([delivery.pk], run_after=next_try)
        return False
    _settle(delivery, outcome, DeliveryStatus.FAILED, None, done)
    delivery.status, delivery.attempts, delivery.answer, delivery.reason = (
        DeliveryStatus.FAILED,
        attempts,
        outcome.answer,
        outcome.reason,
    )
    _report_failure(delivery)
    return False


def _send(delivery: Delivery) -> Outcome:
    staff = Staff.objects.filter(user_id=delivery.user_id).only("name", "mobile").first()
    recipient = Recipient(
        name=staff.name if staff else delivery.user.get_full_name(),
        email=delivery.user.email,
        mobile=staff.mobile if staff else "",
    )
    config = None
    if delivery.channel in CONFIGURED_CHANNELS:
        config = ChannelResolver().config(delivery.department, delivery.channel)
        if config is None:
            return Outcome(False, NO_CHANNEL_TEXT, retry=False)
        if not recipient.mobile:
            return Outcome(False, NO_MOBILE_TEXT, retry=False)
    elif not recipient.email:
        return Outcome(False, NO_EMAIL_TEXT, retry=False)
    try:
        return provider_for(delivery.channel, config).send(
            config=config, recipient=recipient, title=delivery.title, text=_text(delivery)
        )
    except Exception as error:  # a provider's own bug must not leave the row "sending"
        logger.exception("notice delivery %s failed", delivery.pk)
        return Outcome(False, f"{type(error).__name__}: {error}"[:500])


def coordinators_responsible(unit: Department | None) -> list:
    """The active coordinators bound to the nearest unit at or above `unit` that has
    one."""
    if unit is None:
        return []
    above = [unit.path[:end] for end in range(len(unit.path), 0, -Department.steplen)]
    by_path: dict[str, list] = {}
    for assignment in RoleAssignment.objects.filter(
        role=Role.COORDINATOR, department__path__in=above, user__is_active=True
    ).select_related("user", "department"):
        by_path.setdefault(assignment.department.path, []).append(assignment.user)
    for path in above:
        if path in by_path:
            return by_path[path]
    return []


def _settle(delivery: Delivery, outcome, status: str, next_try_at, done) -> None:
    """Record a try's outcome that did not deliver: the status, when to try next (if
    ever) and the provider's answer with its reason."""
    Delivery.objects.filter(pk=delivery.pk).update(
        status=status,
        next_try_at=next_try_at,
        answer=outcome.answer,
        reason=outcome.reason,
        updated_at=done,
    )


def _report_failure(delivery: Delivery) -> None:
    """The last try failed: audit it and tell the responsible coordinators."""
    coordinators = coordinators_responsible(delivery.department)
    audit_record(
        action="notices.delivery_failed",
        target=delivery,
        data={
            "channel": delivery.channel,
            "key": delivery.key,
            "attempts": delivery.attempts,
            "answer": delivery.answer,
            "coordinators": [u.pk for u in coordinators],
        },
    )
    for path in settings.NOTICES_FAILED_HOOKS:
        try:
            import_string(path)(delivery=delivery, coordinators=coordinators)
        except Exception:  # telling must not undo the log
            logger.exception("notice failure hook %s failed", path)
