"""Entry points: preview, upload (with the history), check, commit, one-time passwords."""

from __future__ import annotations

import hashlib
import json
import logging

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core import imports
from core.imports import read_upload  # re-exported by roster.services
from organisation.access import WRITE_ROLES
from organisation.models import Department, RoleAssignment

from .. import reader
from ..access import can_import
from ..crypto import decrypt_bytes, encrypt_bytes
from ..models import ImportStatus, RosterImport
from ..reader import (
    Table,
    clean_text,
)
from .definition import RosterRows
from .messages import MSG_FAILED, MSG_HAS_ERRORS, MSG_NOT_ALLOWED, MSG_NOT_READY
from .parsed import parsed_rows_drop, parsed_rows_keep, parsed_rows_load
from .report import Report, _refusal_report

logger = logging.getLogger("roster.services")


# --- preview ----------------------------------------------------------------------------


def _check_allowed(acting_user) -> None:
    if not can_import(acting_user):
        raise PermissionDenied(MSG_NOT_ALLOWED)


def roster_preview(
    *, file, filename: str, acting_user, sheet: str | None = None, sync: bool = False
) -> Report:
    """Dry run: the report of what an import would do. Writes nothing."""
    _check_allowed(acting_user)
    filename = clean_text(filename)[:255]
    try:
        data = read_upload(file)
    except ValidationError as exc:
        return _refusal_report(exc, filename=filename, sha256="", sync=sync)
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        table = reader.read_table(data, sheet=sheet)
    except ValidationError as exc:
        return _refusal_report(exc, filename=filename, sha256=sha256, sync=sync)
    report = _new_report(table, filename=filename, sha256=sha256, sync=sync)
    imports.check(RosterRows(acting_user=acting_user, sync=sync), table, report)
    return report


def _new_report(table: Table, *, filename: str, sha256: str, sync: bool) -> Report:
    return Report(
        filename=filename,
        sha256=sha256,
        format=table.format,
        sheet=table.sheet,
        sheet_names=table.sheet_names,
        header_row=table.header_row,
        sync=sync,
    )


# --- the history: upload, check, commit ---------------------------------------------------


def _home_unit(acting_user) -> Department:
    assignment = (
        RoleAssignment.objects.filter(user_id=acting_user.pk, role__in=list(WRITE_ROLES))
        .select_related("department")
        .order_by("department__depth", "department__path")
        .first()
    )
    if assignment is not None:
        return assignment.department
    root = Department.get_first_root_node()
    if root is None:
        raise PermissionDenied(MSG_NOT_ALLOWED)
    return root


def _progress_updater(roster_import: RosterImport):
    def update(done: int) -> None:
        RosterImport.objects.filter(pk=roster_import.pk).update(rows_done=done)
        roster_import.rows_done = done

    return update


def _load_table(roster_import: RosterImport) -> Table:
    with roster_import.file.open("rb") as handle:
        data = decrypt_bytes(handle.read())
    return reader.read_table(data, sheet=roster_import.sheet or None)


def roster_check(*, roster_import: RosterImport, table: Table | None = None) -> Report:
    """Run the dry run of a recorded upload and store its report."""
    roster_import.status = ImportStatus.CHECKING
    roster_import.save(update_fields=["status"])
    table = table or _load_table(roster_import)
    report = _new_report(
        table,
        filename=roster_import.filename,
        sha256=roster_import.sha256,
        sync=roster_import.sync_mode,
    )
    definition = RosterRows(
        acting_user=roster_import.created_by,
        sync=roster_import.sync_mode,
        progress=_progress_updater(roster_import),
    )
    plan = imports.check(definition, table, report)
    # The cells are not needed any more (the caller's table too: free them now).
    table.rows, table.grid = [], []
    if report.ok:
        # The commit starts from these rows instead of reading the file again.
        parsed_rows_keep(roster_import=roster_import, table=table, rows=plan.rows)
    else:
        parsed_rows_drop(roster_import=roster_import)
    del plan
    roster_import.report = report.to_dict()
    roster_import.status = ImportStatus.READY if report.ok else ImportStatus.INVALID
    roster_import.message = "" if report.ok else str(MSG_HAS_ERRORS)
    roster_import.rows_done = roster_import.rows_total
    roster_import.checked_at = timezone.now()
    roster_import.save(update_fields=["report", "status", "message", "rows_done", "checked_at"])
    return report


def _claim_for_commit(
    roster_import: RosterImport, acting_user, confirm_transfers: bool, skip_invalid: bool = False
) -> None:
    """READY (or, to import the valid rows, INVALID) -> COMMITTING, exactly once (a
    second click or request is refused)."""
    _check_allowed(acting_user)
    states = [ImportStatus.READY, ImportStatus.INVALID] if skip_invalid else [ImportStatus.READY]
    claimed = RosterImport.objects.filter(pk=roster_import.pk, status__in=states).update(
        status=ImportStatus.COMMITTING, rows_done=0, confirm_transfers=confirm_transfers
    )
    if not claimed:
        raise ValidationError(MSG_NOT_READY, code="not_ready")
    roster_import.status = ImportStatus.COMMITTING
    roster_import.rows_done = 0
    roster_import.confirm_transfers = confirm_transfers


