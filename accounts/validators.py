"""Password rules on top of Django's validators (AUTH_PASSWORD_VALIDATORS)."""

import re

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# The demo city's shared password ("Demo@2026") and its obvious variants.
_DEMO_PATTERN = re.compile(r"^demo[\W_]*\d*[\W_]*$", re.IGNORECASE)

MESSAGE_SAME_AS_CURRENT = gettext_noop(
    "The new password must differ from your current (one-time) password."
)
MESSAGE_DEMO_PATTERN = gettext_noop("This password is the demo password or too close to it.")


class NotCurrentOrDemoPasswordValidator:
    """Refuse the account's current password, in particular the one-time initial
    password at the forced first change, and the demo password pattern."""

    def validate(self, password: str, user=None) -> None:
        if _DEMO_PATTERN.match(password or ""):
            raise ValidationError(_(MESSAGE_DEMO_PATTERN), code="password_demo")
        encoded = getattr(user, "password", "") if user is not None else ""
        # hashers.check_password, not user.check_password: the latter would rehash
        # and save the old password when it matches.
        if encoded and check_password(password, encoded):
            raise ValidationError(_(MESSAGE_SAME_AS_CURRENT), code="password_unchanged")

    def get_help_text(self) -> str:
        return _("Your password cannot be your one-time password or the demo password.")
