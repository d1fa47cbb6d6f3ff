"""Where an upload enters: keep it in the history and check it, then commit it, each
now or as a background task. The workers the tasks run (`roster_check`,
`roster_commit`) live in `history`, which imports no task: `roster.tasks` imports them,
and only this module enqueues, so no import runs in a circle."""

from __future__ import annotations

import hashlib

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.imports import read_upload

from .. import reader
from ..crypto import encrypt_bytes
from ..models import ImportStatus, RosterImport
from ..reader import clean_text
from .history import _check_allowed, _claim_for_commit, _home_unit, roster_check, roster_commit
from .report import _refusal_report, background_rows


def roster_upload(
    *,
    file,
    filename: str,
    acting_user,
    sheet: str | None = None,
    sync: bool = False,
    background: bool | None = None,
    request=None,
) -> RosterImport:
    """Keep the upload in the history and check it (a dry run).

    Refused files are recorded (without keeping their content). Files with more than
    `ROSTER_BACKGROUND_ROWS` rows are checked by a background task unless
    `background=False`.
    """
    _check_allowed(acting_user)
    filename = clean_text(filename)[:255] or "roster"
    record = RosterImport(
        created_by=acting_user,
        department=_home_unit(acting_user),
        filename=filename,
        sheet=clean_text(sheet or "")[:100],
        sync_mode=sync,
    )
    try:
        data = read_upload(file)
        record.size = len(data)
        record.sha256 = hashlib.sha256(data).hexdigest()
        table = reader.read_table(data, sheet=sheet)
    except ValidationError as exc:
        report = _refusal_report(exc, filename=filename, sha256=record.sha256, sync=sync)
        record.status = ImportStatus.REFUSED
        record.error_code = report.refused["code"]
        record.message = report.refused["message"]
        record.report = report.to_dict()
        record.checked_at = timezone.now()
        with transaction.atomic():
            record.save()
            audit_record(
                action="roster.refused",
                actor=acting_user,
                target=record,
                request=request,
                data={"filename": filename, "sha256": record.sha256, "code": record.error_code},
            )
        return record
    record.sheet = table.sheet
    record.rows_total = len(table.rows)
    record.file.save(f"{record.public_id}.bin", ContentFile(encrypt_bytes(data)), save=False)
    if background is None:
        background = record.rows_total > background_rows()
    with transaction.atomic():
        record.status = ImportStatus.QUEUED if background else ImportStatus.CHECKING
        record.save()
        audit_record(
            action="roster.uploaded",
            actor=acting_user,
            target=record,
            request=request,
            data={"filename": filename, "sha256": record.sha256, "rows": record.rows_total},
        )
        if background:
            from ..tasks import roster_check_task

            import_id = record.pk
            transaction.on_commit(lambda: roster_check_task.enqueue(import_id))
    if not background:
        roster_check(roster_import=record, table=table)
    return record


def roster_commit_start(
    *,
    roster_import: RosterImport,
    acting_user,
    confirm_transfers: bool = False,
    skip_invalid: bool = False,
    request=None,
) -> RosterImport:
    """Commit now (small files) or as a background task (large files)."""
    _claim_for_commit(roster_import, acting_user, confirm_transfers, skip_invalid)
    if roster_import.rows_total > background_rows():
        from ..tasks import roster_commit_task

        args = (roster_import.pk, acting_user.pk, confirm_transfers, skip_invalid)
        transaction.on_commit(lambda: roster_commit_task.enqueue(*args))
    else:
        roster_commit(
            roster_import=roster_import,
            acting_user=acting_user,
            confirm_transfers=confirm_transfers,
            skip_invalid=skip_invalid,
            claimed=True,
        )
        roster_import.refresh_from_db()
    return roster_import
