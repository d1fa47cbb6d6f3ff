from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SkillLevel


class VerifyForm(forms.Form):
    number = forms.CharField(label=_("Certificate number"), max_length=40)
    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        help_text=_("Printed on the certificate next to the QR code."),
    )


class RevokeForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class AssessmentCreateForm(forms.Form):
    staff_number = forms.CharField(label=_("Staff number"), max_length=32)
    level = forms.ModelChoiceField(
        label=_("Level"), queryset=SkillLevel.objects.filter(is_offered=True)
    )
    assessed_on = forms.DateField(
        label=_("Assessment date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ScoreForm(forms.Form):
    part = forms.ChoiceField(
        label=_("Part"),
        choices=[("theory", _("Theory exam")), ("practical", _("Practical skills"))],
    )
    score = forms.DecimalField(label=_("Score"), min_value=0, max_value=100, decimal_places=1)
    source = forms.CharField(label=_("Source"), max_length=100, required=False)


class ReviewForm(forms.Form):
    passed = forms.TypedChoiceField(
        label=_("Comprehensive review"),
        choices=[("1", _("Passed")), ("0", _("Not passed"))],
        coerce=lambda v: v == "1",
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (xlsx, xls or ods)"),
        help_text=_("Columns: 工号, 姓名, 等级, 实操成绩. A title row above the header is fine."),
    )


class ExternalCertificateForm(forms.Form):
    staff_number = forms.CharField(label=_("Staff number"), max_length=32)
    level = forms.ModelChoiceField(label=_("Level"), queryset=SkillLevel.objects.all())
    number = forms.CharField(label=_("Certificate number"), max_length=40)
    issue_date = forms.DateField(
        label=_("Issue date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    expires_on = forms.DateField(
        label=_("Valid until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty if it does not expire."),
    )
    assessment_body = forms.CharField(label=_("Assessment body"), max_length=100)
    evidence = forms.FileField(label=_("Scan of the certificate (PDF, JPEG or PNG)"))