def roster_commit(
    *,
    roster_import: RosterImport,
    acting_user,
    confirm_transfers: bool = False,
    skip_invalid: bool = False,
    claimed: bool = False,
) -> Report:
    """Check the file again against the current database and write it in one
    transaction: everything, or nothing when a row has an error - unless
    `skip_invalid`, which writes the valid rows and leaves the rejected ones out (they
    stay in the report and the rejected-rows workbook, to fix and upload again).

    Transfers (people now in units outside the uploader's subtree) are applied only
    with `confirm_transfers`; otherwise they stay where they are.
    """
    if not claimed:
        _claim_for_commit(roster_import, acting_user, confirm_transfers, skip_invalid)
    kept = parsed_rows_load(roster_import=roster_import)
    table, parsed = kept if kept is not None else (_load_table(roster_import), None)
    del kept
    report = _new_report(
        table,
        filename=roster_import.filename,
        sha256=roster_import.sha256,
        sync=roster_import.sync_mode,
    )
    definition = RosterRows(
        acting_user=acting_user,
        sync=roster_import.sync_mode,
        progress=_progress_updater(roster_import),
        confirm_transfers=confirm_transfers,
        parsed=parsed,
    )
    del parsed
    try:
        plan = imports.check(definition, table, report)
        del table  # the plan holds what is needed; free the sheet before writing
        definition.parsed = None
        plan.rows = []
        if not imports.may_write(definition, plan, report, skip_invalid):
            roster_import.report = report.to_dict()
            roster_import.status = ImportStatus.READY if report.ok else ImportStatus.INVALID
            roster_import.message = "" if report.ok else str(MSG_HAS_ERRORS)
            roster_import.save(update_fields=["report", "status", "message"])
            return report
        with transaction.atomic():
            imports.commit(definition, plan, report, skip_invalid=skip_invalid)
            result = definition.result
            roster_import.report = report.to_dict()
            roster_import.status = ImportStatus.COMMITTED
            roster_import.message = ""
            roster_import.rows_done = roster_import.rows_total
            roster_import.committed_at = timezone.now()
            roster_import.initial_passwords = (
                encrypt_bytes(json.dumps(result["passwords"]).encode()).decode()
                if result["passwords"]
                else ""
            )
            roster_import.save(
                update_fields=[
                    "report",
                    "status",
                    "message",
                    "rows_done",
                    "committed_at",
                    "initial_passwords",
                ]
            )
            audit_record(
                action="roster.imported",
                actor=acting_user,
                target=roster_import,
                data={
                    "filename": roster_import.filename,
                    "sha256": roster_import.sha256,
                    "sheet": roster_import.sheet,
                    "sync": roster_import.sync_mode,
                    "transfers_confirmed": confirm_transfers,
                    "valid_rows_only": report.skipped_invalid,
                    "counts": report.counts,
                    # People back after their personal data was erased (ID number
                    # stored again, new initial password).
                    "returned_staff_ids": result["returned"],
                },
            )
            hook_args = {
                "import_id": roster_import.pk,
                "created_staff_ids": result["created"],
                "updated_staff_ids": result["updated"],
                "left_staff_ids": result["left"],
            }
            transaction.on_commit(lambda: _run_committed_hooks(**hook_args))
    except Exception:
        logger.exception("Roster import %s failed", roster_import.pk)
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=ImportStatus.FAILED, message=str(MSG_FAILED)
        )
        roster_import.status = ImportStatus.FAILED
        raise
    # Written: the kept rows are not needed any more (without them a later commit would
    # read the file, so dropping them before an outer transaction commits is harmless).
    parsed_rows_drop(roster_import=roster_import)
    return report


def _run_committed_hooks(**kwargs) -> None:
    for path in getattr(settings, "ROSTER_IMPORT_COMMITTED_HOOKS", []) or []:
        try:
            import_string(path)(**kwargs)
        except Exception:
            logger.exception("Roster import hook %s failed", path)


# --- the one-time password list -------------------------------------------------------


def roster_initial_passwords_take(
    *, roster_import: RosterImport, acting_user, request=None
) -> list[list[str]]:
    """The initial passwords, once: the stored copy is erased in the same transaction."""
    _check_allowed(acting_user)
    with transaction.atomic():
        locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
        if not locked.initial_passwords:
            raise ValidationError(
                _("The initial passwords of this import have already been downloaded."),
                code="passwords_taken",
            )
        rows = json.loads(decrypt_bytes(locked.initial_passwords.encode()))
        locked.initial_passwords = ""
        locked.initial_passwords_downloaded_at = timezone.now()
        locked.save(update_fields=["initial_passwords", "initial_passwords_downloaded_at"])
        audit_record(
            action="roster.initial_passwords_downloaded",
            actor=acting_user,
            target=locked,
            request=request,
            data={"accounts": len(rows)},
        )
    roster_import.initial_passwords = ""
    roster_import.initial_passwords_downloaded_at = locked.initial_passwords_downloaded_at
    return rows
