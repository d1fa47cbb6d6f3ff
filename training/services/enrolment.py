"""Enrolment: who belongs in a track, kept in step with the roster."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from organisation.models import Department, Staff, StaffStatus

from .. import certificates_adapter
from ..models import (
    Enrolment,
    EnrolmentStatus,
    LevelHeld,
    Programme,
    Track,
)

# --- Enrolment ---------------------------------------------------------------------


def track_audience(*, track: Track, staff_ids: Iterable[int] | None = None):
    """Active staff matching the track's audience rules (within the programme's unit)."""
    programme = track.programme
    owner = Department.objects.get(pk=programme.department_id)
    queryset = Staff.objects.filter(owner.subtree_q("department__"), status=StaffStatus.ACTIVE)
    if staff_ids is not None:
        queryset = queryset.filter(pk__in=list(staff_ids))
    if track.window_staff_only:
        queryset = queryset.filter(is_window_staff=True)
    if track.posts:
        queryset = queryset.filter(post__in=track.posts)
    units = list(track.departments.all())
    if units:
        subtree = Q()
        for unit in units:
            subtree |= unit.subtree_q("department__")
        queryset = queryset.filter(subtree)
    if track.hired_within_days is not None:
        since = timezone.localdate() - datetime.timedelta(days=track.hired_within_days)
        queryset = queryset.filter(hire_date__gte=since)
    if track.level_held != LevelHeld.ANY:
        certified = certificates_adapter.certified_staff_ids(
            staff_ids=list(queryset.values_list("pk", flat=True))
        )
        if track.level_held == LevelHeld.CERTIFIED:
            queryset = queryset.filter(pk__in=certified)
        else:
            queryset = queryset.exclude(pk__in=certified)
    return queryset


@dataclass
class EnrolmentSyncResult:
    enrolled: int = 0
    reactivated: int = 0
    withdrawn: int = 0

    def as_dict(self) -> dict:
        return {
            "enrolled": self.enrolled,
            "reactivated": self.reactivated,
            "withdrawn": self.withdrawn,
        }


@transaction.atomic
def enrolment_sync(
    *, staff_ids: Iterable[int] | None = None, programme: Programme | None = None
) -> EnrolmentSyncResult:
    """Make enrolments match the roster: everyone matching a track of an active
    programme is enrolled, anyone who no longer matches (e.g. a leaver) is withdrawn.
    Withdrawn enrolments are kept (history); idempotent.

    `staff_ids` limits the work to those people (the roster hook passes the changed ones).
    """
    now = timezone.now()
    result = EnrolmentSyncResult()
    ids = None if staff_ids is None else list(staff_ids)
    tracks = Track.objects.filter(programme__is_active=True).select_related("programme")
    if programme is not None:
        tracks = tracks.filter(programme=programme)
    for track in tracks:
        wanted = set(track_audience(track=track, staff_ids=ids).values_list("pk", flat=True))
        existing = Enrolment.objects.filter(track=track)
        if ids is not None:
            existing = existing.filter(staff_id__in=ids)
        current = dict(existing.values_list("staff_id", "status"))
        new = [
            Enrolment(staff_id=staff_id, track=track, enrolled_at=now)
            for staff_id in wanted - current.keys()
        ]
        Enrolment.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        result.enrolled += len(new)
        back = [s for s in wanted if current.get(s) == EnrolmentStatus.WITHDRAWN]
        if back:
            result.reactivated += Enrolment.objects.filter(track=track, staff_id__in=back).update(
                status=EnrolmentStatus.ACTIVE,
                enrolled_at=now,
                withdrawn_at=None,
                withdrawn_reason="",
            )
        gone = [s for s, status in current.items() if status == "active" and s not in wanted]
        if gone:
            left = set(
                Staff.objects.filter(pk__in=gone, status=StaffStatus.LEFT).values_list(
                    "pk", flat=True
                )
            )
            for reason, people in (
                ("left", [s for s in gone if s in left]),
                ("no longer in the audience", [s for s in gone if s not in left]),
            ):
                if people:
                    result.withdrawn += Enrolment.objects.filter(
                        track=track, staff_id__in=people
                    ).update(
                        status=EnrolmentStatus.WITHDRAWN, withdrawn_at=now, withdrawn_reason=reason
                    )
    if result.enrolled or result.reactivated or result.withdrawn:
        audit_record(action="training.enrolment_synced", data=result.as_dict())
    return result


def enrolment_on_roster_import(
    *,
    import_id=None,
    created_staff_ids: Iterable[int] = (),
    updated_staff_ids: Iterable[int] = (),
    left_staff_ids: Iterable[int] = (),
    **kwargs,
) -> EnrolmentSyncResult:
    """Roster hook (settings.ROSTER_IMPORT_COMMITTED_HOOKS): sync the changed people.
    The nightly `enrolment_sync` command makes the same result without the hook."""
    ids = {*created_staff_ids, *updated_staff_ids, *left_staff_ids}
    if not ids:
        return EnrolmentSyncResult()
    return enrolment_sync(staff_ids=ids)
