"""Sign in with a mobile number as well as with the staff number (the username)."""

import re

from django.contrib.auth.backends import ModelBackend

from core.text import compact

from .models import Staff

_MOBILE = re.compile(r"^1\d{10}$")


class StaffNumberOrMobileBackend(ModelBackend):
    """Tried after allauth's username backend: an 11-digit login that is not a
    username is looked up as a staff member's mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        login = compact(username or kwargs.get("login") or "")
        if not login or password is None or not _MOBILE.match(login):
            return None
        staff = (
            Staff.objects.select_related("user").filter(mobile=login, user__isnull=False).first()
        )
        if staff is None:
            # Run the hasher anyway so timing does not reveal unknown numbers.
            self.user_model().set_password(password)
            return None
        user = staff.user
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
