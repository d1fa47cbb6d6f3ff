from django import forms
from django.utils.translation import gettext_lazy as _

from .models import StaffStatus


class StaffFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Name, staff number or mobile")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *StaffStatus.choices]
    )
    window_only = forms.BooleanField(label=_("Window staff only"), required=False)


class StaffCreateForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=64)
    id_number = forms.CharField(label=_("ID number"), max_length=24)
    staff_number = forms.CharField(label=_("Staff number"), max_length=32)
    mobile = forms.CharField(label=_("Mobile"), max_length=20, required=False)
    post = forms.CharField(label=_("Post"), max_length=64, required=False)
    is_window_staff = forms.BooleanField(label=_("Window staff"), required=False, initial=True)
    hire_date = forms.DateField(
        label=_("Hire date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
