"""Administrators browse and export the audit log.

The audit app sits below organisation (everything records into it), so the pages that
browse it live here, where the administrator role check is known."""

import datetime

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.forms import AuditFilterForm
from audit.selectors import audit_entry_list
from audit.services import audit_record
from core.exports import safe_cell

from .access import require_administrator


@login_required
def entry_list(request):
    require_administrator(request.user)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entry_list(**filters)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    return render(request, "audit/entry_list.html", {"form": form, "page": page})


@login_required
def entry_export(request):
    """The filtered log as xlsx (formula-safe cells), itself recorded in the log."""
    from openpyxl import Workbook

    require_administrator(request.user)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit log"))
    sheet.append(
        [
            _("Time (UTC)"),
            _("Actor"),
            _("Action"),
            _("Object type"),
            _("Object"),
            _("From"),
            _("Details"),
            _("Hash"),
        ]
    )
    for entry in audit_entry_list(**filters).iterator(chunk_size=2000):
        sheet.append(
            [
                safe_cell(v)
                for v in (
                    entry.at.astimezone(datetime.UTC).replace(tzinfo=None),
                    entry.actor_label,
                    entry.action,
                    entry.target_type,
                    entry.target_id,
                    entry.ip_address or "",
                    str(entry.data),
                    entry.hash,
                )
            ]
        )
    audit_record(
        action="audit.exported",
        actor=request.user,
        request=request,
        data={"filters": {k: str(v) for k, v in filters.items() if v}},
    )
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="audit-{stamp}.xlsx"'
    workbook.save(response)
    return response
