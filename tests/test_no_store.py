"""Pages and files with personal data are never kept by a browser or proxy cache.

Figure from the probe (issue 15): /org/staff/<uuid>/, /api/staff/,
/training/records.xlsx and the exports sent no Cache-Control at all.
"""

import pytest
from django.urls import reverse

from .factories import StaffFactory


@pytest.mark.parametrize(
    "url",
    [
        "staff_detail",
        "/api/staff/",
        "/api/me/",
        "/training/records.xlsx",
        "/audit/export.xlsx",
        "/",
    ],
)
def test_personal_data_is_sent_no_store(client, city, administrator, url):
    staff = StaffFactory(department=city.township_a1)
    if url == "staff_detail":
        url = reverse("organisation:staff_detail", args=[staff.public_id])
    client.force_login(administrator)
    response = client.get(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_a_views_own_cache_control_is_kept(client, city, administrator):
    staff = StaffFactory(department=city.township_b1)
    client.force_login(administrator)
    response = client.post(reverse("organisation:staff_reveal", args=[staff.public_id]))
    assert response["Cache-Control"] == "no-store"
