"""Signing in: staff number or mobile, first sign-in password change, rate limits,
two-factor for administrators, and the audit trail."""

import pytest
from django.urls import reverse

from accounts.services import user_set_initial_password
from audit.models import AuditEntry
from organisation.models import Role
from organisation.services import staff_create_account

from ..factories import StaffFactory, UserFactory, add_totp, make_user_with_role

PASSWORD = "correct-horse-42"


def _login(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_sign_in_with_staff_number(client, city):
    user = UserFactory(username="HZ000123")
    StaffFactory(user=user, department=city.township_a1)
    response = _login(client, "HZ000123")
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(action="auth.login", actor=user).count() == 1


def test_sign_in_with_mobile_number(client, city):
    user = UserFactory(username="HZ000124")
    StaffFactory(user=user, department=city.township_a1, mobile="13912345678")
    response = _login(client, "13912345678")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_wrong_password_fails_and_is_audited(client, city):
    UserFactory(username="HZ000125")
    response = _login(client, "HZ000125", "wrong-password")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="auth.login_failed")
    assert entry.target_id == "HZ000125"


def test_leaver_cannot_sign_in(client, city):
    user = UserFactory(username="HZ000126", is_active=False)
    StaffFactory(user=user, department=city.township_a1, mobile="13912345679")
    _login(client, "HZ000126")
    assert "_auth_user_id" not in client.session
    _login(client, "13912345679")
    assert "_auth_user_id" not in client.session


def test_first_sign_in_forces_a_password_change(client, city):
    staff = StaffFactory(department=city.township_a1)
    code = staff_create_account(staff=staff)
    staff.refresh_from_db()
    assert staff.user.must_change_password
    assert staff.user.password.startswith("initial_hmac_sha256$")

    assert _login(client, staff.staff_number, code).status_code == 302
    # Every page sends the user to the password change page until it is done.
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_change_password")
    assert client.get("/api/me/").status_code == 403

    response = client.post(
        reverse("account_change_password"),
        {
            "oldpassword": code,
            "password1": "Window-Clerk-2027",
            "password2": "Window-Clerk-2027",
        },
    )
    assert response.status_code == 302
    staff.user.refresh_from_db()
    assert not staff.user.must_change_password
    assert not staff.user.password.startswith("initial_hmac_sha256$")
    assert client.get(reverse("home")).status_code == 200
    assert AuditEntry.objects.filter(action="account.password_changed").count() == 1


def test_initial_password_works_only_until_changed(client, city):
    user = UserFactory()
    code = user_set_initial_password(user=user)
    assert user.check_password(code)
    user.set_password("Window-Clerk-2027")
    assert not user.check_password(code)


def test_repeated_failures_are_rate_limited(client, city):
    UserFactory(username="HZ000127")
    for _ in range(5):
        _login(client, "HZ000127", "wrong")
    # Now even the right password is refused for a while.
    response = _login(client, "HZ000127")
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 429)


def test_administrator_without_totp_must_set_it_up(client, city):
    admin = make_user_with_role(Role.ADMINISTRATOR, city.city)
    client.force_login(admin)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_activate_totp")
    add_totp(admin)
    assert client.get(reverse("home")).status_code == 200


def test_password_reset_page_is_available(client, db):
    assert client.get(reverse("account_reset_password")).status_code == 200


def test_self_sign_up_is_closed(client, db):
    from django.contrib.auth import get_user_model

    response = client.post(
        reverse("account_signup"),
        {
            "username": "intruder",
            "password1": "Window-Clerk-2027",
            "password2": "Window-Clerk-2027",
        },
    )
    assert b"password1" not in response.content
    assert not get_user_model().objects.filter(username="intruder").exists()


@pytest.mark.parametrize("path", ["/admin/login/"])
def test_admin_login_goes_through_allauth(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def _forced_change(client, code, new):
    return client.post(
        reverse("account_change_password"),
        {"oldpassword": code, "password1": new, "password2": new},
    )


@pytest.mark.parametrize("new", ["SAME", "Demo@2026", "demo2027", "DEMO-2026!", "12345678"])
def test_forced_change_refuses_the_one_time_password_and_weak_ones(client, city, new):
    """The probe: a roster account 'changed' r8wfRvWZFPbw to itself and was let in."""
    staff = StaffFactory(department=city.township_a1)
    code = staff_create_account(staff=staff)
    new = code if new == "SAME" else new
    _login(client, staff.staff_number, code)
    response = _forced_change(client, code, new)
    assert response.status_code == 200
    assert "password1" in response.context["form"].errors
    staff.user.refresh_from_db()
    assert staff.user.must_change_password
    assert staff.user.check_password(code)
    assert client.get(reverse("home")).status_code == 302
    assert not AuditEntry.objects.filter(action="account.password_changed").exists()
