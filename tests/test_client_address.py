"""One setting, TRUSTED_PROXY_COUNT, decides the client's address for allauth's limits,
DRF's throttles, the project's own limits and the audit log.

Without it configured, a forged X-Forwarded-For changes nothing; with one trusted
proxy, the address the proxy appended is the client, whatever the client forged
before it, and two people behind the same load balancer have separate counters.
"""

import os
import subprocess
import sys

from allauth.account.adapter import get_adapter
from django.conf import settings
from django.test import RequestFactory, override_settings

from audit.models import AuditEntry
from audit.services import audit_record
from certificates.ratelimit import rate_limited
from core.throttling import AnonRateThrottle

FORGED = "6.6.6.6"
PROXY = "10.0.0.1"
REAL = "203.0.113.7"


def _request():
    return RequestFactory().post(
        "/", REMOTE_ADDR=PROXY, headers={"x-forwarded-for": f"{FORGED}, {REAL}"}
    )


def _everyone_sees(request):
    audit_record(action="test.address", request=request)
    return {
        "audit": AuditEntry.objects.get(action="test.address").ip_address,
        "allauth": get_adapter(request).get_client_ip(request),
        "drf": AnonRateThrottle().get_ident(request),
    }


def test_without_trusted_proxies_forwarded_headers_are_ignored(db):
    assert set(_everyone_sees(_request()).values()) == {PROXY}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_with_one_trusted_proxy_the_address_it_appended_is_the_client(db):
    assert set(_everyone_sees(_request()).values()) == {REAL}


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_the_projects_own_limits_count_real_clients_behind_the_proxy(db):
    def verify_from(address, forged):
        request = RequestFactory().post(
            "/", REMOTE_ADDR=PROXY, headers={"x-forwarded-for": f"{forged}, {address}"}
        )
        return rate_limited(request, scope="test", limit=3)

    # One client forging a new header each time is still one client...
    assert [verify_from(REAL, f"1.1.1.{i}") for i in range(4)] == [False] * 3 + [True]
    # ...and another person behind the same load balancer has a counter of their own.
    assert verify_from("198.51.100.20", FORGED) is False


def test_the_token_endpoint_ignores_forged_headers_without_proxies(client, db):
    codes = [
        client.post(
            "/api/auth/token/",
            {"username": f"nobody{i}", "password": "x"},
            headers={"x-forwarded-for": f"5.5.5.{i}"},
        ).status_code
        for i in range(11)
    ]
    assert codes[-1] == 429


def test_one_environment_variable_sets_allauth_drf_and_the_project():
    script = (
        "import django; django.setup(); from django.conf import settings as s;"
        "print(s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT,"
        " s.REST_FRAMEWORK['NUM_PROXIES'])"
    )
    env = {
        **os.environ,
        "TRUSTED_PROXY_COUNT": "2",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.split() == ["2", "2", "2"]


def test_a_clients_window_opens_with_its_first_request_and_closes_after_it(db):
    """No wall-clock boundary resets the count mid-burst; the window's end does."""
    import time

    from django.core.cache import cache

    cache.clear()
    request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.30")
    counted = [rate_limited(request, scope="window", limit=2, window=1) for _ in range(3)]
    assert counted == [False, False, True]
    time.sleep(1.2)  # the client's own window has passed
    assert rate_limited(request, scope="window", limit=2, window=1) is False
