"""API tokens: issued for the right password, refused otherwise, throttled."""

from django.core.cache import cache
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from organisation.services import staff_create_account

from ..factories import StaffFactory, UserFactory


def setup_function():
    cache.clear()


def test_token_for_valid_credentials_works_on_the_api(client, city):
    user = UserFactory(username="HZ000200")
    StaffFactory(user=user, department=city.township_a1)
    response = client.post(
        "/api/auth/token/", {"username": "HZ000200", "password": "correct-horse-42"}
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=user).key == token
    me = client.get("/api/me/", headers={"authorization": f"Token {token}"})
    assert me.json()["username"] == "HZ000200"
    entry = AuditEntry.objects.get(action="auth.token_issued")
    assert token not in str(entry.data)


def test_wrong_password_gets_no_token(client, city):
    UserFactory(username="HZ000201")
    response = client.post("/api/auth/token/", {"username": "HZ000201", "password": "nope"})
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_one_time_password_cannot_get_a_token(client, city):
    staff = StaffFactory(department=city.township_a1)
    code = staff_create_account(staff=staff)
    response = client.post("/api/auth/token/", {"username": staff.staff_number, "password": code})
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_token_requests_are_throttled_per_client_address(client, city):
    """Ten requests a minute per address, whatever accounts they name."""
    UserFactory(username="HZ000202")
    codes = [
        client.post("/api/auth/token/", {"username": f"HZ00030{i}", "password": "x"}).status_code
        for i in range(12)
    ]
    assert codes[:10] == [400] * 10
    assert codes[-1] == 429
