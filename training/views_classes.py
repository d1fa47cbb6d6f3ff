"""HTML pages of in-person classes and evaluations. Thin: access module, form, service or
selector, render; the REST endpoints (`api_classes`) call the same functions."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from organisation.access import (
    record_denied,
    require_coordinator,
    require_unit_reader,
    user_roles,
)

from . import exams_adapter, selectors, services
from .access import (
    classes_runnable_by,
    get_class_for,
    get_class_for_learner,
    get_module_for_learner,
    learner_staff_or_404,
)
from .exports import attendance_xlsx, evaluation_xlsx
from .forms import ClassForm, EvaluationForm, ExcuseForm
from .ics import class_ics

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _errors_to_form(form, error: ValidationError, field_of: dict | None = None) -> None:
    field_of = field_of or {}
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            name = field_of.get(field, field)
            for message in errors:
                form.add_error(name if name in form.fields else None, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


def qr_svg(url: str) -> str:
    return segno.make(url, error="m").svg_data_uri(scale=6, border=2)


# --- coordinators ------------------------------------------------------------------------


@login_required
def class_list(request):
    require_unit_reader(request.user)
    classes = list(selectors.classes_for_coordinator(user=request.user)[:200])
    return render(
        request,
        "training/classes.html",
        {"classes": classes, "can_schedule": user_roles(request.user).is_coordinator},
    )


@login_required
def class_new(request):
    require_coordinator(request.user)
    form = ClassForm(
        request.POST or None,
        user=request.user,
        knowledge_points=exams_adapter.knowledge_point_choices(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            training_class = services.class_schedule(
                actor=request.user,
                department=data["department"],
                programme=data["programme"],
                title=data["title"],
                venue=data["venue"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                capacity=data["capacity"],
                trainer=data["trainer"],
                trainer_name=data["trainer_name"],
                knowledge_points=data["points"],
                audience_departments=data["audience_units"],
                audience_posts=data["posts"],
                audience_staff=data["audience_staff"],
                audience_track=data["audience_track"],
                request=request,
            )
        except ValidationError as error:
            _errors_to_form(form, error, ClassForm.FIELD_OF)
        else:
            messages.success(
                request,
                _("The class is scheduled; %(n)s people were invited.")
                % {"n": training_class.attendances.count()},
            )
            return redirect("training:class", public_id=training_class.public_id)
    return render(request, "training/class_form.html", {"form": form})


def _class_page_context(request, training_class, *, runnable: bool) -> dict:
    now = timezone.now()
    return {
        "c": training_class,
        "attendance": selectors.attendance_list(training_class=training_class, now=now),
        "runnable": runnable,
        "checkin_open": services.checkin_is_open(training_class, now),
        "started": now >= training_class.starts_at,
        "evaluation": selectors.class_evaluation(user=request.user, training_class=training_class),
        "min_answers": selectors.min_answers(),
    }


@login_required
def class_detail(request, public_id):
    training_class = get_class_for(request.user, public_id)
    runnable = classes_runnable_by(request.user).filter(pk=training_class.pk).exists()
    context = _class_page_context(request, training_class, runnable=runnable)
    if request.GET.get("part") == "attendance":
        return render(request, "training/partials/class_attendance.html", context)
    return render(request, "training/class_detail.html", context)


def _checkin_url(request, training_class, code: str) -> str:
    path = reverse("training:class_checkin", args=[training_class.public_id])
    return request.build_absolute_uri(f"{path}?code={code}")


@login_required
def class_code_screen(request, public_id):
    """The trainer's screen: the class code as a QR that changes every 30 seconds, and
    the number checked in (the page fetches its `?part=code` every few seconds)."""
    training_class = get_class_for(request.user, public_id, write=True)
    now = timezone.now()
    code = services.class_code(training_class=training_class, now=now)
    url = _checkin_url(request, training_class, code)
    attendance = selectors.attendance_list(training_class=training_class, now=now)
    context = {
        "c": training_class,
        "qr": qr_svg(url),
        "checkin_url": url,
        "open": services.checkin_is_open(training_class, now),
        "opens_at": services.checkin_opens_at(training_class),
        "seconds_left": services.class_code_seconds_left(now),
        "present": sum(1 for r in attendance.rows if r.attendance.checked_in_at),
        "expected": len(attendance.rows),
    }
    if request.GET.get("part") == "code":
        return render(request, "training/partials/class_code.html", context)
    return render(request, "training/class_code.html", context)


@login_required
@require_POST
def class_close(request, public_id):
    training_class = get_class_for(request.user, public_id, write=True)
    try:
        services.class_close(training_class=training_class, actor=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The class is closed and the study hours are credited."))
    return redirect("training:class", public_id=training_class.public_id)


@login_required
@require_POST
def class_excuse(request, public_id):
    training_class = get_class_for(request.user, public_id, write=True)
    form = ExcuseForm(request.POST)
    if not form.is_valid():
        raise Http404
    attendance = training_class.attendances.filter(staff__public_id=form.cleaned_data["staff"])
    staff = attendance.select_related("staff").first()
    if staff is None:
        raise Http404
    try:
        services.class_excuse(
            training_class=training_class,
            staff=staff.staff,
            reason=form.cleaned_data["reason"],
            actor=request.user,
            request=request,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The absence is excused."))
    return redirect("training:class", public_id=training_class.public_id)


@login_required
def class_export(request, public_id, fmt: str):
    training_class = get_class_for(request.user, public_id)
    attendance = selectors.attendance_list(training_class=training_class)
    name = f"sign-in-{timezone.localtime(training_class.starts_at):%Y%m%d}-{training_class.pk}"
    if fmt == "xlsx":
        response = HttpResponse(attendance_xlsx(attendance), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    from certificates.pdf import render_html_pdf

    html = render_to_string(
        "training/pdf/signin_sheet.html",
        {"c": training_class, "attendance": attendance, "printed_at": timezone.now()},
    )
    response = HttpResponse(render_html_pdf(html), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@login_required
def scan_person(request, code):
    """Opened by the trainer's phone from a learner's personal QR: check the person in to
    one of the trainer's classes open now where they are expected."""
    require_coordinator_or_trainer(request.user)
    try:
        staff = services.staff_for_personal_code(code)
    except ValidationError as error:
        return render(
            request, "training/scan_person.html", {"error": " ".join(error.messages)}, status=400
        )
    now = timezone.now()
    classes = [
        c
        for c in classes_runnable_by(request.user)
        .filter(attendances__staff=staff, closed_at__isnull=True, ends_at__gte=now)
        .distinct()
        .order_by("starts_at")
        if services.checkin_is_open(c, now)
    ]
    if request.method == "POST":
        chosen = next((c for c in classes if str(c.public_id) == request.POST.get("class")), None)
        if chosen is None:
            record_denied(request.user, "training.trainingclass", request.POST.get("class", ""))
            raise Http404
        try:
            services.class_check_in_by_trainer(
                training_class=chosen, staff=staff, actor=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("%(name)s is checked in.") % {"name": staff.name})
        return redirect("training:class", public_id=chosen.public_id)
    return render(request, "training/scan_person.html", {"person": staff, "classes": classes})


