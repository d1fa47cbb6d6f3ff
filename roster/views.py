"""Pages for roster import. Thin: parse, fetch through access, call services, render."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from . import exports, selectors, services
from .access import get_roster_import_for, require_importer
from .forms import CommitForm, UploadForm
from .models import ImportStatus
from .reader import FIELD_LABELS

SHOWN = 200  # rows of each list shown on the page; the downloads have them all


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=exports.XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _labelled(updated: list[dict]) -> list[dict]:
    """Field names of the changes as the user reads them."""
    labels = {**FIELD_LABELS, "department": FIELD_LABELS["unit"], "status": _("Status")}
    return [
        {
            **item,
            "fields": [
                (labels.get(name, name), before, after)
                for name, (before, after) in item.get("changes", {}).items()
            ],
        }
        for item in updated
    ]


@login_required
@require_GET
def history(request):
    require_importer(request.user)
    page = Paginator(selectors.roster_import_list(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    return render(request, "roster/history.html", {"page": page})


@login_required
def upload(request):
    require_importer(request.user)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.roster_upload(
                file=form.cleaned_data["file"],
                filename=form.cleaned_data["file"].name,
                acting_user=request.user,
                sheet=form.cleaned_data["sheet"] or None,
                sync=form.cleaned_data["sync"],
                request=request,
            )
        except PermissionDenied:
            raise Http404 from None
        return redirect("roster:detail", public_id=record.public_id)
    return render(request, "roster/upload.html", {"form": form})


_COMMITTABLE = (ImportStatus.READY, ImportStatus.INVALID)


def _valid_only(record, report: dict) -> int:
    """Rows an "import the valid rows" commit would write (0: no such choice)."""
    if record.status != ImportStatus.INVALID or not record.file:
        return 0
    counts = report.get("counts", {})
    return counts.get("new", 0) + counts.get("updated", 0) + counts.get("transfers", 0)


@login_required
@require_GET
def detail(request, public_id):
    require_importer(request.user)
    record = get_roster_import_for(request.user, public_id)
    report = record.report or {}
    errors = report.get("errors", [])
    context = {
        "record": record,
        "report": report,
        "counts": report.get("counts", {}),
        "errors": [{**e, "message": services.error_message(e)} for e in errors[:SHOWN]],
        "errors_more": max(0, len(errors) - SHOWN),
        "new": report.get("new", [])[:SHOWN],
        "updated": _labelled(report.get("updated", [])[:SHOWN]),
        "transfers": report.get("transfers", [])[:SHOWN],
        "leaving": report.get("leaving", [])[:SHOWN],
        "commit_form": CommitForm() if record.status in _COMMITTABLE else None,
        "valid_only": _valid_only(record, report),
        "status_url": reverse("roster:status", args=[record.public_id]),
    }
    response = render(request, "roster/detail.html", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def status(request, public_id):
    require_importer(request.user)
    record = get_roster_import_for(request.user, public_id)
    return JsonResponse(
        {
            "status": record.status,
            "status_label": record.get_status_display(),
            "running": record.is_running,
            "rows_done": record.rows_done,
            "rows_total": record.rows_total,
            "percent": record.percent,
        }
    )


@login_required
@require_POST
def commit(request, public_id):
    require_importer(request.user)
    record = get_roster_import_for(request.user, public_id)
    form = CommitForm(request.POST)
    valid = form.is_valid()
    try:
        services.roster_commit_start(
            roster_import=record,
            acting_user=request.user,
            confirm_transfers=valid and form.cleaned_data["confirm_transfers"],
            skip_invalid=valid and form.cleaned_data["skip_invalid"],
            request=request,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except PermissionDenied:
        raise Http404 from None
    return redirect("roster:detail", public_id=record.public_id)


@login_required
@require_GET
def error_report(request, public_id):
    require_importer(request.user)
    record = get_roster_import_for(request.user, public_id)
    if not record.file or not record.report.get("errors"):
        raise Http404
    content = selectors.roster_error_report(roster_import=record)
    return _xlsx(content, f"errors-{record.public_id}.xlsx")


@login_required
@require_GET
def rejected_rows(request, public_id):
    """The rows with errors only (ID numbers masked): fix them and upload again."""
    require_importer(request.user)
    record = get_roster_import_for(request.user, public_id)
    if not record.file or not record.report.get("errors"):
        raise Http404
    content = selectors.roster_error_report(roster_import=record, rejected_only=True)
    return _xlsx(content, f"rejected-{record.public_id}.xlsx")


@login_required
@require_POST
def initial_passwords(request, public_id):
    require_importer(request.user)
    record = get_roster_import_for(request.user, public_id)
    try:
        rows = services.roster_initial_passwords_take(
            roster_import=record, acting_user=request.user, request=request
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("roster:detail", public_id=record.public_id)
    return _xlsx(exports.initial_passwords_xlsx(rows=rows), f"passwords-{record.public_id}.xlsx")


@login_required
@require_GET
def template(request):
    require_importer(request.user)
    content = exports.template_xlsx(units=selectors.roster_units_for(user=request.user))
    return _xlsx(content, "roster-template.xlsx")
