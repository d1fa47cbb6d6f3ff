"""A small rate limit per client IP, kept in the Django cache: a client's window starts
with its first request and lasts `window` seconds (no wall-clock minute boundary resets
the count, so a client never gets twice the limit by straddling one)."""

from __future__ import annotations

from django.core.cache import cache

from audit.services import client_ip


def rate_limited(request, *, scope: str, limit: int, window: int = 60) -> bool:
    """Count this request; True when the client has gone over `limit` in its window."""
    ip = client_ip(request) or "unknown"
    key = f"ratelimit:{scope}:{ip}"
    if cache.add(key, 1, timeout=window):  # the first request opens the window
        return limit < 1
    try:
        count = cache.incr(key)  # keeps the window's expiry
    except ValueError:  # expired between add and incr: a new window
        cache.add(key, 1, timeout=window)
        count = 1
    return count > limit
