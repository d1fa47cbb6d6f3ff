"""Sign in with a mobile number as well as with the staff number (the username)."""

import re

from django.contrib.auth.backends import ModelBackend

from core.text import compact

from .models import Staff

_MOBILE = re.compile(r"^1\d{10}$")


def user_id_for_login(login: str) -> int | None:
    """The account a typed login (staff number or mobile) names, if any.

    Used to count sign-in failures per person: the staff number and the mobile number
    of one person share one counter (see accounts/lockout.py).
    """
    from django.contrib.auth import get_user_model

    login = compact(login)
    if not login:
        return None
    user_id = (
        get_user_model().objects.filter(username__iexact=login).values_list("pk", flat=True).first()
    )
    if user_id is None and _MOBILE.match(login):
        user_id = (
            Staff.objects.filter(mobile=login, user__isnull=False)
            .values_list("user_id", flat=True)
            .first()
        )
    return user_id


class StaffNumberOrMobileBackend(ModelBackend):
    """Tried after allauth's username backend: an 11-digit login that is not a
    username is looked up as a staff member's mobile number."""

    def user_id_for_login(self, login: str) -> int | None:
        # Asked by accounts.lockout: one failure counter per person.
        return user_id_for_login(login)

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
