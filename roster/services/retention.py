"""Personal data kept no longer than needed (PIPL, issue: reaching people where they are).

`retention_run(apply=False)` finds what is due and, with `apply=True`, erases it:

- a person who left more than `PERSONAL_DATA_RETENTION_DAYS` ago loses their ID number
  (encrypted copy, keyed hash and masked form), mobile and e-mail; their sign-in account
  is closed. Their name, staff number, results and certificates stay, so a certificate
  stays verifiable (the certificate keeps its own masked number, printed on it);
- an uploaded roster file older than `UPLOAD_RETENTION_DAYS` is deleted from storage
  (with the rows a clean dry run kept beside it, `parsed.py`), and
  an initial-password list nobody downloaded is erased (the import's history and
  report stay).

Each erasure is one audit entry naming the fields erased, never their values. Running it
again erases nothing more. `manage.py personal_data_retention` lists what is due;
`--apply` erases it.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import audit_record
from organisation.models import Staff, StaffStatus

from ..models import RosterImport
from .parsed import parsed_rows_drop

STAFF_FIELDS = ("id_number", "mobile", "email")


@dataclass
class RetentionReport:
    applied: bool
    staff_cutoff: datetime.date
    upload_cutoff: datetime.datetime
    staff: list[tuple[str, str, datetime.date]] = field(default_factory=list)
    uploads: list[tuple[str, str]] = field(default_factory=list)

    @property
    def nothing_due(self) -> bool:
        return not self.staff and not self.uploads


def _staff_due(cutoff: datetime.date):
    return Staff.objects.filter(
        status=StaffStatus.LEFT,
        left_on__isnull=False,
        left_on__lte=cutoff,
        personal_data_erased_at__isnull=True,
    ).order_by("left_on", "pk")


def _uploads_due(cutoff: datetime.datetime):
    return (
        RosterImport.objects.filter(created_at__lte=cutoff)
        .filter(~Q(file="") | ~Q(initial_passwords=""))
        .order_by("created_at", "pk")
    )


def retention_run(*, apply: bool = False, today: datetime.date | None = None) -> RetentionReport:
    """What is due for erasure; with `apply`, erase it (one transaction per person or
    upload, each audited)."""
    now = timezone.now()
    today = today or timezone.localdate()
    report = RetentionReport(
        applied=apply,
        staff_cutoff=today - datetime.timedelta(days=settings.PERSONAL_DATA_RETENTION_DAYS),
        upload_cutoff=now - datetime.timedelta(days=settings.UPLOAD_RETENTION_DAYS),
    )
    for staff in _staff_due(report.staff_cutoff).iterator(chunk_size=500):
        report.staff.append((staff.staff_number, staff.name, staff.left_on))
        if apply:
            _erase_staff(staff_id=staff.pk, now=now)
    for upload in _uploads_due(report.upload_cutoff).iterator(chunk_size=500):
        report.uploads.append((str(upload.public_id), upload.filename))
        if apply:
            _erase_upload(upload_id=upload.pk)
    return report


def _erase_staff(*, staff_id: int, now: datetime.datetime) -> None:
    with transaction.atomic():
        staff = (
            Staff.objects.select_for_update()
            .filter(pk=staff_id, personal_data_erased_at__isnull=True)
            .first()
        )
        if staff is None:  # erased meanwhile by another run
            return
        staff.id_number_encrypted = ""
        staff.id_number_hash = None
        staff.id_number_masked = ""
        staff.mobile = ""
        staff.personal_data_erased_at = now
        staff.save(
            update_fields=[
                "id_number_encrypted",
                "id_number_hash",
                "id_number_masked",
                "mobile",
                "personal_data_erased_at",
                "updated_at",
            ]
        )
        if staff.user_id:
            user = get_user_model().objects.select_for_update().get(pk=staff.user_id)
            user.email = ""
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["email", "is_active", "password"])
            EmailAddress.objects.filter(user=user).delete()
        audit_record(
            action="staff.personal_data_erased",
            target=staff,
            data={
                "fields": list(STAFF_FIELDS),
                "left_on": staff.left_on.isoformat(),
                "retention_days": settings.PERSONAL_DATA_RETENTION_DAYS,
            },
        )


def _erase_upload(*, upload_id: int) -> None:
    with transaction.atomic():
        upload = RosterImport.objects.select_for_update().get(pk=upload_id)
        erased = []
        if upload.file:
            parsed_rows_drop(roster_import=upload)  # the rows a clean dry run kept beside it
            upload.file.delete(save=False)
            erased.append("file")
        if upload.initial_passwords:
            upload.initial_passwords = ""
            erased.append("initial_passwords")
        if not erased:
            return
        upload.save(update_fields=["file", "initial_passwords"])
        audit_record(
            action="roster.upload_erased",
            target=upload,
            data={"erased": erased, "retention_days": settings.UPLOAD_RETENTION_DAYS},
        )
