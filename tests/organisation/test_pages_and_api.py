"""Unit and staff pages and API: scoped, masked, audited; denied writes change nothing."""

import pytest
from django.urls import reverse

from audit.models import AuditEntry
from organisation.models import Staff

from ..factories import StaffFactory


def test_coordinator_sees_own_subtree_staff_with_masked_id(client, city, coordinator_a):
    mine = StaffFactory(department=city.township_a1, name="张三")
    other = StaffFactory(department=city.township_b1, name="李四")
    client.force_login(coordinator_a)
    response = client.get(reverse("organisation:unit_detail", args=[city.county_a.pk]))
    assert response.status_code == 200
    assert "张三" in response.text and "李四" not in response.text
    assert mine.id_number_masked in response.text
    assert mine.reveal_id_number() not in response.text
    assert (
        client.get(reverse("organisation:unit_detail", args=[city.county_b.pk])).status_code == 404
    )
    assert (
        client.get(reverse("organisation:staff_detail", args=[other.public_id])).status_code == 404
    )


def test_unit_list_redirects_to_the_users_top_unit(client, city, manager_a):
    client.force_login(manager_a)
    response = client.get(reverse("organisation:unit_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("organisation:unit_detail", args=[city.county_a.pk])


def test_learner_has_no_unit_pages(client, city, learner_a1):
    user, _ = learner_a1
    client.force_login(user)
    assert client.get(reverse("organisation:unit_list")).status_code == 404
    assert (
        client.get(reverse("organisation:unit_detail", args=[city.township_a1.pk])).status_code
        == 404
    )


def test_administrator_reveal_is_audited(client, city, administrator):
    staff = StaffFactory(department=city.township_b1)
    client.force_login(administrator)
    response = client.post(reverse("organisation:staff_reveal", args=[staff.public_id]))
    assert response.status_code == 200
    assert staff.reveal_id_number() in response.text
    assert response["Cache-Control"] == "no-store"
    assert (
        AuditEntry.objects.filter(action="staff.id_number_revealed", actor=administrator).count()
        == 1
    )


def test_coordinator_cannot_reveal_and_nothing_is_shown(client, city, coordinator_a):
    staff = StaffFactory(department=city.township_a1)
    client.force_login(coordinator_a)
    response = client.post(reverse("organisation:staff_reveal", args=[staff.public_id]))
    assert response.status_code == 404
    assert staff.reveal_id_number() not in response.text
    assert AuditEntry.objects.filter(action="staff.id_number_reveal_denied").count() == 1


def test_manager_cannot_issue_passwords_and_nothing_changes(client, city, manager_a):
    staff = StaffFactory(department=city.township_a1)
    client.force_login(manager_a)
    response = client.post(reverse("organisation:staff_issue_password", args=[staff.public_id]))
    assert response.status_code == 404
    staff.refresh_from_db()
    assert staff.user is None


def test_coordinator_issues_a_one_time_password(client, city, coordinator_a):
    staff = StaffFactory(department=city.township_a1)
    client.force_login(coordinator_a)
    response = client.post(reverse("organisation:staff_issue_password", args=[staff.public_id]))
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.user.must_change_password
    code = response.context["code"]
    assert staff.user.check_password(code)
    assert code not in str(list(AuditEntry.objects.values_list("data", flat=True)))


def test_coordinator_adds_staff_with_chinese_errors(client, city, coordinator_a):
    client.force_login(coordinator_a)
    url = reverse("organisation:staff_create", args=[city.township_a1.pk])
    bad = {"name": "王五", "id_number": "110105491231002", "staff_number": "N1", "mobile": "123"}
    response = client.post(url, bad)
    assert response.status_code == 200
    assert "15 位" in response.text or "15位" in response.text
    assert not Staff.objects.filter(staff_number="N1").exists()
    good = {**bad, "id_number": "11010519491231002x", "mobile": "13800000000"}
    response = client.post(url, good)
    assert response.status_code == 302
    staff = Staff.objects.get(staff_number="N1")
    assert staff.id_number_masked == "110***********002X"
    assert staff.department == city.township_a1


def test_api_staff_list_is_scoped_and_masked(client, city, coordinator_a):
    mine = StaffFactory(department=city.township_a2)
    StaffFactory(department=city.township_b1)
    client.force_login(coordinator_a)
    data = client.get("/api/staff/").json()
    assert [row["id"] for row in data["results"]] == [str(mine.public_id)]
    assert data["results"][0]["id_number"] == mine.id_number_masked


@pytest.mark.parametrize("place", ["county_b", "township_b1"])
def test_api_create_outside_subtree_is_refused_and_nothing_written(
    client, city, coordinator_a, place
):
    client.force_login(coordinator_a)
    target = getattr(city, place)
    response = client.post(
        "/api/staff/",
        {
            "name": "赵六",
            "id_number": "11010519491231002X",
            "staff_number": "X9",
            "department": target.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 404
    assert not Staff.objects.filter(staff_number="X9").exists()


def test_api_validation_errors_have_one_format(client, city, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post(
        "/api/staff/",
        {
            "name": "赵六",
            "id_number": "110105194912310021",
            "staff_number": "X9",
            "department": city.township_a1.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert "id_number" in body["errors"]
    assert body["detail"]


def test_api_schema_and_docs_are_served(client, city, administrator):
    client.force_login(administrator)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