def require_coordinator_or_trainer(user) -> None:
    """Scanning a person is for whoever runs a class: a coordinator or a trainer."""
    if not classes_runnable_by(user).exists():
        require_coordinator(user)


# --- learners ----------------------------------------------------------------------------


@login_required
def class_mine(request, public_id):
    staff, training_class = get_class_for_learner(request.user, public_id)
    attendance = training_class.attendances.get(staff=staff)
    now = timezone.now()
    may_rate = True
    try:
        services.evaluation_may_answer(staff=staff, training_class=training_class, now=now)
    except ValidationError:
        may_rate = False
    return render(
        request,
        "training/class_mine.html",
        {
            "c": training_class,
            "attendance": attendance,
            "state": selectors.attendance_state(attendance, training_class, now),
            "labels": selectors.Attendance.LABELS,
            "checkin_open": services.checkin_is_open(training_class, now),
            "may_rate": may_rate,
        },
    )


@login_required
def class_checkin(request, public_id):
    """Where the class QR leads: the code is checked as the page opens (a stale one is
    refused at once) and the check-in is one button press."""
    staff, training_class = get_class_for_learner(request.user, public_id)
    code = request.POST.get("code") or request.GET.get("code") or ""
    error = None
    if request.method == "POST":
        try:
            services.class_check_in(training_class=training_class, staff=staff, token=code)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Checked in. Welcome to the class."))
            return redirect("training:class_mine", public_id=training_class.public_id)
    else:
        try:
            services.class_code_check(training_class=training_class, token=code)
        except ValidationError as exc:
            error = " ".join(exc.messages)
    return render(
        request,
        "training/class_checkin.html",
        {"c": training_class, "code": code, "error": error},
        status=400 if error else 200,
    )


