"""Reads for the roster app."""

from __future__ import annotations

from django.db.models import F, QuerySet

from organisation.access import departments_managed_by
from organisation.models import Department

from . import exports
from .access import imports_visible_to
from .models import RosterImport
from .services import error_message
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


def roster_error_report(*, roster_import: RosterImport) -> bytes:
    """The uploaded sheet with the bad cells highlighted (errors of the latest check)."""
    table = _load_table(roster_import)
    errors = [{**e, "message": error_message(e)} for e in roster_import.report.get("errors", [])]
    return exports.error_report_xlsx(table=table, errors=errors)
