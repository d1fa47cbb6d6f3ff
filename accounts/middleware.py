"""Session timeouts and the forced password change at first sign-in."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

_EXEMPT_PREFIXES = ("/static/", "/media/", "/healthz", "/i18n/", "/verify/", "/api/public/")


class SessionTimeoutMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT seconds without a request.

    The absolute limit is the session cookie's age (SESSION_COOKIE_AGE), which is
    not refreshed on each request (SESSION_SAVE_EVERY_REQUEST stays False).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - last > settings.SESSION_IDLE_TIMEOUT:
                logout(request)
                return redirect(f"{reverse('account_login')}?next={request.path}")
            # Write at most every five minutes to keep the session store quiet (exam
            # answers are saved far more often than that).
            if last is None or now - last > 300:
                request.session["last_seen"] = now
        return self.get_response(request)


class ForcePasswordChangeMiddleware:
    """Until the one-time initial password is changed, only the change page works."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            allowed = {
                reverse("account_change_password"),
                reverse("account_logout"),
                reverse("large_text_toggle"),
            }
            if request.path not in allowed:
                if request.path.startswith("/api/"):
                    from django.http import JsonResponse

                    return JsonResponse(
                        {"detail": "password change required", "code": "password_change_required"},
                        status=403,
                    )
                return redirect("account_change_password")
        return self.get_response(request)