@login_required
@require_POST
def class_checkout(request, public_id):
    staff, training_class = get_class_for_learner(request.user, public_id)
    try:
        attendance = services.class_check_out(training_class=training_class, staff=staff)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("Checked out. Study hours credited: %(hours)s.")
            % {"hours": f"{attendance.hours_credited.normalize():f}"},
        )
    return redirect("training:class_mine", public_id=training_class.public_id)


@login_required
def class_ics_download(request, public_id):
    _staff, training_class = get_class_for_learner(request.user, public_id)
    url = request.build_absolute_uri(reverse("training:class_mine", args=[public_id]))
    response = HttpResponse(class_ics(training_class, url=url), content_type="text/calendar")
    response["Content-Disposition"] = f'attachment; filename="class-{training_class.pk}.ics"'
    return response


def _rate(request, *, staff, training_class=None, module=None, back: str):
    questions = services.evaluation_questions()
    form = EvaluationForm(request.POST or None, questions=questions)
    refusal = None
    try:
        services.evaluation_may_answer(staff=staff, training_class=training_class, module=module)
    except ValidationError as error:
        refusal = " ".join(error.messages)
    if request.method == "POST" and refusal is None and form.is_valid():
        try:
            services.evaluation_submit(
                staff=staff,
                training_class=training_class,
                module=module,
                ratings=form.ratings(),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            _errors_to_form(form, error, {"ratings": None})
        else:
            messages.success(request, _("Thank you: your answer was recorded anonymously."))
            return redirect(back)
    return render(
        request,
        "training/rate.html",
        {
            "form": form,
            "target": training_class or module,
            "refusal": refusal,
            "back": back,
        },
        status=400 if request.method == "POST" and (refusal or form.errors) else 200,
    )


@login_required
def class_rate(request, public_id):
    staff, training_class = get_class_for_learner(request.user, public_id)
    back = reverse("training:class_mine", args=[training_class.public_id])
    return _rate(request, staff=staff, training_class=training_class, back=back)


@login_required
def module_rate(request, pk: int):
    staff, module = get_module_for_learner(request.user, pk)
    return _rate(request, staff=staff, module=module, back=reverse("training:module", args=[pk]))


@login_required
def my_code(request):
    """The learner's personal QR, full screen, for the trainer to scan."""
    staff = learner_staff_or_404(request.user)
    url = personal_code_url(request, staff)
    return render(request, "training/my_code.html", {"staff": staff, "qr": qr_svg(url)})


def personal_code_url(request, staff) -> str:
    code = services.personal_code(staff=staff)
    return request.build_absolute_uri(reverse("training:scan_person", args=[code]))


# --- evaluations ---------------------------------------------------------------------------


@login_required
def evaluations(request):
    require_unit_reader(request.user)
    report = selectors.evaluation_report(user=request.user)
    if request.GET.get("format") == "xlsx":
        response = HttpResponse(evaluation_xlsx(report), content_type=XLSX)
        response["Content-Disposition"] = 'attachment; filename="evaluations.xlsx"'
        return response
    return render(request, "training/evaluations.html", {"report": report})
