"""The audit browse page shows an entry's details as people read them."""

import pytest

from audit.services import audit_record

pytestmark = pytest.mark.django_db


def test_the_audit_page_shows_details_as_pairs_never_a_python_dict(client, city, administrator):
    audit_record(
        action="training.digest_sent",
        data={"recipients": ["HZ000001", "HZ001292"], "people": 12, "unit": None},
    )
    client.force_login(administrator)
    page = client.get("/audit/?action=training")
    assert page.status_code == 200
    # PostgreSQL's jsonb keeps its own key order, so each pair is looked for alone.
    for pair in ("recipients: HZ000001、HZ001292", "people: 12", "unit: —"):
        assert pair in page.text
    assert "{&#x27;recipients&#x27;" not in page.text


def test_yes_and_no_are_words_not_python_booleans(client, city, administrator):
    audit_record(action="roster.committed", data={"sync": True, "confirm_transfers": False})
    client.force_login(administrator)
    page = client.get("/audit/?action=roster")
    assert "sync: 是" in page.text and "confirm_transfers: 否" in page.text
    assert "True" not in page.text and "False" not in page.text
