"""The demo city is deterministic; /healthz answers."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from organisation.crypto import decrypt_id_number
from organisation.idnumbers import validate_id_number
from organisation.models import Department, DepartmentKind, RoleAssignment, Staff


def _fingerprint():
    units = list(Department.objects.order_by("path").values_list("path", "code", "name", "kind"))
    staff = list(
        Staff.objects.order_by("staff_number").values_list(
            "staff_number",
            "name",
            "id_number_hash",
            "mobile",
            "department__code",
            "is_window_staff",
            "status",
            "public_id",
        )
    )
    roles = list(
        RoleAssignment.objects.order_by("user__username").values_list(
            "user__username", "role", "department__code"
        )
    )
    return units, staff, roles


def _wipe():
    from exams.models import Attempt, ExamSession, KnowledgePoint, Question

    Attempt.objects.all().delete()
    ExamSession.objects.all().delete()
    Question.objects.all().delete()
    KnowledgePoint.objects.all().delete()
    from roster.models import RosterImport
    from training.models import Programme

    RosterImport.objects.all().delete()
    from certificates.models import Assessment, Certificate, CertificateCounter

    Certificate.objects.all().delete()
    Assessment.objects.all().delete()
    CertificateCounter.objects.all().delete()
    Programme.objects.all().delete()
    RoleAssignment.objects.all().delete()
    Staff.objects.all().delete()
    Department.objects.all().delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.all().delete()


@pytest.mark.django_db
def test_seed_demo_is_deterministic_and_realistic(capsys):
    call_command("seed_demo")
    first = _fingerprint()
    out = capsys.readouterr().out
    _wipe()
    call_command("seed_demo")
    assert _fingerprint() == first

    units, staff, roles = first
    kinds = [u[3] for u in units]
    assert 290 <= len(units) <= 320
    assert kinds.count(DepartmentKind.CITY_DEPARTMENT) == 43
    assert kinds.count(DepartmentKind.COUNTY) == 19
    assert 200 <= kinds.count(DepartmentKind.TOWNSHIP) <= 240
    window = [s for s in staff if s[5]]
    assert 5500 <= len(window) <= 6500
    assert {r[1] for r in roles} == {"administrator", "coordinator", "manager"}
    # Every ID number is valid, and stored encrypted, never in clear.
    sample = Staff.objects.order_by("?")[:50]
    for row in sample:
        number = decrypt_id_number(row.id_number_encrypted)
        assert validate_id_number(number) == number
        assert number not in row.id_number_encrypted
    assert "admin" in out and "Demo@2026" in out


@pytest.mark.django_db
def test_seed_demo_refuses_a_database_with_data_unless_if_empty(city):
    with pytest.raises(CommandError):
        call_command("seed_demo")
    call_command("seed_demo", "--if-empty")
    assert Department.objects.count() == 6


def test_healthz_answers_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert client.get("/healthz/live").json() == {"status": "ok"}


_NO_REDIS = {
    "default": {
        # Nothing listens on port 9 (discard) here: connections are refused at once.
        "BACKEND": "core.cache.ReusingRedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
    }
}


def test_readiness_reports_the_cache_and_liveness_does_not(client, db):
    """The probe: /healthz said ok while Redis was down and sign-in answered 500."""
    with override_settings(CACHES=_NO_REDIS):
        ready = client.get("/healthz")
        live = client.get("/healthz/live")
    assert ready.status_code == 503
    assert ready.json() == {"status": "error", "database": "ok", "cache": "unavailable"}
    assert live.status_code == 200


@override_settings(SECURE_SSL_REDIRECT=True, ALLOWED_HOSTS=["peixun.example.gov.cn"])
def test_the_balancers_plain_http_probe_by_address_is_answered(client, db):
    # Everything else is redirected to HTTPS (or refused for an unknown host)...
    assert (
        client.get("/accounts/login/", headers={"host": "peixun.example.gov.cn"}).status_code == 301
    )
    # ...but the health checks answer over plain HTTP, whatever the Host header.
    for path in ("/healthz", "/healthz/live"):
        response = client.get(path, headers={"host": "10.0.0.5:8000"})
        assert response.status_code == 200, path
