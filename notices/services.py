"""Dispatch: every notice leaves through `notices_dispatch`.

The app that keeps the in-app inbox writes the in-app notice and hands the same notice
here; this picks the outside channel the person chose among those their unit offers,
records a `Delivery` (unique per person, notice key and channel: nothing is sent twice)
and sends it in the background (`notices.tasks`). A failed try is tried again with
growing delays (`NOTICES_RETRY_SECONDS` × 2ⁿ, at most `NOTICES_MAX_ATTEMPTS` tries);
after the last one the coordinators responsible for the person's unit are told
(`NOTICES_FAILED_HOOKS`, an in-app notice) and the failure is audited. Channels in
`NOTICES_QUIET_CHANNELS` (SMS by default) wait for the end of the quiet hours.

`notices_retry` (cron, every few minutes) sends whatever is due and was not handed to a
worker: tries deferred by a backend that cannot defer, the morning after quiet hours.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.tasks import default_task_backend
from django.utils import timezone
from django.utils.module_loading import import_string

from audit.services import audit_record
from organisation.crypto import encrypt_id_number
from organisation.models import Department, Role, RoleAssignment, Staff

from .models import (
    CONFIGURED_CHANNELS,
    Channel,
    ChannelConfig,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
)
from .providers import Outcome, Recipient, provider_for

logger = logging.getLogger("notices")

DUE_STATUSES = (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING)
CHUNK = 500


@dataclass(frozen=True)
class Outgoing:
    """A notice to carry outside the app: the same key as the in-app notice."""

    user: object
    key: str
    title: str
    body: str = ""
    url: str = ""


# --- which channel --------------------------------------------------------------------


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


def _open_channels(*, user, staff: Staff | None, unit, resolver: ChannelResolver) -> list[str]:
    channels = [Channel.EMAIL.value] if user.email else []
    if staff is not None and staff.mobile:
        channels += [c.value for c in CONFIGURED_CHANNELS if resolver.config(unit, c)]
    return channels


def channels_available(*, user) -> list[str]:
    """The outside channels this person may choose: e-mail when they have an address,
    the channels their unit configured when they have a mobile number."""
    staff = Staff.objects.select_related("department").filter(user_id=user.pk).first()
    unit = staff.department if staff else _role_units({user.pk}).get(user.pk)
    return _open_channels(user=user, staff=staff, unit=unit, resolver=ChannelResolver())


def preferred_channel(*, user) -> str:
    """The stored choice; without one, e-mail when the person has an address."""
    stored = ChannelPreference.objects.filter(user_id=user.pk).values_list("channel", flat=True)
    stored = list(stored)
    if stored:
        return stored[0]
    return Channel.EMAIL.value if user.email else ""


def _choose(*, user, preference: str | None, open_channels: list[str]) -> str:
    """The person's choice if open to them; else e-mail if they have an address (so a
    unit closing a channel does not silence them); else nothing (in-app only)."""
    if preference is None:
        preference = Channel.EMAIL.value if user.email else ""
    if not preference:
        return ""
    if preference in open_channels:
        return preference
    return Channel.EMAIL.value if Channel.EMAIL.value in open_channels else ""


def _role_units(user_ids: set[int]) -> dict[int, Department]:
    """For people without a staff record (coordinators, managers): the highest unit a
    role of theirs is bound to (one query)."""
    units: dict[int, Department] = {}
    if not user_ids:
        return units
    for assignment in (
        RoleAssignment.objects.filter(user_id__in=user_ids)
        .select_related("department")
        .order_by("department__path")
    ):
        units.setdefault(assignment.user_id, assignment.department)
    return units


def mask_email(address: str) -> str:
    name, _at, domain = address.partition("@")
    return f"{name[:1]}***@{domain}" if domain else "***"


def mask_mobile(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else "***"


def _recipient_masked(channel: str, user, staff: Staff | None) -> str:
    if channel == Channel.EMAIL:
        return mask_email(user.email)
    return mask_mobile(staff.mobile if staff else "")


# --- quiet hours ----------------------------------------------------------------------


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


# --- dispatch ---------------------------------------------------------------------------


def notices_dispatch(*, notices: Iterable[Outgoing]) -> int:
    """Queue each notice on the outside channel its person chose (none: in-app only).
    Safe to call again with the same notices: a (person, key, channel) already queued
    or sent is skipped. Returns how many deliveries were queued now."""
    notices = list(notices)
    resolver = ChannelResolver() if notices else None
    queued = 0
    for start in range(0, len(notices), CHUNK):
        queued += _dispatch_chunk(notices[start : start + CHUNK], resolver)
    return queued


def _dispatch_chunk(notices: list[Outgoing], resolver: ChannelResolver) -> int:
    user_ids = {n.user.pk for n in notices}
    preferences = dict(
        ChannelPreference.objects.filter(user_id__in=user_ids).values_list("user_id", "channel")
    )
    staff_of = {
        s.user_id: s
        for s in Staff.objects.filter(user_id__in=user_ids).select_related("department")
    }
    role_units = _role_units(user_ids - set(staff_of))
    now = timezone.now()
    rows = []
    for notice in notices:
        user = notice.user
        staff = staff_of.get(user.pk)
        unit = staff.department if staff else role_units.get(user.pk)
        channel = _choose(
            user=user,
            preference=preferences.get(user.pk),
            open_channels=_open_channels(user=user, staff=staff, unit=unit, resolver=resolver),
        )
        if not channel:
            continue
        rows.append(
            Delivery(
                user=user,
                department=unit,
                key=notice.key[:120],
                channel=channel,
                title=notice.title[:200],
                body=notice.body,
                url=notice.url[:300],
                recipient_masked=_recipient_masked(channel, user, staff),
                created_at=now,
                next_try_at=quiet_until(channel, now) or now,
            )
        )
    if not rows:
        return 0
    Delivery.objects.bulk_create(rows, ignore_conflicts=True, batch_size=CHUNK)
    # The rows this call created carry its `now` (a row from an earlier run keeps its own).
    fresh = list(
        Delivery.objects.filter(
            user_id__in=user_ids,
            key__in={r.key for r in rows},
            created_at=now,
            attempts=0,
            status=DeliveryStatus.QUEUED,
        ).values_list("pk", "next_try_at")
    )
    _schedule([pk for pk, at in fresh if at <= now])
    for pk, at in fresh:
        if at > now:
            _schedule([pk], run_after=at)
    return len(fresh)


def _schedule(ids: list[int], *, run_after: datetime.datetime | None = None) -> None:
    """Hand deliveries to a worker once the transaction commits. A try for later goes
    to a backend that can defer it; otherwise `notices_retry` picks it up when due."""
    if not ids:
        return
    if run_after is not None and not default_task_backend.supports_defer:
        return

    def enqueue():
        from .tasks import deliveries_send_task

        task = deliveries_send_task
        if run_after is not None:
            task = task.using(run_after=run_after)
        for start in range(0, len(ids), 200):
            task.enqueue(delivery_ids=ids[start : start + 200])

    transaction.on_commit(enqueue, robust=True)


# --- sending ----------------------------------------------------------------------------


def deliveries_send(*, delivery_ids: Iterable[int]) -> int:
    """Try each due delivery once. Returns how many were sent."""
    return sum(delivery_attempt(delivery_id=pk) for pk in delivery_ids)


def deliveries_send_due(*, limit: int = 1000) -> int:
    """Try every delivery whose time has come (the `notices_retry` command)."""
    ids = list(
        Delivery.objects.filter(status__in=DUE_STATUSES, next_try_at__lte=timezone.now())
        .order_by("next_try_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return deliveries_send(delivery_ids=ids)


def _text(delivery: Delivery) -> str:
    link = f"{settings.CERTIFICATE_PUBLIC_BASE_URL}{delivery.url}" if delivery.url else ""
    return "\n".join(part for part in (delivery.title, delivery.body, link) if part)


def retry_delay(attempts: int) -> datetime.timedelta:
    """The wait after the n-th failed try: base, then 2×, 4×, …"""
    return datetime.timedelta(seconds=settings.NOTICES_RETRY_SECONDS * 2 ** (attempts - 1))


def delivery_attempt(*, delivery_id: int) -> bool:
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
        _schedule([delivery.pk], run_after=later)
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
            updated_at=done,
        )
        return True
    if outcome.retry and attempts < settings.NOTICES_MAX_ATTEMPTS:
        next_try = done + retry_delay(attempts)
        Delivery.objects.filter(pk=delivery.pk).update(
            status=DeliveryStatus.RETRYING,
            next_try_at=next_try,
            answer=outcome.answer,
            updated_at=done,
        )
        _schedule([delivery.pk], run_after=next_try)
        return False
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, next_try_at=None, answer=outcome.answer, updated_at=done
    )
    delivery.status, delivery.attempts, delivery.answer = (
        DeliveryStatus.FAILED,
        attempts,
        outcome.answer,
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
            return Outcome(False, "the unit no longer offers this channel", retry=False)
        if not recipient.mobile:
            return Outcome(False, "no mobile number", retry=False)
    elif not recipient.email:
        return Outcome(False, "no e-mail address", retry=False)
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


# --- configuration and preferences ---------------------------------------------------


def _hint(value: str) -> str:
    return f"…{value[-4:]}" if len(value) > 4 else "…"


def channel_config_set_secrets(
    *, config: ChannelConfig, token: str | None = None, secret: str | None = None
) -> None:
    """Store new secrets encrypted (None keeps the current one, "" clears it)."""
    if token is not None:
        config.token_encrypted = encrypt_id_number(token) if token else ""
        config.token_hint = _hint(token) if token else ""
    if secret is not None:
        config.secret_encrypted = encrypt_id_number(secret) if secret else ""
        config.secret_hint = _hint(secret) if secret else ""


@transaction.atomic
def channel_config_save(
    *,
    config: ChannelConfig,
    acting_user,
    token: str | None = None,
    secret: str | None = None,
    request=None,
) -> ChannelConfig:
    """Save a unit's channel (the administrator's page), audited without the secrets."""
    channel_config_set_secrets(config=config, token=token, secret=secret)
    created = config.pk is None
    config.save()
    audit_record(
        action="notices.channel_configured",
        actor=acting_user,
        target=config,
        request=request,
        data={
            "unit": config.department.code,
            "channel": config.channel,
            "enabled": config.enabled,
            "mode": config.mode,
            "created": created,
            "token_changed": bool(token),
            "secret_changed": bool(secret),
        },
    )
    return config


@transaction.atomic
def channel_preference_set(*, user, channel: str, request=None) -> ChannelPreference:
    """A person chooses their outside channel ("" for in-app only) among those open
    to them."""
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext

    if channel and channel not in channels_available(user=user):
        raise ValidationError(gettext("This channel is not available to you."))
    preference, _created = ChannelPreference.objects.update_or_create(
        user=user, defaults={"channel": channel}
    )
    audit_record(
        action="notices.preference_set",
        actor=user,
        target_type="accounts.user",
        target_id=str(user.pk),
        request=request,
        data={"channel": channel},
    )
    return preference
