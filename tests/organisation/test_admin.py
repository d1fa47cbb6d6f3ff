"""The Django admin: administrators only, scoped like every other door."""

from organisation.models import Role

from ..factories import StaffFactory, add_totp, make_user_with_role


def test_admin_staff_list_is_scoped_to_the_administrators_subtree(client, city):
    admin = make_user_with_role(Role.ADMINISTRATOR, city.county_a)
    add_totp(admin)
    StaffFactory(department=city.township_a1, name="甲县人员")
    hidden = StaffFactory(department=city.township_b1, name="乙县人员")
    client.force_login(admin)
    response = client.get("/admin/organisation/staff/")
    assert response.status_code == 200
    assert "甲县人员" in response.text and "乙县人员" not in response.text
    assert client.get(f"/admin/organisation/staff/{hidden.pk}/change/").status_code in (302, 404)
    assert hidden.reveal_id_number() not in response.text


def test_coordinators_and_managers_cannot_use_the_admin(client, city, coordinator_a, manager_a):
    for user in (coordinator_a, manager_a):
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302
        assert "/login/" in response["Location"]


def test_city_administrator_uses_the_admin_for_the_unit_tree(client, city, administrator):
    client.force_login(administrator)
    assert client.get("/admin/").status_code == 200
    response = client.get("/admin/organisation/department/")
    assert response.status_code == 200
    assert "测试市" in response.text
