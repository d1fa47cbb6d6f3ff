"""The demo organisation is deterministic; /healthz answers."""

import datetime
import random

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from organisation.demo import seed_organisation
from organisation.models import Department, RoleAssignment, Staff
from roster.demo import seed_roster
from roster.models import RosterImport
from training.simulation import went_live


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


@pytest.mark.parametrize(
    ("today", "live"),
    [
        # Before the 15th the last month's guidance may not have run: two months back.
        ("2026-11-01", "2026-09-01"),
        ("2026-11-14", "2026-09-01"),
        # From the 15th, last month's exam, make-up and guidance are over: one month.
        ("2026-11-15", "2026-10-01"),
        ("2026-11-30", "2026-10-01"),
        ("2027-01-03", "2026-11-01"),
        ("2027-01-20", "2026-12-01"),
        ("2027-03-31", "2027-02-01"),
    ],
)
def test_the_demo_city_lives_one_and_a_half_to_two_and_a_half_months(today, live):
    assert went_live(datetime.date.fromisoformat(today), 2) == datetime.date.fromisoformat(live)
    assert went_live(datetime.date.fromisoformat(today), 3) < datetime.date.fromisoformat(live)


@pytest.mark.django_db
def test_the_demo_organisation_is_deterministic():
    """The demo's units, staff and sign-ins come out the same on every machine (the
    README names them). The whole city, and what the README promises of it, is checked
    once in tests/browser/test_demo_city_e2e.py: building it takes a minute."""
    seed_organisation(seed=20261123)
    seed_roster(rng=random.Random(20261123))
    first = _fingerprint()
    RosterImport.objects.all().delete()
    RoleAssignment.objects.all().delete()
    Staff.objects.all().delete()
    Department.objects.all().delete()
    get_user_model().objects.all().delete()
    seed_organisation(seed=20261123)
    seed_roster(rng=random.Random(20261123))
    assert _fingerprint() == first
    assert len(first[1]) > 5000


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
