"""The client's address, as every part of the project sees it.

One setting, TRUSTED_PROXY_COUNT (the number of reverse proxies in front of the
application that append to X-Forwarded-For), decides it for the sign-in limits
(allauth's ALLAUTH_TRUSTED_PROXY_COUNT), the API throttles (DRF's NUM_PROXIES), the
project's own limits and the audit log. With 0 the header is ignored and the
connection's address is used; with n, the n-th address from the right of the header
is the client (the left part of the header is whatever the client sent and can be
forged). The rule is DRF's `BaseThrottle.get_ident`, so all of them agree.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(address: str) -> str | None:
    try:
        return str(ipaddress.ip_address(address.strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest | None) -> str | None:
    if request is None:
        return None
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or None
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = meta.get("HTTP_X_FORWARDED_FOR")
    if proxies <= 0 or not forwarded:
        return remote
    addresses = forwarded.split(",")
    return _valid(addresses[-min(proxies, len(addresses))]) or remote
