from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.defaults import page_not_found


def not_found(request, exception=None):
    """404 for a URL that matches nothing: JSON in the API's one error format under
    /api/ (as its schema says), the site's page elsewhere."""
    if request.path_info.startswith("/api/"):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return page_not_found(request, exception)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any database failure means "not ready"
        return False
    return True


def _cache_ok() -> bool:
    """Sign-in limits, sessions and exam saves all need the cache (Redis)."""
    key = "healthz:" + get_random_string(8)
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception:  # any cache failure means "not ready"
        return False
    return ok


@never_cache
def health_ready(request):
    """Readiness: 200 when the database and the cache answer, 503 otherwise.

    Answered by core.middleware.HealthCheckMiddleware, before the HTTPS redirect
    and the host check, so a load balancer's plain-HTTP probe works.
    """
    checks = {
        "database": "ok" if _database_ok() else "unavailable",
        "cache": "ok" if _cache_ok() else "unavailable",
    }
    ready = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if ready else "error", **checks}, status=200 if ready else 503
    )


@never_cache
def health_live(request):
    """Liveness: the process answers (restart it if not); touches nothing else."""
    return JsonResponse({"status": "ok"})
