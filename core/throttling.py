"""DRF throttles that identify anonymous clients by `core.clientip.client_ip`, the
same address the sign-in limits and the audit log use (DRF's NUM_PROXIES is set from
the same setting, this makes it hold under `override_settings` as well)."""

from rest_framework import throttling

from .clientip import client_ip


class _ClientIdent:
    def get_ident(self, request):
        return client_ip(request) or ""


class AnonRateThrottle(_ClientIdent, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientIdent, throttling.UserRateThrottle):
    pass


class ScopedRateThrottle(_ClientIdent, throttling.ScopedRateThrottle):
    pass
