"""Forms of the assessment sitting's pages (the rules are in the services)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exams.models import ExamSession, Question, QuestionStatus, QuestionType, SessionKind

from .models import SkillLevel


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class SittingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=SkillLevel.objects.filter(is_offered=True)
    )
    theory_starts_at = forms.DateTimeField(label=_("Theory starts"), widget=DateTimeInput)
    theory_ends_at = forms.DateTimeField(label=_("Theory ends"), widget=DateTimeInput)
    practical_starts_at = forms.DateTimeField(label=_("Practical starts"), widget=DateTimeInput)
    practical_ends_at = forms.DateTimeField(label=_("Practical ends"), widget=DateTimeInput)
    confirm_by = forms.DateField(
        label=_("Units confirm their candidates by"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    tasks = forms.ModelMultipleChoiceField(
        label=_("Practical tasks (scenario tasks with a rubric)"),
        queryset=Question.objects.filter(
            type=QuestionType.SCENARIO, status=QuestionStatus.ACTIVE
        ).exclude(rubric=[]),
        widget=forms.CheckboxSelectMultiple,
    )
    # Empty (the default): planning creates the sitting's theory exam.
    theory_session = forms.ModelChoiceField(
        label=_("Theory exam (formal theory exam)"),
        queryset=ExamSession.objects.none(),
        required=False,
        empty_label=_("Create it for this sitting (theory blueprint, the theory times)"),
    )

    def __init__(self, *args, sessions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["theory_session"].queryset = (
            sessions
            if sessions is not None
            else ExamSession.objects.filter(kind=SessionKind.FORMAL_THEORY)
        )


class RoomForm(forms.Form):
    number = forms.IntegerField(label=_("Room number"), min_value=1, max_value=99)
    name = forms.CharField(label=_("Place"), max_length=100)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=500)


class ProposeForm(forms.Form):
    staff = forms.MultipleChoiceField(
        label=_("Eligible staff"), widget=forms.CheckboxSelectMultiple
    )
    recommended = forms.BooleanField(
        label=_("Recommended by me as their coordinator"), required=False
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].choices = choices


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=_("Reason for withdrawal"), max_length=200)


class SeatingForm(forms.Form):
    seed = forms.IntegerField(
        label=_("Random seed (optional, to repeat a seating)"),
        required=False,
        min_value=0,
        max_value=2**31 - 1,
    )


class ExaminerForm(forms.Form):
    """An examiner for a room: one of the accounts the page proposes
    (`certificates.selectors.examiner_proposals`) or another account by its username.
    An account without the examiner role is made one (`services.examiner_appoint`)."""

    room = forms.IntegerField(label=_("Room number"), min_value=1)
    proposed = forms.CharField(
        label=_("Proposed examiners (not of the candidates' units or the units in line)"),
        required=False,
        max_length=150,
        widget=forms.Select,
    )
    username = forms.CharField(
        label=_("Examiner's account (username)"), max_length=150, required=False
    )
    is_chief = forms.BooleanField(label=_("Chief examiner"), required=False)

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "—")]
        for staff in proposals:
            label = f"{staff.name} · {staff.department.name} · {staff.user.get_username()}"
            if getattr(staff, "is_examiner", False):
                label += f" · {_('examiner')}"
            choices.append((staff.user.get_username(), label))
        self.fields["proposed"].widget.choices = choices

    def clean(self):
        data = super().clean()
        account = (data.get("proposed") or data.get("username") or "").strip()
        if not account:
            raise forms.ValidationError(_("Give the room number and the examiner's account."))
        data["account"] = account
        return data


class SeatForm(forms.Form):
    room = forms.IntegerField(label=_("Room number"), min_value=1)
    seat = forms.IntegerField(label=_("Seat"), min_value=1)


class ScanForm(forms.Form):
    ticket = forms.CharField(
        label=_("Ticket number"),
        max_length=40,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    method = forms.CharField(required=False, widget=forms.HiddenInput)


class ResolveForm(forms.Form):
    note = forms.CharField(label=_("What the second look found"), max_length=200)


class ReviewPanelForm(forms.Form):
    panel = forms.CharField(label=_("Panel members"), max_length=200)
    passed = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Passed")), ("0", pgettext_lazy("result", "Failed"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
