"""Certificate facts the training cycle needs, read from the certificates app (one layer
below training).

Used for the "level held" audience rule, the learner's certificate status, mentor
choice (an experienced certified colleague) and the annual training record.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from certificates.models import Certificate


@dataclass(frozen=True)
class CertificateFact:
    number: str
    level: int
    issue_date: datetime.date
    expires_on: datetime.date | None


def _valid_q(day: datetime.date) -> Q:
    return (Q(revoked_on__isnull=True) | Q(revoked_on__gt=day)) & (
        Q(expires_on__isnull=True) | Q(expires_on__gte=day)
    )


def certified_staff_ids(*, staff_ids: Iterable[int] | None = None) -> set[int]:
    """Staff holding a valid certificate today (any level)."""
    queryset = Certificate.objects.filter(_valid_q(timezone.localdate()))
    if staff_ids is not None:
        queryset = queryset.filter(staff_id__in=list(staff_ids))
    return set(queryset.values_list("staff_id", flat=True))


def valid_certificates_by_staff(*, staff_ids: Iterable[int]) -> dict[int, CertificateFact]:
    """The best (highest level = smallest code) valid certificate per person; one query."""
    rows = (
        Certificate.objects.filter(_valid_q(timezone.localdate()), staff_id__in=list(staff_ids))
        .order_by("staff_id", "level__code", "-issue_date")
        .values_list("staff_id", "number", "level__code", "issue_date", "expires_on")
    )
    best: dict[int, CertificateFact] = {}
    for staff_id, number, level, issued, expires in rows:
        best.setdefault(staff_id, CertificateFact(number, level, issued, expires))
    return best
