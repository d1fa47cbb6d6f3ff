"""Reads for the roster app."""

from __future__ import annotations

from django.db.models import F, QuerySet

from organisation.access import departments_managed_by
from organisation.models import Department

from .access import imports_visible_to
from .models import RosterImport
from .services.definition import RosterRows
from .services.history import _load_table


def roster_import_list(*, user) -> QuerySet[RosterImport]:
    """The user's import history (their subtree), newest first, without the heavy report."""
    return (
        imports_visible_to(user)
        .select_related("created_by", "department")
        .defer("report", "initial_passwords")
        .annotate(outcome=F("report__counts"))
    )


def roster_units_for(*, user) -> list[Department]:
    return list(departments_managed_by(user).order_by("path").only("code", "name", "path"))


def roster_error_report(*, roster_import: RosterImport, rejected_only: bool = False) -> bytes:
    """The uploaded sheet with the bad cells highlighted and commented (errors of the
    latest check); `rejected_only`: the header and the rows with errors only, to fix
    and upload again. ID numbers are masked in both."""
    table = _load_table(roster_import)
    definition = RosterRows(acting_user=roster_import.created_by)
    errors = roster_import.report.get("errors", [])
    return definition.workbook(table, errors, rejected_only=rejected_only)
