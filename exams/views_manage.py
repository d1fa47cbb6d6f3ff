"""Coordinators' and managers' exam pages: sessions, results and the grading queue."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import validators
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from organisation.access import departments_managed_by, departments_visible_to, user_roles

from . import selectors, services
from .access import (
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
    # The session's audience may reach beyond the user's subtree (a city exam seen by a
    # county): results, figures and analysis are of the user's own people only.
    mine = departments_visible_to(request.user)
    managed = sessions_managed_by(request.user).filter(pk=session.pk).exists()
    counted = selectors.counted_attempts(session=session, departments=mine)
    return render(
        request,
        "exams/manage/session_detail.html",
        {
            "session": session,
            "attempts": sorted(
                counted.values(),
                key=lambda a: (a.staff.department.path, a.staff.staff_number),
            ),
            "analysis": selectors.session_analysis(session=session, departments=mine),
            "rules": session.rules.select_related("knowledge_point"),
            "fixed_count": session.fixed_questions.count(),
            "queue": selectors.grading_queue(
                session=session, departments=departments_managed_by(request.user)
            ),
            "audience": selectors.audience_count(session=session),
            "shortages": [s.message() for s in services.blueprint_check(session=session)],
            "can_grade": user_roles(request.user).is_coordinator and managed,
            "can_edit": managed and session.closes_at > timezone.now(),
        },
    )


class GradeForm(forms.Form):
    """A score for one open answer: the total, or one score per rubric criterion (the
    total is then their sum), and a comment for the learner."""

    item = forms.IntegerField(widget=forms.HiddenInput)
    points = forms.DecimalField(label=_("Points"), required=False, max_digits=5, decimal_places=1)
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, target: AttemptItem, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        self.criteria = [r for r in target.rubric or [] if isinstance(r, dict)]
        self._score_field(self.fields["points"], target.points, required=not self.criteria)
        for index, criterion in enumerate(self.criteria):
            field = forms.DecimalField(
                label=_("%(item)s (%(points)s points)")
                % {"item": criterion.get("item", ""), "points": criterion.get("points")},
                max_digits=5,
                decimal_places=1,
            )
            self._score_field(field, criterion.get("points") or 0, required=True)
            self.fields[f"rubric_{index}"] = field
        if self.criteria:
            del self.fields["points"]

    @staticmethod
    def _score_field(field, maximum, *, required: bool) -> None:
        message = MSG_SCORE % {"max": maximum}
        field.required = required
        field.min_value, field.max_value = Decimal(0), Decimal(str(maximum))
        field.validators = [
            validators.MinValueValidator(Decimal(0), message=message),
            validators.MaxValueValidator(Decimal(str(maximum)), message=message),
            validators.DecimalValidator(5, 1),
        ]
        field.error_messages = {
            **field.error_messages,
            "required": message,
            "invalid": message,
            "max_decimal_places": message,
            "max_digits": message,
            "max_whole_digits": message,
        }
        field.widget.attrs.update({"inputmode": "decimal", "step": "0.1", "min": 0})

    @property
    def rubric_fields(self):
        return [self[f"rubric_{i}"] for i in range(len(self.criteria))]

    def clean(self):
        data = super().clean()
        if self.criteria:
            scores = [data.get(f"rubric_{i}") for i in range(len(self.criteria))]
            if all(v is not None for v in scores):
                data["rubric_scores"] = scores
                data["points"] = sum(scores, Decimal(0))
        else:
            data["rubric_scores"] = []
        return data


MSG_SCORE = _("Enter a score from 0 to %(max)s, with one decimal place at most.")


def _grading_queue(user, session, question_id):
    return AttemptItem.objects.filter(
        attempt__session=session,
        question_id=question_id,
        awarded__isnull=True,
        attempt__status__in=FINISHED_STATUSES,
        # Only answers the user may grade (get_item_for_grading): their own people.
        attempt__staff__department__in=departments_managed_by(user),
    ).order_by("attempt_id")


@login_required
def grade(request, public_id, question_id):
    """One question across all attempts, candidates anonymous, rubric and reference
    answer on screen. A refused score stays on screen with the reason."""
    session = get_session_for(request.user, public_id, write=True)
    pending = _grading_queue(request.user, session, question_id)
    form = None
    item = None
    if request.method == "POST":
        item = get_item_for_grading(request.user, request.POST.get("item"))
        if item.attempt.session_id != session.pk:
            raise Http404
        form = GradeForm(request.POST, target=item)
        if form.is_valid():
            try:
                services.item_grade(
                    item=item,
                    points=form.cleaned_data["points"],
                    rubric_scores=form.cleaned_data["rubric_scores"],
                    comment=form.cleaned_data["comment"],
                    acting_user=request.user,
                    request=request,
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    "exams_manage:grade", public_id=session.public_id, question_id=question_id
                )
    else:
        item = pending.first()
        form = GradeForm(initial={"item": item.pk}, target=item) if item else None
    return render(
        request,
        "exams/manage/grade.html",
        {
            "session": session,
            "item": item,
            "remaining": pending.count(),
            "form": form,
            # Candidates are anonymous: a number derived from the attempt, never a name.
            "candidate": f"{item.attempt_id % 100000:05d}" if item else "",
        },
    )
