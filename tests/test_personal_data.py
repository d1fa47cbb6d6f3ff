"""No full national ID number leaks: not in pages, API responses, exports, logs or a
database dump. Only an administrator's explicit, audited reveal shows one."""

import io
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from organisation.models import Role

from .factories import StaffFactory, add_totp, make_user_with_role


@pytest.fixture
def people(city):
    staff = [
        StaffFactory(department=dept)
        for dept in (city.county_a, city.township_a1, city.township_a2, city.township_b1)
    ]
    numbers = {s.reveal_id_number() for s in staff}
    return staff, numbers


def _assert_clean(text: str, numbers: set[str], where: str):
    leaked = [n for n in numbers if n in text or n.lower() in text]
    assert leaked == [], f"full ID number in {where}"


def _pages(city, staff):
    first = staff[0]
    return [
        reverse("home"),
        reverse("organisation:unit_detail", args=[city.city.pk]),
        reverse("organisation:unit_detail", args=[city.county_a.pk]) + "?q=" + first.name,
        reverse("organisation:staff_detail", args=[first.public_id]),
        "/api/staff/",
        f"/api/staff/{first.public_id}/",
        "/api/departments/",
        "/audit/",
        "/audit/export.xlsx",
        f"/certificates/dashboard/{city.county_a.pk}/",
        f"/certificates/dashboard/{city.county_a.pk}/export.xlsx",
        f"/certificates/units/{city.county_a.pk}/gap/",
        "/training/records.xlsx",
        "/training/matrix/",
        "/roster/",
        "/roster/template.xlsx",
    ]


def test_pages_api_and_exports_show_only_masked_numbers(client, city, people, caplog):
    staff, numbers = people
    admin = make_user_with_role(Role.ADMINISTRATOR, city.city)
    add_totp(admin)
    client.force_login(admin)
    with caplog.at_level(logging.DEBUG):
        for url in _pages(city, staff):
            response = client.get(url)
            assert response.status_code == 200, url
            body = response.content
            if url.endswith(".xlsx"):
                from openpyxl import load_workbook

                book = load_workbook(io.BytesIO(body))
                body = "\n".join(
                    str(c) for ws in book for row in ws.iter_rows(values_only=True) for c in row
                ).encode()
            _assert_clean(body.decode(), numbers, url)
    assert staff[0].id_number_masked in client.get(_pages(city, staff)[3]).text
    _assert_clean(caplog.text, numbers, "logs")


def test_certificate_pdf_shows_only_the_masked_number(client, city, people):
    from pypdf import PdfReader

    from certificates.models import SkillLevel
    from certificates.pdf import render_certificate_pdf
    from certificates.services import certificate_issue, certification_settings_get

    from .certificates.helpers import passed_assessment

    staff, numbers = people
    certification_settings_get()
    certificate = certificate_issue(
        assessment=passed_assessment(staff[1], SkillLevel.objects.get(code=5))
    )
    text = PdfReader(io.BytesIO(render_certificate_pdf(certificate))).pages[0].extract_text()
    _assert_clean(text, numbers, "certificate PDF")


def test_database_dump_holds_no_clear_id_number(city, people):
    _, numbers = people
    out = io.StringIO()
    call_command("dumpdata", "--natural-foreign", stdout=out)
    dump = out.getvalue()
    _assert_clean(dump, numbers, "dumpdata")
    assert any(n[:3] + "*" * 11 + n[-4:] in dump for n in numbers)  # masked form is there


def test_reveal_is_the_only_way_and_is_audited(client, city, people):
    from audit.models import AuditEntry

    staff, _numbers = people
    admin = make_user_with_role(Role.ADMINISTRATOR, city.city)
    add_totp(admin)
    client.force_login(admin)
    response = client.post(f"/api/staff/{staff[0].public_id}/reveal/")
    assert response.json()["id_number"] == staff[0].reveal_id_number()
    entries = AuditEntry.objects.filter(action="staff.id_number_revealed")
    assert entries.count() == 1
    _assert_clean(str(list(entries.values_list("data", flat=True))), _numbers, "audit data")
