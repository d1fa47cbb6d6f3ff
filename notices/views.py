"""Pages: a person's channel choice, the coordinators' delivery log."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import audit_record
from core.exports import safe_cell
from organisation.access import require_coordinator

from .forms import DeliveryFilterForm, PreferenceForm
from .selectors import deliveries_visible_to
from .services import channel_choice, channel_preference_set


@login_required
def preferences(request):
    choice = channel_choice(user=request.user)
    form = PreferenceForm(
        request.POST or None, available=choice.available, initial={"channel": choice.channel}
    )
    if request.method == "POST" and form.is_valid():
        try:
            channel_preference_set(
                user=request.user, channel=form.cleaned_data["channel"], request=request
            )
        except ValidationError as error:
            form.add_error("channel", error)
        else:
            messages.success(request, _("Your choice is saved."))
            return redirect("notices:preferences")
    return render(
        request,
        "notices/preferences.html",
        {"form": form, "email": choice.email, "mobile": choice.mobile},
    )


@login_required
def deliveries(request):
    require_coordinator(request.user)
    form = DeliveryFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    rows = deliveries_visible_to(
        request.user, status=filters.get("status", ""), channel=filters.get("channel", "")
    )
    if request.GET.get("format") == "xlsx":
        return _export(request, rows, filters)
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(request, "notices/deliveries.html", {"form": form, "page": page})


def _export(request, rows, filters):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Delivery log"))
    sheet.append(
        [
            _("Queued at"),
            _("Person"),
            _("Unit"),
            _("Channel"),
            _("Recipient"),
            _("Title"),
            _("Status"),
            _("Attempts"),
            _("Sent at"),
            _("Next try"),
            _("Result"),
            _("Provider's answer"),
        ]
    )

    def local(value):
        return timezone.localtime(value).replace(tzinfo=None) if value else ""

    for row in rows.iterator(chunk_size=2000):
        sheet.append(
            [
                safe_cell(v)
                for v in (
                    local(row.created_at),
                    row.user.get_full_name() or row.user.get_username(),
                    row.department.name if row.department else "",
                    row.get_channel_display(),
                    row.recipient_masked,
                    row.title,
                    row.get_status_display(),
                    row.attempts,
                    local(row.sent_at),
                    local(row.next_try_at),
                    row.get_reason_display() if row.reason else "",
                    row.provider_answer,
                )
            ]
        )
    audit_record(
        action="notices.deliveries_exported",
        actor=request.user,
        request=request,
        data={"filters": {k: str(v) for k, v in filters.items() if v}},
    )
    response = HttpResponse(
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="deliveries-{stamp}.xlsx"'
    workbook.save(response)
    return response
