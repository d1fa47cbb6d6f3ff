"""Project-wide request and response rules, each in one obvious place."""

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from .views import health_live, health_ready

HEALTH_PATHS = {"/healthz": health_ready, "/healthz/live": health_live}


class HealthCheckMiddleware:
    """Answer the load balancer's checks first: over plain HTTP (no HTTPS redirect),
    for any Host header (the balancer probes by address), with no session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = HEALTH_PATHS.get(request.path_info.rstrip("/") or "/")
        if view is not None and request.method in ("GET", "HEAD"):
            return view(request)
        return self.get_response(request)


class NoStoreMiddleware:
    """No response built for a person is kept by a browser or a proxy cache.

    Pages, API answers and downloads carry names, ID numbers (masked), results: every
    response that reaches the application (static files are served before it) is
    `private, no-store` unless its view chose a Cache-Control of its own.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            patch_cache_control(response, private=True, no_store=True)
        return response


def request_max_bytes() -> int:
    """The largest body accepted: the upload limit plus room for the form around it."""
    return settings.UPLOAD_MAX_BYTES + 1024 * 1024


# Forms that anonymous people send (sign-in, password reset, public verification)
# are small; anything larger must come from someone signed in.
ANONYMOUS_BODY_MAX_BYTES = 64 * 1024


class RequestBodyLimitMiddleware:
    """Refuse a body before reading it.

    Over-limit bodies are refused from their Content-Length (413). A body larger than
    a small form (an upload) is read only for a signed-in person or a valid API token:
    anonymous clients are sent away before the CSRF check or a view parses it. The
    reverse proxy enforces the same limit in front of the application
    (docs/security.md).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= ANONYMOUS_BODY_MAX_BYTES:
            return self.get_response(request)
        is_api = request.path_info.startswith("/api/")
        if length > request_max_bytes():
            message = _("The request is too large.")
            if is_api:
                return JsonResponse({"detail": message}, status=413)
            return HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
        if not _authenticated(request):
            if is_api:
                return JsonResponse(
                    {"detail": _("Authentication credentials were not provided.")}, status=401
                )
            return redirect_to_login(request.get_full_path())
        return self.get_response(request)


def _authenticated(request) -> bool:
    if request.user.is_authenticated:
        return True
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, key = header.partition(" ")
    if scheme.lower() != "token" or not key.strip():
        return False
    from rest_framework.authtoken.models import Token

    return Token.objects.filter(key=key.strip(), user__is_active=True).exists()
