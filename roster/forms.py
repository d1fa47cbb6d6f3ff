from django import forms
from django.utils.translation import gettext_lazy as _


class UploadForm(forms.Form):
    file = forms.FileField(
        allow_empty_file=True,  # the service refuses it with its own message
        label=_("Roster file"),
        help_text=_("Excel (.xlsx, .xls), OpenDocument (.ods) or CSV (UTF-8 or GBK)."),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,.xls,.ods,.csv,text/csv,application/vnd.ms-excel"}
        ),
    )
    sheet = forms.CharField(
        label=_("Sheet"),
        required=False,
        max_length=100,
        help_text=_("Leave empty to use the first sheet that has a header row."),
    )
    sync = forms.BooleanField(
        label=_("Sync mode: mark staff of the units in the file who are not in it as left"),
        required=False,
    )


class CommitForm(forms.Form):
    confirm_transfers = forms.BooleanField(
        label=_("Move the people listed under transfers into the units given in the file"),
        required=False,
    )
    # Import the valid rows and leave the rows with errors out.
    skip_invalid = forms.BooleanField(required=False, widget=forms.HiddenInput)
