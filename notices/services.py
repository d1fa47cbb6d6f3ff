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

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from organisation.crypto import encrypt_id_number
from organisation.models import Department, RoleAssignment, Staff

from . import sending
from .models import (
    CONFIGURED_CHANNELS,
    Channel,
    ChannelConfig,
    ChannelPreference,
    Delivery,
    DeliveryStatus,
)
from .sending import ChannelResolver, quiet_until
from .tasks import schedule

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


@dataclass(frozen=True)
class ChannelChoice:
    """What a person's channel page (and its API) shows: the current choice among the
    channels open to them, and the addresses notices would go to."""

    channel: str
    available: list[str]
    email: str
    mobile: str  # masked


def channel_choice(*, user) -> ChannelChoice:
    staff = Staff.objects.filter(user_id=user.pk).only("mobile").first()
    available = channels_available(user=user)
    current = preferred_channel(user=user)
    return ChannelChoice(
        channel=current if current in available else "",
        available=available,
        email=user.email,
        mobile=mask_mobile(staff.mobile) if staff and staff.mobile else "",
    )


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
    schedule([pk for pk, at in fresh if at <= now])
    for pk, at in fresh:
        if at > now:
            schedule([pk], run_after=at)
    return len(fresh)


def deliveries_send_due(*, limit: int = 1000) -> int:
    """Try every delivery whose time has come (the `notices_retry` command)."""
    return sending.deliveries_send_due(limit=limit, schedule=schedule)


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
