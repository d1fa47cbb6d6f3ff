"""Administrators must use two-factor authentication (TOTP)."""

from django.shortcuts import redirect
from django.urls import reverse

from .access import user_roles

_EXEMPT = ("/static/", "/media/", "/healthz", "/i18n/", "/accounts/", "/verify/")


class RequireAdministratorMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_EXEMPT)
            and user_roles(user).is_administrator
            and not _has_totp(user)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    {"detail": "two-factor authentication required", "code": "mfa_required"},
                    status=403,
                )
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)


def _has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    cached = getattr(user, "_has_totp_cache", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._has_totp_cache = cached
    return cached
