"""A small fixed-window rate limit per client IP, kept in the Django cache."""

from __future__ import annotations

import time

from django.core.cache import cache

from audit.services import client_ip


def rate_limited(request, *, scope: str, limit: int, window: int = 60) -> bool:
    """Count this request; True when the client has gone over `limit` per `window` s."""
    ip = client_ip(request) or "unknown"
    key = f"ratelimit:{scope}:{ip}:{int(time.time() // window)}"
    if cache.add(key, 1, timeout=window + 5):
        return limit < 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window + 5)
        count = 1
    return count > limit
