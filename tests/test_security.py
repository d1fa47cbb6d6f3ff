"""Security settings that hold for every page: headers, deploy checks, timeouts, logs."""

import logging
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.urls import reverse

from core.logging import mask_id_numbers_in_text

from .factories import StaffFactory


def test_pages_send_security_headers(client, db):
    response = client.get(reverse("account_login"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": "x" * 30 + "-a-long-random-production-secret-key-for-the-check",
        "ID_NUMBER_ENCRYPTION_KEYS": "hK4yZ3s0bJ8w3Qy9zN6r1VqgX7cE2tL5mP0aD8fS4uI=",
        "ID_NUMBER_HASH_KEY": "another-long-random-key-for-hashing-id-numbers",
        "AUDIT_HMAC_KEY": "a-third-long-random-key-for-the-audit-chain-hmac",
        "PUBLIC_BASE_URL": "https://peixun.example.gov.cn",
        "TRUSTED_PROXY_COUNT": "1",
        "DJANGO_ALLOWED_HOSTS": "peixun.example.gov.cn",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


GOOD = {
    "ID_NUMBER_ENCRYPTION_KEYS": ["hK4yZ3s0bJ8w3Qy9zN6r1VqgX7cE2tL5mP0aD8fS4uI="],
    "ID_NUMBER_HASH_KEY": "another-long-random-key-for-hashing-id-numbers",
    "AUDIT_HMAC_KEY": "a-third-long-random-key-for-the-audit-chain-hmac",
    "CERTIFICATE_PUBLIC_BASE_URL": "https://peixun.example.gov.cn",
    "SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
    "TRUSTED_PROXY_COUNT": 1,
}


def _deploy_check_ids(**changes):
    from django.core.checks import run_checks
    from django.test import override_settings

    with override_settings(**{**GOOD, **changes}):
        return {
            m.id for m in run_checks(include_deployment_checks=True) if m.id.startswith("core.")
        }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        # The probe: these passed `check --deploy`, then the first encryption raised.
        ({"ID_NUMBER_ENCRYPTION_KEYS": ["dummy"]}, "core.E001"),
        ({"ID_NUMBER_ENCRYPTION_KEYS": []}, "core.E001"),
        ({"ID_NUMBER_HASH_KEY": "x"}, "core.E002"),
        ({"AUDIT_HMAC_KEY": ""}, "core.E003"),
        # ...and certificates printed a QR code to http://127.0.0.1:8000.
        ({"CERTIFICATE_PUBLIC_BASE_URL": "http://127.0.0.1:8000"}, "core.E004"),
        ({"CERTIFICATE_PUBLIC_BASE_URL": "http://peixun.example.gov.cn"}, "core.E004"),
        ({"CERTIFICATE_PUBLIC_BASE_URL": ""}, "core.E004"),
        ({"TRUSTED_PROXY_COUNT": 0}, "core.W005"),
    ],
)
@pytest.mark.django_db  # the model checks ask SQLite whether it supports JSON fields
def test_deploy_checks_refuse_unusable_keys_and_addresses(changes, expected):
    assert _deploy_check_ids(**changes) == {expected}


@pytest.mark.django_db
def test_deploy_checks_accept_good_values():
    assert _deploy_check_ids() == set()


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "ID_NUMBER"))}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_idle_session_is_signed_out(client, city, learner_a1):
    user, _ = learner_a1
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session["last_seen"] = int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 5
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]
    assert "_auth_user_id" not in client.session


def test_absolute_session_lifetime_is_bounded():
    assert settings.SESSION_COOKIE_AGE <= 24 * 3600
    assert settings.SESSION_SAVE_EVERY_REQUEST is False


def test_log_lines_never_carry_a_full_id_number(city, caplog):
    staff = StaffFactory(department=city.township_a1)
    number = staff.reveal_id_number()
    logger = logging.getLogger("window.test")
    from core.logging import MaskIdNumbersFilter

    logger.addFilter(MaskIdNumbersFilter())
    with caplog.at_level(logging.INFO, logger="window.test"):
        logger.info("import row with id %s failed", number)
    assert number not in caplog.text
    assert staff.id_number_masked in caplog.text


def test_masking_helper_masks_lower_case_x_and_leaves_other_numbers():
    assert mask_id_numbers_in_text("id 11010519491231002x ok") == "id 110***********002X ok"
    assert mask_id_numbers_in_text("order 12345") == "order 12345"
