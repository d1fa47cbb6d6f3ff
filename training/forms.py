"""Forms of the in-person classes and the satisfaction questionnaire. They parse input
only; every rule is the services' (`services.class_schedule`, `evaluation_submit`)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from organisation.access import departments_managed_by, staff_visible_to
from organisation.models import Staff

from .access import programmes_schedulable_by, tracks_assignable_by
from .services.enrolment import MSG_ASSIGN_UNKNOWN

SPLIT = re.compile(r"[\s,，、;；]+")


def _numbers(text: str) -> list[str]:
    return [n for n in SPLIT.split(text or "") if n]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class ClassForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160, required=False)
    programme = forms.ModelChoiceField(
        label=_("Programme (its credit table gives the study hours)"), queryset=None
    )
    department = forms.ModelChoiceField(label=_("Organising unit"), queryset=None)
    trainer_number = forms.CharField(
        label=_("Trainer: staff number"),
        max_length=32,
        required=False,
        help_text=_("A person in the system; or leave empty and enter an outside name."),
    )
    trainer_name = forms.CharField(label=_("Trainer: outside name"), max_length=64, required=False)
    venue = forms.CharField(label=_("Venue"), max_length=160, required=False)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=DateTimeLocalInput(), input_formats=["%Y-%m-%dT%H:%M"]
    )
    # No minimum here: the service refuses 0 with its own message.
    capacity = forms.IntegerField(label=_("Capacity"))
    knowledge_points = forms.MultipleChoiceField(
        label=_("Knowledge points"), required=False, widget=forms.CheckboxSelectMultiple
    )
    audience_units = forms.ModelMultipleChoiceField(
        label=_("Expected: units (with the units below them)"), queryset=None, required=False
    )
    audience_posts = forms.CharField(
        label=_("Expected: posts"),
        required=False,
        help_text=_("Separated by commas; with units, only these posts in those units."),
    )
    audience_numbers = forms.CharField(
        label=_("Expected: staff numbers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("One or more, separated by spaces, commas or new lines."),
    )
    audience_track = forms.ModelChoiceField(
        label=_("Expected: a training track"), queryset=None, required=False
    )

    def __init__(self, *args, user, knowledge_points=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["programme"].queryset = programmes_schedulable_by(user)
        managed = departments_managed_by(user).order_by("path")
        self.fields["department"].queryset = managed
        self.fields["audience_units"].queryset = managed
        self.fields["audience_track"].queryset = tracks_assignable_by(user)
        self.fields["audience_track"].label_from_instance = lambda t: (
            f"{t.programme.name} · {t.name}"
        )
        self.fields["knowledge_points"].choices = [(str(pk), name) for pk, name in knowledge_points]
        self._point_names = {str(pk): name for pk, name in knowledge_points}

    def clean(self):
        data = super().clean()
        visible = staff_visible_to(self.user).filter(status="active")
        number = (data.get("trainer_number") or "").strip()
        data["trainer"] = None
        if number:
            data["trainer"] = visible.filter(staff_number=number).first()
            if data["trainer"] is None:
                self.add_error("trainer_number", MSG_ASSIGN_UNKNOWN % {"numbers": number})
        numbers = _numbers(data.get("audience_numbers", ""))
        found = list(
            Staff.objects.filter(
                department__in=departments_managed_by(self.user), staff_number__in=numbers
            ).select_related("department")
        )
        unknown = sorted(set(numbers) - {s.staff_number for s in found})
        if unknown:
            self.add_error("audience_numbers", MSG_ASSIGN_UNKNOWN % {"numbers": "、".join(unknown)})
        data["audience_staff"] = found
        data["posts"] = [p for p in SPLIT.split(data.get("audience_posts") or "") if p]
        data["points"] = [
            (int(pk), self._point_names[pk]) for pk in data.get("knowledge_points") or []
        ]
        return data

    # Service error fields -> form fields.
    FIELD_OF = {"trainer": "trainer_name", "audience": "audience_units"}


class ExcuseForm(forms.Form):
    staff = forms.UUIDField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class EvaluationForm(forms.Form):
    """One 1-5 choice per active question and a comment. The choices are given as
    radio buttons; the service checks the values (a crafted 6 is refused there)."""

    comment = forms.CharField(
        label=_("Comment (optional)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, questions, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.CharField(
                label=question.text,
                required=False,
                widget=forms.RadioSelect(choices=[(str(n), str(n)) for n in range(1, 6)]),
            )
        self.order_fields([f"q{q.pk}" for q in questions] + ["comment"])

    def ratings(self) -> dict[int, str]:
        return {q.pk: (self.data.get(f"q{q.pk}") or "") for q in self.questions}

    def rating_fields(self):
        return [self[f"q{q.pk}"] for q in self.questions]
