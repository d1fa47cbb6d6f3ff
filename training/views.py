"""HTML pages of the training cycle. Thin: access module, service or selector, render."""

from __future__ import annotations

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Subquery
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    get_department_for,
    learner_staff,
    record_denied,
    require_coordinator,
    require_unit_reader,
    user_roles,
)
from organisation.models import Staff

from . import exams_adapter, selectors, services
from .access import (
    get_lesson_for_learner,
    get_module_for_learner,
    get_notification_for,
    get_plan_for,
    get_track_for,
    learner_staff_or_404,
    plans_managed_by,
    plans_recordable_by,
    tracks_assignable_by,
    tracks_visible_to,
)
from .content import sanitise_html
from .exports import annual_records_xlsx, completion_matrix_xlsx
from .models import MentorSession, Notification

MATRIX_ROWS = 300  # on screen; the xlsx export has everyone
OVERDUE_ROWS = 500
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@login_required
def home(request):
    roles = user_roles(request.user)
    staff = learner_staff(request.user) if roles.is_learner else None
    context = {"roles": roles, "staff": staff}
    # A coordinator or manager who does not work at a window has no training or exams of
    # their own: their home is their work, not empty learner figures.
    if staff is not None and (staff.is_window_staff or not roles.can_read_units):
        context["home"] = selectors.learner_home(staff=staff)
    return render(request, "training/home.html", context)


@login_required
def my_record(request):
    """The learner's own year: every module with its status, study-hour credits, plans."""
    staff = learner_staff_or_404(request.user)
    today = timezone.localdate()
    return render(
        request,
        "training/my_record.html",
        {
            "staff": staff,
            "modules": selectors.learner_modules(staff=staff, today=today),
            "today": today,
            "credits": staff.study_hours.filter(year=today.year).order_by("-credited_at")[:200],
            "hours": selectors.hours_for(staff=staff, year=today.year),
            "target": selectors.hours_target_for(staff=staff, year=today.year),
            "plans": staff.guidance_plans.select_related("monthly_exam").order_by("-created_at"),
        },
    )


@login_required
def module_detail(request, pk: int):
    staff, module = get_module_for_learner(request.user, pk)
    completion = module.completions.filter(staff=staff).first()
    return render(
        request,
        "training/module.html",
        {
            "module": module,
            "lessons": selectors.module_lessons(staff=staff, module=module),
            "completion": completion,
            "practice_url": exams_adapter.practice_url(practice_set_id=module.practice_set_id),
            "quiz_url": exams_adapter.quiz_url(session_id=module.quiz_session_id),
            "overdue": module.due_on < timezone.localdate(),
        },
    )


@login_required
def lesson_detail(request, pk: int):
    staff, lesson = get_lesson_for_learner(request.user, pk)
    progress = lesson.progress.filter(staff=staff).first()
    return render(
        request,
        "training/lesson.html",
        {
            "lesson": lesson,
            # Stored sanitised; cleaned again here so that no path can bypass it.
            "body_html": sanitise_html(lesson.body_html),
            "module": lesson.module,
            "progress": progress,
            "heartbeat_seconds": services.heartbeat_seconds(),
        },
    )


@login_required
@require_POST
def lesson_read(request, pk: int):
    staff, lesson = get_lesson_for_learner(request.user, pk)
    services.lesson_mark_read(staff=staff, lesson=lesson)
    messages.success(request, _("Marked as read."))
    return redirect("training:module", pk=lesson.module_id)


@login_required
def notifications(request):
    items = Notification.objects.filter(user=request.user)[:100]
    return render(request, "training/notifications.html", {"items": items})


@login_required
@require_POST
def notification_read(request, pk: int):
    notification = get_notification_for(request.user, pk)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    return redirect("training:notifications")


class MentorSessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    topic = forms.CharField(label=_("Topic"), max_length=200)
    attendees = forms.ModelMultipleChoiceField(
        label=_("Attendees"), queryset=Staff.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        ids = {plan.staff_id}
        if plan.mentor_id:
            ids.add(plan.mentor_id)
        self.fields["attendees"].queryset = Staff.objects.filter(pk__in=ids)


class MentorForm(forms.Form):
    mentor = forms.ModelChoiceField(
        label=_("Mentor"),
        queryset=Staff.objects.none(),
        required=False,
        empty_label=_("Me (the coordinator)"),
    )

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = (
            Staff.objects.filter(department_id=plan.staff.department_id, status="active")
            .exclude(pk=plan.staff_id)
            .order_by("hire_date", "pk")
        )
        self.fields["mentor"].initial = plan.mentor_id


@login_required
@require_POST
def plan_mentor(request, public_id):
    plan = get_plan_for(request.user, public_id, manage=True)
    form = MentorForm(request.POST, plan=plan)
    if form.is_valid():
        try:
            services.guidance_plan_set_mentor(
                plan=plan,
                mentor=form.cleaned_data["mentor"],
                mentor_user=request.user,
                actor=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The mentor was changed."))
    return redirect("training:plan", public_id=plan.public_id)


@login_required
def plan_detail(request, public_id):
    plan = get_plan_for(request.user, public_id)
    can_record = plans_recordable_by(request.user).filter(pk=plan.pk).exists()
    form = None
    if can_record:
        form = MentorSessionForm(request.POST or None, plan=plan)
        if request.method == "POST" and form.is_valid():
            try:
                services.mentor_session_record(
                    plan=plan,
                    held_on=form.cleaned_data["held_on"],
                    topic=form.cleaned_data["topic"],
                    attendees=form.cleaned_data["attendees"],
                    notes=form.cleaned_data["notes"],
                    actor=request.user,
                )
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    for message in errors:
                        form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, _("The mentor session was recorded."))
                return redirect("training:plan", public_id=plan.public_id)
    elif request.method == "POST":
        # Visible but not the user's to record: answered like a missing page.
        record_denied(request.user, "training.guidanceplan", plan.public_id)
        raise Http404
    check = exams_adapter.exam_link(session_id=plan.followup_session_id)
    return render(
        request,
        "training/plan.html",
        {
            "plan": plan,
            "lessons": plan.lessons.select_related("module"),
            "sessions": MentorSession.objects.filter(plan=plan).prefetch_related("attendees"),
            "form": form,
            "practice_url": exams_adapter.practice_url(practice_set_id=plan.practice_set_id),
            "followup_url": check.url if check else "",
            "followup_over": bool(check and check.ends_at and check.ends_at <= timezone.now()),
            "is_own": plan.staff.user_id == request.user.pk,
            "mentor_form": MentorForm(plan=plan)
            if plans_managed_by(request.user).filter(pk=plan.pk).exists()
            else None,
        },
    )


# --- Coordinators and managers -------------------------------------------------------


def _unit_filter(request):
    unit_id = request.GET.get("unit")
    return get_department_for(request.user, unit_id) if unit_id else None


@login_required
def matrix(request):
    require_unit_reader(request.user)
    tracks = list(tracks_visible_to(request.user))
    track_id = request.GET.get("track")
    track = get_track_for(request.user, track_id) if track_id else (tracks[0] if tracks else None)
    unit = _unit_filter(request)
    if track is not None and request.GET.get("format") == "xlsx":
        data = selectors.completion_matrix(user=request.user, track=track, department=unit)
        response = HttpResponse(completion_matrix_xlsx(data), content_type=XLSX)
        response["Content-Disposition"] = f'attachment; filename="completion-{track.pk}.xlsx"'
        return response
    # On screen the first MATRIX_ROWS people: only those are read and built.
    data = (
        selectors.completion_matrix(
            user=request.user, track=track, department=unit, limit=MATRIX_ROWS
        )
        if track
        else None
    )
    visible = departments_visible_to(request.user)
    top = visible.order_by("depth").values("depth")[:1]  # the user's highest units
    return render(
        request,
        "training/matrix.html",
        {
            "tracks": tracks,
            "track": track,
            "matrix": data,
            "rows": data.rows if data else [],
            "total": data.total if data else 0,
            "limit": MATRIX_ROWS,
            "unit": unit,
            "units": visible.filter(depth__lte=Subquery(top) + 1).order_by("path"),
        },
    )


@login_required
def overdue(request):
    require_unit_reader(request.user)
    rows, total = selectors.overdue_page(
        staff_queryset=selectors.staff_in_units_of(request.user),
        today=timezone.localdate(),
        limit=OVERDUE_ROWS,
    )
    return render(request, "training/overdue.html", {"rows": rows, "total": total})


@login_required
def guidance(request):
    require_unit_reader(request.user)
    plans = list(selectors.guidance_plans_visible(user=request.user).order_by("-created_at")[:500])
    open_plans = [p for p in plans if p.status == "open"]
    return render(
        request,
        "training/guidance.html",
        {
            "plans": plans,
            "groups": selectors.guidance_groups(plans=open_plans),
            "by_unit": selectors.weak_points_by_unit(plans=open_plans),
            "exams": selectors.monthly_exams_visible(user=request.user)[:24],
        },
    )


def _year(request) -> int:
    try:
        return int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        return timezone.localdate().year


@login_required
def units(request):
    require_unit_reader(request.user)
    year = _year(request)
    parent = _unit_filter(request)
    rows = selectors.unit_rates(user=request.user, year=year, parent=parent)
    return render(request, "training/units.html", {"rows": rows, "year": year, "parent": parent})


@login_required
def records_export(request):
    require_unit_reader(request.user)
    year = _year(request)
    records = selectors.annual_records(user=request.user, year=year)
    response = HttpResponse(annual_records_xlsx(records, year=year), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="training-record-{year}.xlsx"'
    return response


# --- Coordinators: assign training by hand ---------------------------------------------


class AssignForm(forms.Form):
    """Which track, and who: whole units (with the units below) and/or staff numbers,
    all within the coordinator's subtree."""

    track = forms.ModelChoiceField(label=_("Training track"), queryset=None)
    units = forms.ModelMultipleChoiceField(
        label=_("Units (with the units below them)"), queryset=None, required=False
    )
    staff_numbers = forms.CharField(
        label=_("Staff numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One or more, separated by spaces, commas or new lines."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["track"].queryset = tracks_assignable_by(user)
        self.fields["track"].label_from_instance = lambda t: f"{t.programme.name} · {t.name}"
        self.fields["units"].queryset = departments_managed_by(user).order_by("path")

    def clean(self):
        data = super().clean()
        managed = Staff.objects.filter(
            department__in=departments_managed_by(self.user), status="active"
        )
        numbers = [n for n in re.split(r"[\s,，、;；]+", data.get("staff_numbers", "")) if n]
        found = list(managed.filter(staff_number__in=numbers))
        unknown = sorted(set(numbers) - {s.staff_number for s in found})
        if unknown:
            self.add_error(
                "staff_numbers",
                services.MSG_ASSIGN_UNKNOWN % {"numbers": "、".join(unknown)},
            )
        people = {s.pk: s for s in found}
        for unit in data.get("units") or []:
            people.update((s.pk, s) for s in managed.filter(unit.subtree_q("department__")))
        if not people and not unknown:
            raise ValidationError(services.MSG_ASSIGN_NOBODY)
        data["people"] = list(people.values())
        return data


@login_required
def assign(request):
    """A coordinator assigns a training track to people or units of their subtree."""
    require_coordinator(request.user)
    form = AssignForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        track = form.cleaned_data["track"]
        try:
            result = services.enrolment_assign(
                track=track,
                staff=form.cleaned_data["people"],
                acting_user=request.user,
                request=request,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("%(track)s: %(new)s enrolled, %(back)s back, %(total)s chosen.")
                % {
                    "track": track.name,
                    "new": result.enrolled,
                    "back": result.reactivated,
                    "total": len(form.cleaned_data["people"]),
                },
            )
            return redirect("training:assign")
    return render(request, "training/assign.html", {"form": form})
