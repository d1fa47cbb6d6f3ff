from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """allauth's sign-in form, labelled for staff: staff number or mobile number."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["login"]
        field.label = _("Staff number or mobile")
        field.widget.attrs.update(
            {"placeholder": _("Staff number or mobile"), "autocomplete": "username"}
        )
