"""Expiry reminders to the holder and the coordinators of the holder's unit: in the app
(`Notice`) and by the channel each chose (`notices.services.notices_dispatch`)."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F, Value
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.translation import gettext

from audit.services import audit_record
from notices.services import Outgoing, notices_dispatch
from organisation.models import Department, Role, RoleAssignment

from ..models import (
    Certificate,
    Notice,
)
from .common import certification_settings_get

# --- expiry reminders --------------------------------------------------------------------


def _coordinators_of(department: Department):
    return (
        RoleAssignment.objects.filter(role=Role.COORDINATOR)
        .filter(StartsWith(Value(department.path), F("department__path")))
        .select_related("user")
    )


def certificate_send_expiry_reminders(*, today: datetime.date | None = None) -> int:
    """Remind holders and their coordinators of certificates expiring within the
    configured number of days. Each certificate is reminded once (idempotent, also
    when two runs overlap: the claim is a conditional UPDATE)."""
    today = today or timezone.localdate()
    rules = certification_settings_get()
    horizon = today + datetime.timedelta(days=rules.reminder_days)
    due = (
        Certificate.objects.filter(
            expires_on__isnull=False,
            expires_on__gte=today,
            expires_on__lte=horizon,
            revoked_on__isnull=True,
            expiry_reminder_sent_at__isnull=True,
        )
        .select_related("staff__department", "staff__user", "level")
        .order_by("expires_on", "pk")
    )
    sent = 0
    for certificate in due:
        with transaction.atomic():
            claimed = Certificate.objects.filter(
                pk=certificate.pk, expiry_reminder_sent_at__isnull=True
            ).update(expiry_reminder_sent_at=timezone.now())
            if not claimed:
                continue
            message = gettext(
                "The certificate %(number)s of %(name)s (%(level)s) expires on %(date)s."
            ) % {
                "number": certificate.number,
                "name": certificate.holder_name,
                "level": certificate.level.name,
                "date": certificate.expires_on.isoformat(),
            }
            users = []
            if certificate.staff.user_id:
                users.append(certificate.staff.user)
            users.extend(a.user for a in _coordinators_of(certificate.staff.department))
            unique_users = {u.pk: u for u in users}.values()
            Notice.objects.bulk_create(
                [Notice(user=u, certificate=certificate, message=message) for u in unique_users]
            )
            notices_dispatch(
                notices=[
                    Outgoing(
                        user=u,
                        key=f"certificate-expiry:{certificate.pk}",
                        title=gettext("Certificate expiry reminder"),
                        body=message,
                    )
                    for u in unique_users
                ]
            )
            audit_record(
                action="certificate.expiry_reminded",
                target=certificate,
                data={"recipients": len(unique_users)},
            )
        sent += 1
    return sent
