"""Sign-in failures are counted per person, across the sign-in page, the admin and the
API token endpoint, and a flood of wrong passwords cannot keep the owner out.

Figures from the probe (issue 15): 30 wrong API passwords, each with a different
X-Forwarded-For, all answered 400 and the right one then got a token; 30 wrong
passwords locked the owner out for 5 minutes, the mobile number allowing 5 more.
"""

import re

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from accounts.lockout import DEVICE_COOKIE
from audit.models import AuditEntry

from ..factories import StaffFactory, UserFactory

PASSWORD = "correct-horse-42"


@pytest.fixture
def owner(city):
    user = UserFactory(username="HZ000900", email="owner@example.gov.cn")
    StaffFactory(user=user, department=city.township_a1, mobile="13900000900")
    return user


def _page(client, login, password, address="198.51.100.1", **headers):
    return client.post(
        reverse("account_login"),
        {"login": login, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


def _api(client, login, password, address="198.51.100.1", **headers):
    return client.post(
        "/api/auth/token/",
        {"username": login, "password": password},
        REMOTE_ADDR=address,
        headers=headers,
    )


def _signed_in(client):
    return "_auth_user_id" in client.session


def test_forged_forwarded_headers_do_not_buy_api_guesses(client, owner):
    """The probe: 30 wrong passwords with 30 different X-Forwarded-For headers."""
    codes = [
        _api(client, "HZ000900", f"guess-{i}", x_forwarded_for=f"10.9.{i}.1").status_code
        for i in range(30)
    ]
    assert codes[:5] == [400] * 5
    assert set(codes[5:]) == {429}
    # The right password is refused as well, from the same client.
    response = _api(client, "HZ000900", PASSWORD, x_forwarded_for="10.9.99.1")
    assert response.status_code == 429
    assert "token" not in response.json()


def test_api_failures_count_towards_the_sign_in_page(client, owner):
    for i in range(5):
        assert _api(client, "HZ000900", f"guess-{i}").status_code == 400
    response = _page(client, "HZ000900", PASSWORD)
    assert not _signed_in(client)
    assert response.status_code == 200
    assert AuditEntry.objects.filter(action="auth.login_failed").count() == 5


def test_page_failures_count_towards_the_api(client, owner):
    for i in range(5):
        _page(client, "HZ000900", f"guess-{i}")
    assert _api(client, "HZ000900", PASSWORD).status_code == 429


def test_staff_number_and_mobile_share_one_counter(client, owner):
    for i in range(3):
        _page(client, "HZ000900", f"guess-{i}")
    for i in range(2):
        _page(client, "13900000900", f"guess-m{i}")
    _page(client, "13900000900", PASSWORD)
    assert not _signed_in(client)
    _page(client, "HZ000900", PASSWORD)
    assert not _signed_in(client)


def test_a_right_password_before_the_limit_resets_the_client_count(client, owner):
    for i in range(4):
        _page(client, "HZ000900", f"guess-{i}")
    _page(client, "HZ000900", PASSWORD)
    assert _signed_in(client)


def test_one_guessing_address_does_not_lock_the_owner_elsewhere(client, owner, settings):
    for i in range(10):
        _page(client, "HZ000900", f"guess-{i}", address="203.0.113.66")
    assert _api(client, "HZ000900", PASSWORD, address="203.0.113.66").status_code == 429
    # The owner, from another address (no cookie, a new device), still gets in.
    _page(client, "HZ000900", PASSWORD, address="198.51.100.7")
    assert _signed_in(client)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_flood_from_many_addresses_does_not_keep_the_owner_out(client, owner):
    """Behind the load balancer: 200 wrong passwords from 200 real client addresses."""
    # The owner signed in from this browser before: it carries a known-device cookie.
    _page(client, "HZ000900", PASSWORD, address="10.0.0.2")
    assert client.cookies.get(DEVICE_COOKIE)
    client.post(reverse("account_logout"))

    attacker = type(client)()
    for i in range(200):
        _page(attacker, "HZ000900", f"guess-{i}", address="10.0.0.2", x_forwarded_for=f"7.7.{i}.7")
    # A browser that never signed in as the owner is now refused, even with the right
    # password (the slow per-person cap), while the owner's own browser is let in.
    stranger = type(client)()
    _page(stranger, "HZ000900", PASSWORD, address="10.0.0.2")
    assert not _signed_in(stranger)
    _page(client, "HZ000900", PASSWORD, address="10.0.0.2")
    assert _signed_in(client)


def test_a_password_reset_lifts_the_lock_for_a_new_device(
    client, owner, django_capture_on_commit_callbacks
):
    for i in range(40):
        _page(client, "HZ000900", f"guess-{i}", address=f"192.0.2.{i}")
    _page(client, "HZ000900", PASSWORD, address="198.51.100.50")
    assert not _signed_in(client)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "owner@example.gov.cn"})
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/key/\S+)", mail.outbox[-1].body)
    response = client.get(link.group(1), follow=True)
    client.post(
        response.redirect_chain[-1][0],
        {"password1": "Window-Clerk-2027", "password2": "Window-Clerk-2027"},
    )
    _page(client, "HZ000900", "Window-Clerk-2027", address="198.51.100.50")
    assert _signed_in(client)


def test_the_admin_sign_in_is_the_same_door(client, owner):
    for i in range(5):
        _page(client, "HZ000900", f"guess-{i}")
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
