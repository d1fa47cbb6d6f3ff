"""Account pages as people read them: the first sign-in says why the password must
change and then goes home; the large text mode is one tap away and remembered."""

import time

from django.urls import reverse

from organisation.services import staff_create_account

from ..factories import StaffFactory, UserFactory


def test_first_sign_in_explains_why_then_goes_home(client, city):
    staff = StaffFactory(department=city.township_a1)
    code = staff_create_account(staff=staff)
    response = client.post(
        reverse("account_login"), {"login": staff.staff_number, "password": code}, follow=True
    )
    page = response.text
    assert response.redirect_chain[-1][0] == reverse("account_change_password")
    assert "一次性初始密码" in page and "只有您自己知道" in page
    assert "成功登录" not in page

    response = client.post(
        reverse("account_change_password"),
        {"oldpassword": code, "password1": "Window-Clerk-2027", "password2": "Window-Clerk-2027"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert response.status_code == 200
    # later visits of the change page (a chosen password) carry no first-sign-in note
    assert "一次性初始密码" not in client.get(reverse("account_change_password")).text


def test_large_text_mode_is_one_tap_away_and_remembered_on_the_account(client, city):
    user = UserFactory()
    StaffFactory(department=city.township_a1, user=user)
    client.force_login(user)
    page = client.get(reverse("home")).text
    assert 'aria-pressed="false"' in page and "大字模式" in page
    assert 'class="large-text"' not in page

    response = client.post(reverse("large_text_toggle"), {"on": "1", "next": "/exams/"})
    assert response.status_code == 302 and response["Location"] == "/exams/"
    user.refresh_from_db()
    assert user.large_text is True
    # remembered on the account: a new browser session signs in with it on
    client.logout()
    client.force_login(user)
    page = client.get(reverse("home")).text
    assert 'class="large-text"' in page and 'aria-pressed="true"' in page

    client.post(reverse("large_text_toggle"), {"on": "0", "next": "https://evil.example/"})
    user.refresh_from_db()
    assert user.large_text is False


def test_large_text_mode_works_before_sign_in_and_never_redirects_off_site(client, db):
    response = client.post(
        reverse("large_text_toggle"), {"on": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"
    assert 'class="large-text"' in client.get(reverse("account_login")).text
    assert client.get(reverse("large_text_toggle")).status_code == 405


def test_an_administrator_types_the_password_once_then_sets_up_two_factor(client, city):
    from organisation.models import Role

    from ..factories import make_user_with_role

    admin = make_user_with_role(Role.ADMINISTRATOR, city.city)
    admin.set_password("Admin-Window-2027")
    admin.save()
    response = client.post(
        reverse("account_login"),
        {"login": admin.username, "password": "Admin-Window-2027"},
        follow=True,
    )
    # straight to the two-factor set-up, not to "confirm access" (the password again)
    assert response.redirect_chain[-1][0].startswith(reverse("mfa_activate_totp"))
    assert response.status_code == 200
    assert 'name="code"' in response.text
    assert reverse("account_reauthenticate") not in response.redirect_chain[-1][0]


def test_the_recovery_codes_page_has_a_way_on(client, city, administrator):
    client.force_login(administrator)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": time.time()}]
    session["account_authentication_methods_user"] = str(administrator.pk)
    session.save()
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    RecoveryCodes.activate(administrator)
    page = client.get(reverse("mfa_view_recovery_codes"))
    assert page.status_code == 200
    assert f'href="{reverse("home")}"' in page.text.split("<main", 1)[1]
