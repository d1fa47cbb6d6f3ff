"""Pages for units and staff. Thin: parse, fetch through access, call services, render."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors, services
from .access import (
    departments_visible_to,
    get_department_for,
    get_staff_for,
    require_unit_reader,
    user_roles,
)
from .forms import StaffCreateForm, StaffFilterForm
from .models import Department


@login_required
def unit_list(request):
    require_unit_reader(request.user)
    roots = selectors.department_roots_for(user=request.user)
    if len(roots) == 1:
        return redirect("organisation:unit_detail", department_id=roots[0].pk)
    return render(request, "organisation/unit_list.html", {"units": roots})


@login_required
def unit_detail(request, department_id: int):
    department = get_department_for(request.user, department_id)
    form = StaffFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    staff = selectors.staff_list(
        user=request.user,
        department=department,
        search=filters.get("q", ""),
        status=filters.get("status", ""),
        window_only=filters.get("window_only", False),
    )
    page = Paginator(staff, 50).get_page(request.GET.get("page"))
    ancestors = list(Department.objects.get_ancestors(department))
    context = {
        "department": department,
        "ancestors": ancestors,
        # Units above the user's own are named but not linked (their pages are not theirs).
        "linked_ancestors": set(
            departments_visible_to(request.user)
            .filter(pk__in=[a.pk for a in ancestors])
            .values_list("pk", flat=True)
        ),
        "children": selectors.department_children(user=request.user, parent=department),
        "counts": selectors.department_subtree_counts(department=department),
        "page": page,
        "form": form,
    }
    return render(request, "organisation/unit_detail.html", context)


@login_required
def staff_detail(request, public_id):
    staff = get_staff_for(request.user, public_id)
    roles = user_roles(request.user)
    # The person's training, exams and certificate, as their own home shows them. The
    # training app gathers them; organisation is the base layer and names it only in
    # settings (STAFF_RECORD), never by import.
    staff_record = import_string(settings.STAFF_RECORD)

    return render(
        request,
        "organisation/staff_detail.html",
        {
            "staff": staff,
            "record": staff_record(staff=staff),
            "can_reveal": roles.is_administrator,
            "can_manage": roles.is_coordinator and staff.user_id != request.user.pk,
        },
    )


@login_required
@require_POST
def staff_reveal_id_number(request, public_id):
    staff = get_staff_for(request.user, public_id)
    try:
        number = services.staff_reveal_id_number(
            staff=staff, acting_user=request.user, request=request
        )
    except PermissionDenied:
        raise Http404 from None
    response = render(
        request,
        "organisation/staff_detail.html",
        {
            "staff": staff,
            "revealed_id_number": number,
            "can_reveal": True,
            "can_manage": True,
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def staff_issue_password(request, public_id):
    staff = get_staff_for(request.user, public_id, write=True)
    try:
        code = services.staff_create_account(staff=staff, acting_user=request.user, request=request)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("organisation:staff_detail", staff.public_id)
    response = render(request, "organisation/initial_password.html", {"staff": staff, "code": code})
    response["Cache-Control"] = "no-store"
    return response


@login_required
def staff_create(request, department_id: int):
    department = get_department_for(request.user, department_id, write=True)
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            staff = services.staff_create(
                department=department,
                acting_user=request.user,
                request=request,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Staff member %(name)s added.") % {"name": staff.name})
            return redirect("organisation:staff_detail", public_id=staff.public_id)
    return render(request, "organisation/staff_form.html", {"form": form, "department": department})
