"""Coordinators' and managers' exam pages: sessions, results and the grading queue."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.access import departments_managed_by, user_roles

from . import selectors, services
from .access import (
    attempts_visible_to,
    get_item_for_grading,
    get_session_for,
    sessions_managed_by,
    sessions_visible_to,
)
from .models import FINISHED_STATUSES, AttemptItem


def _require_staff_role(user):
    if not user_roles(user).can_read_units:
        raise Http404


@login_required
def session_list(request):
    _require_staff_role(request.user)
    sessions = selectors.sessions_needing_grading(
        sessions_visible_to(request.user)
        .select_related("department")
        .annotate(
            started=Count("attempts", filter=Q(attempts__started_at__isnull=False)),
            finished=Count("attempts", filter=Q(attempts__status__in=FINISHED_STATUSES)),
        )
    ).order_by("-opens_at")[:100]
    can_create = departments_managed_by(request.user).exists()
    return render(
        request,
        "exams/manage/session_list.html",
        {"sessions": sessions, "can_create": can_create},
    )


@login_required
def session_detail(request, public_id):
    _require_staff_role(request.user)
    session = get_session_for(request.user, public_id)
    counted = selectors.counted_attempts(session=session)
    # The session's audience may reach beyond the user's subtree: list only their people.
    mine = set(
        attempts_visible_to(request.user)
        .filter(pk__in=[a.pk for a in counted.values()])
        .values_list("pk", flat=True)
    )
    return render(
        request,
        "exams/manage/session_detail.html",
        {
            "session": session,
            "attempts": sorted(
                (a for a in counted.values() if a.pk in mine),
                key=lambda a: (a.staff.department.path, a.staff.staff_number),
            ),
            "analysis": selectors.session_analysis(session=session),
            "queue": selectors.grading_queue(session=session),
            "audience": selectors.audience_count(session=session),
            "shortages": [s.message() for s in services.blueprint_check(session=session)],
            "can_grade": user_roles(request.user).is_coordinator,
            "can_edit": sessions_managed_by(request.user).filter(pk=session.pk).exists()
            and session.closes_at > timezone.now(),
        },
    )


class GradeForm(forms.Form):
    item = forms.IntegerField(widget=forms.HiddenInput)
    points = forms.DecimalField(label=_("Points"), min_value=0, decimal_places=1)


@login_required
def grade(request, public_id, question_id):
    """One question across all attempts, candidates anonymous, rubric on screen."""
    session = get_session_for(request.user, public_id, write=True)
    if request.method == "POST":
        form = GradeForm(request.POST)
        if form.is_valid():
            item = get_item_for_grading(request.user, form.cleaned_data["item"])
            if item.attempt.session_id != session.pk:
                raise Http404
            try:
                services.item_grade(
                    item=item,
                    points=form.cleaned_data["points"],
                    acting_user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
            return redirect(
                "exams_manage:grade", public_id=session.public_id, question_id=question_id
            )
    pending = AttemptItem.objects.filter(
        attempt__session=session,
        question_id=question_id,
        awarded__isnull=True,
        attempt__status__in=FINISHED_STATUSES,
        # Only answers the user may grade (get_item_for_grading): their own people.
        attempt__staff__department__in=departments_managed_by(request.user),
    ).order_by("attempt_id")
    item = pending.first()
    return render(
        request,
        "exams/manage/grade.html",
        {
            "session": session,
            "item": item,
            "remaining": pending.count(),
            "form": GradeForm(initial={"item": item.pk}) if item else None,
            # Candidates are anonymous: a number derived from the attempt, never a name.
            "candidate": f"{item.attempt_id % 100000:05d}" if item else "",
        },
    )
