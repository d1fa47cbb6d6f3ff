"""Public verification: no sign-in, number + code or the QR link, masked name,
status, rate limit, nothing revealed by the number alone."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from .helpers import issued_certificate


@pytest.fixture(autouse=True)
def _clear_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def certificate(city, levels):
    return issued_certificate(city.township_a1, levels[4], name="张小明")


def _post(client, number, code, **extra):
    return client.post(reverse("certificates:verify"), {"number": number, "code": code}, **extra)


def test_the_verification_page_needs_no_sign_in(client, certificate):
    response = client.get(reverse("certificates:verify"))
    assert response.status_code == 200
    response = _post(client, certificate.number, certificate.verification_code)
    content = response.content.decode()
    assert response.status_code == 200
    assert "张*明" in content and "张小明" not in content
    assert "四级/中级工" in content
    assert "status-valid" in content


def test_the_masked_id_number_is_shown_beside_the_masked_name(client, certificate):
    """A verifier matches the certificate to the ID card of the person in front of
    them: first 3 and last 4 characters, never more."""
    full = certificate.staff.reveal_id_number()
    masked = certificate.id_number_masked
    assert masked == full[:3] + "*" * 11 + full[-4:]
    page = _post(client, certificate.number, certificate.verification_code).content.decode()
    assert masked in page and full not in page
    api = client.get(reverse("api-certificate-verify-code", args=[certificate.verification_code]))
    assert api.json()["id_number"] == masked
    assert full not in api.content.decode()


def test_the_qr_link_shows_the_certificate(client, certificate):
    response = client.get(reverse("certificates:verify_code", args=[certificate.verification_code]))
    assert response.status_code == 200
    assert "张*明" in response.content.decode()


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_expired_and_revoked_certificates_say_so(client, certificate, state):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    if state == "expired":
        certificate.expires_on = yesterday
    else:
        certificate.revoked_on = yesterday
        certificate.revoked_reason = "违规"
    certificate.save()
    response = _post(client, certificate.number, certificate.verification_code)
    assert f"status-{state}" in response.content.decode()
    api = client.get(
        reverse("api-certificate-verify-code", args=[certificate.verification_code])
    ).json()
    assert api["status"] == state
    assert "违规" not in response.content.decode()


def test_the_number_alone_or_with_a_wrong_code_reveals_nothing(client, certificate):
    for code in ("", "WRONGCODE", certificate.number):
        response = _post(client, certificate.number, code)
        assert "张*明" not in response.content.decode()
    response = client.post(
        reverse("api-certificate-verify"), {"number": certificate.number, "code": "X" * 16}
    )
    assert response.status_code == 404
    assert response.json() == {"found": False}
    response = client.post(reverse("api-certificate-verify"), {"number": certificate.number})
    assert response.status_code == 400


def test_unknown_certificates_are_reported_as_not_found(client, db):
    response = _post(client, "ZC20260000001", "ABCDEFGHJKLMNPQR")
    assert "status-valid" not in response.content.decode()
    assert client.get(reverse("certificates:verify_code", args=["NOPE"])).status_code == 404


def test_the_api_verifies_by_number_and_code(client, certificate):
    response = client.post(
        reverse("api-certificate-verify"),
        {"number": certificate.number.lower(), "code": certificate.verification_code.lower()},
    )
    assert response.status_code == 200
    data = response.json()
    assert data["found"] is True
    assert data["name"] == "张*明"
    assert data["status"] == "valid"
    assert data["level"] == "四级/中级工"


def test_verification_is_rate_limited_per_ip(client, certificate):
    for _ in range(20):
        assert _post(client, certificate.number, "WRONG").status_code == 200
    response = _post(client, certificate.number, certificate.verification_code)
    assert response.status_code == 429
    assert "张*明" not in response.content.decode()
    api = client.get(reverse("api-certificate-verify-code", args=[certificate.verification_code]))
    assert api.status_code == 429
    # Another address is not affected.
    other = _post(client, certificate.number, certificate.verification_code, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200


def test_the_rate_limit_message_is_in_chinese(client, certificate):
    for _ in range(21):
        response = _post(client, certificate.number, "WRONG", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert "查询过于频繁" in response.content.decode()
