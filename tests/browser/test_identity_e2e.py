"""Sign-in with the unified identity system (issue 21, item 2), end to end in Chromium
against a real OpenID Connect provider (the npm package oidc-provider) started on
127.0.0.1 by the test: the first sign-in links the identity to the account named by
the staff-number claim (or else the mobile claim) and lands on the person's own home;
an identity that matches nobody is refused and no account is created; both audited."""

import json
import shutil
import socket
import subprocess
from pathlib import Path

import pytest
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from audit.models import AuditEntry
from config.settings.base import oidc_providers
from organisation.services import staff_create_account

from ..factories import StaffFactory

HERE = Path(__file__).parent
NODE = shutil.which("node") or "/usr/bin/node"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def identity_system(live_server, settings):
    """The identity provider, and this system configured to use it."""
    port = _free_port()
    callback = f"{live_server.url}/accounts/oidc/gov/login/callback/"
    extra = {"ZHANG-SAN": {"phone_number": "+8613800138000"}}
    process = subprocess.Popen(  # noqa: S603 (our own script, fixed arguments)
        [NODE, str(HERE / "tools" / "oidc_server.mjs"), str(port), callback],
        cwd=HERE,
        env={"PATH": "/usr/bin:/bin", "OIDC_ACCOUNTS": json.dumps(extra)},
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "ready"
        settings.SOCIALACCOUNT_PROVIDERS = oidc_providers(
            f"http://127.0.0.1:{port}", "windowcert", "local-test-secret", "统一身份认证"
        )
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


def _sign_in_through_the_identity_system(page, live_server, login: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("button", name="使用统一身份认证登录").click()
    # The identity system's own (development) sign-in form, then its consent page. This
    # system's sign-in page has an `input[name=login]` too: wait to have left it.
    page.wait_for_url(lambda url: not url.startswith(live_server.url))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]", has_text="Continue").click()


@pytest.mark.django_db(transaction=True)
def test_the_first_sign_in_links_the_account_and_lands_on_the_persons_home(
    page, live_server, city, identity_system, axe_check
):
    staff = StaffFactory(department=city.township_a1, staff_number="HZ009001", name="李文")
    staff_create_account(staff=staff)
    staff.refresh_from_db()
    staff.user.must_change_password = False
    staff.user.save(update_fields=["must_change_password"])
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    assert axe_check(page) == []

    _sign_in_through_the_identity_system(page, live_server, "HZ009001")

    expect(page.locator("h1")).to_contain_text("李文")
    link = SocialAccount.objects.get()
    assert (link.user_id, link.uid, link.provider) == (staff.user_id, "HZ009001", "gov")
    assert AuditEntry.objects.filter(action="account.identity_linked").count() == 1

    # The next sign-in finds the link (and links nothing again).
    page.context.clear_cookies()  # the identity system's session too: it asks again
    _sign_in_through_the_identity_system(page, live_server, "HZ009001")
    expect(page.locator("h1")).to_contain_text("李文")
    assert SocialAccount.objects.count() == 1
    assert AuditEntry.objects.filter(action="account.identity_linked").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_mobile_claim_finds_the_person_when_the_staff_number_does_not(
    page, live_server, city, identity_system
):
    staff = StaffFactory(department=city.township_a1, mobile="13800138000", name="张三")
    staff_create_account(staff=staff)
    get_user_model().objects.filter(pk=staff.user_id).update(must_change_password=False)

    _sign_in_through_the_identity_system(page, live_server, "ZHANG-SAN")

    expect(page.locator("h1")).to_contain_text("张三")
    assert SocialAccount.objects.get().user_id == staff.user_id


@pytest.mark.django_db(transaction=True)
def test_an_identity_that_matches_nobody_is_refused_and_no_account_is_made(
    page, live_server, city, identity_system
):
    users = get_user_model().objects.count()

    _sign_in_through_the_identity_system(page, live_server, "NOBODY-HERE")

    expect(page.locator("h1")).to_contain_text("无法登录")
    expect(page.locator("main")).to_contain_text("培训专管员")
    assert get_user_model().objects.count() == users
    assert not SocialAccount.objects.exists()
    assert AuditEntry.objects.filter(action="account.identity_refused").count() == 1
