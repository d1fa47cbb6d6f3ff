"""Pages and API for learners, coordinators, managers and administrators."""

import datetime
import io

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from certificates.models import Assessment, Certificate, RateSnapshot
from organisation.models import Department, Role, Staff

from ..factories import DepartmentFactory, StaffFactory, make_user_with_role
from .helpers import issued_certificate, passed_assessment, quick_certificate


def test_a_learner_sees_and_downloads_their_own_certificate(client, city, levels, learner_a1):
    user, staff = learner_a1
    own = quick_certificate(staff, levels[5], issued=datetime.date(2026, 1, 5))
    other = issued_certificate(city.township_a1, levels[5])
    client.force_login(user)
    page = client.get(reverse("certificates:index")).content.decode()
    assert own.number in page and other.number not in page
    response = client.get(reverse("certificates:pdf", args=[own.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert client.get(reverse("certificates:pdf", args=[other.public_id])).status_code == 404
    assert client.get(reverse("certificates:detail", args=[other.public_id])).status_code == 404


def test_a_learner_without_a_certificate_is_told_how_to_get_one(client, learner_a1):
    client.force_login(learner_a1[0])
    page = client.get(reverse("certificates:index"), HTTP_ACCEPT_LANGUAGE="en")
    assert "My certificates" in page.content.decode() or "我的证书" in page.content.decode()
    assert "certificates/c/" not in page.content.decode()


def test_coordinators_see_their_units_certificates_and_who_still_needs_one(
    client, city, levels, coordinator_a
):
    mine = issued_certificate(city.township_a1, levels[5])
    theirs = issued_certificate(city.township_b1, levels[5])
    waiting = StaffFactory(department=city.township_a2, name="待认证")
    client.force_login(coordinator_a)
    page = client.get(reverse("certificates:unit_certificates", args=[city.county_a.pk]))
    assert mine.number in page.content.decode() and theirs.number not in page.content.decode()
    gap = client.get(reverse("certificates:gap", args=[city.county_a.pk])).content.decode()
    assert waiting.name in gap and mine.holder_name not in gap
    assert client.get(reverse("certificates:gap", args=[city.county_b.pk])).status_code == 404


def test_managers_see_rates_but_not_who(client, city, levels, manager_a):
    StaffFactory(department=city.township_a2, name="待认证")
    client.force_login(manager_a)
    assert client.get(reverse("certificates:gap", args=[city.county_a.pk])).status_code == 404
    page = client.get(reverse("certificates:dashboard_unit", args=[city.township_a2.pk]))
    assert page.status_code == 200
    assert "待认证" not in page.content.decode()


def test_the_dashboard_counts_cards_below(city, levels, manager_a):
    from certificates.dashboard import dashboard_build

    quick_certificate(
        StaffFactory(department=city.township_a1), levels[5], issued=datetime.date(2026, 1, 1)
    )
    StaffFactory(department=city.township_a2)
    board = dashboard_build(user=manager_a, department=city.county_a)
    assert (board.red_units, board.yellow_units) == (1, 0)  # A2 at 0%; A1 at 100%
    assert [u.name for u in board.league] == ["甲一镇", "甲二镇"]


def test_dashboard_is_scoped_to_the_users_subtree(client, city, manager_a):
    client.force_login(manager_a)
    response = client.get(reverse("certificates:dashboard"))
    assert response.url == reverse("certificates:dashboard_unit", args=[city.county_a.pk])
    for unit in (city.city, city.county_b, city.township_b1):
        url = reverse("certificates:dashboard_unit", args=[unit.pk])
        assert client.get(url).status_code == 404
        xlsx = reverse("certificates:dashboard_xlsx", args=[unit.pk])
        assert client.get(xlsx).status_code == 404


def test_learners_have_no_dashboard(client, city, learner_a1):
    client.force_login(learner_a1[0])
    url = reverse("certificates:dashboard_unit", args=[city.township_a1.pk])
    assert client.get(url).status_code == 404


def _grow(city, levels, units: int):
    for i in range(units):
        dept = DepartmentFactory(parent=city.township_b1)
        staff = StaffFactory(department=dept)
        if i % 2:
            quick_certificate(staff, levels[5], issued=datetime.date(2026, 1, 1))


def test_the_dashboard_takes_the_same_number_of_queries_for_3_or_30_units(
    client, city, levels, administrator, django_assert_num_queries
):
    client.force_login(administrator)
    url = reverse("certificates:dashboard_unit", args=[city.city.pk])
    _grow(city, levels, 3)
    client.get(url)  # warm caches (sessions, content types)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(city, levels, 27)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_the_xlsx_export_opens_with_the_expected_cells(client, city, levels, coordinator_a):
    quick_certificate(
        StaffFactory(department=city.township_a1), levels[5], issued=datetime.date(2026, 1, 1)
    )
    StaffFactory(department=city.township_a1, name="=HYPERLINK()")
    client.force_login(coordinator_a)
    response = client.get(reverse("certificates:dashboard_xlsx", args=[city.county_a.pk]))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(response.content))
    ws = wb.worksheets[0]
    with translation.override("zh-hans"):
        labels = {k: gettext(k) for k in ("Code", "Certified rate", "Red card")}
    assert ws["A2"].value == labels["Code"]
    assert ws["F2"].value == labels["Certified rate"]
    assert ws["A3"].value == "A"
    assert (ws["D3"].value, ws["E3"].value, ws["F3"].value, ws["G3"].value) == (2, 1, 0.5, 1)
    assert ws["F3"].number_format == "0.0%"
    assert ws["H3"].value == labels["Red card"]
    rows = {ws.cell(row=r, column=1).value: r for r in range(3, ws.max_row + 1)}
    assert ws.cell(row=rows["A1"], column=6).value == 0.5
    trend = wb.worksheets[1]
    assert trend.max_row == 2  # no snapshots yet: today's figure only
    assert (trend["B2"].value, trend["C2"].value, trend["D2"].value) == (2, 1, 0.5)
    people = wb.worksheets[2]
    names = [people.cell(row=r, column=2).value for r in range(2, people.max_row + 1)]
    assert names == ["'=HYPERLINK()"]


def test_the_pdf_report_lists_the_units(client, city, levels, manager_a):
    quick_certificate(
        StaffFactory(department=city.township_a1), levels[5], issued=datetime.date(2026, 1, 1)
    )
    client.force_login(manager_a)
    response = client.get(reverse("certificates:dashboard_pdf", args=[city.county_a.pk]))
    assert response.status_code == 200
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert "甲县" in text and "甲一镇" in text


def test_issuing_through_the_pages(client, city, levels, coordinator_a):
    staff = StaffFactory(department=city.township_a1, staff_number="HZ1")
    client.force_login(coordinator_a)
    response = client.post(
        reverse("certificates:assessments"), {"staff_number": "HZ1", "level": levels[5].pk}
    )
    assessment = Assessment.objects.get(candidate=staff)
    assert response.url == reverse("certificates:assessment_detail", args=[assessment.public_id])
    url = response.url
    for part, score in (("theory", "81"), ("practical", "77.5")):
        client.post(url, {"action": "score", "score-part": part, "score-score": score})
    assessment.refresh_from_db()
    assert assessment.status == "passed"
    response = client.post(url, {"action": "issue"})
    certificate = Certificate.objects.get(assessment=assessment)
    assert response.url == reverse("certificates:detail", args=[certificate.public_id])


def test_coordinators_cannot_open_assessments_of_other_units(client, city, levels, coordinator_a):
    assessment = passed_assessment(StaffFactory(department=city.township_b1), levels[5])
    client.force_login(coordinator_a)
    url = reverse("certificates:assessment_detail", args=[assessment.public_id])
    assert client.post(url, {"action": "issue"}).status_code == 404
    assert not Certificate.objects.exists()


def test_only_administrators_revoke(client, city, levels, coordinator_a, administrator):
    certificate = issued_certificate(city.township_a1, levels[5])
    url = reverse("certificates:revoke", args=[certificate.public_id])
    client.force_login(coordinator_a)
    assert client.post(url, {"reason": "作弊"}).status_code == 404
    certificate.refresh_from_db()
    assert certificate.revoked_on is None
    client.force_login(administrator)
    client.post(url, {"reason": "作弊"})
    certificate.refresh_from_db()
    assert certificate.revoked_on is not None


def test_the_api_lists_only_visible_certificates(client, city, levels, coordinator_a):
    mine = issued_certificate(city.township_a1, levels[5])
    issued_certificate(city.township_b1, levels[5])
    client.force_login(coordinator_a)
    data = client.get("/api/certificates/certificates/").json()
    assert [row["number"] for row in data["results"]] == [mine.number]
    rates = client.get(f"/api/certificates/rates/{city.county_a.pk}/").json()
    assert rates[0]["code"] == "A"
    assert client.get(f"/api/certificates/rates/{city.city.pk}/").status_code == 404


def test_the_snapshot_command_is_safe_to_run_twice(city, levels):
    issued_certificate(city.township_a1, levels[5])
    call_command("certificate_snapshots")
    call_command("certificate_snapshots")
    assert RateSnapshot.objects.count() == 6
    call_command("certificate_snapshots", "--rebuild", "3")
    assert RateSnapshot.objects.count() == 18


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.MANAGER])
def test_bundles_are_only_downloadable_by_who_asked(client, city, levels, role):
    issued_certificate(city.township_a1, levels[5])
    user = make_user_with_role(role, city.county_a)
    other = make_user_with_role(role, city.county_a)
    client.force_login(user)
    response = client.post(reverse("certificates:bundle_request", args=[city.county_a.pk]))
    bundle_url = response.url
    assert client.get(bundle_url + "?download=1").status_code == 200
    client.force_login(other)
    assert client.get(bundle_url).status_code == 404


def test_demo_certificates_give_uneven_rates_and_a_climbing_trend(db):
    import random

    from certificates.demo import seed_certificates
    from certificates.rates import unit_rates
    from organisation.demo import seed_organisation

    seed_organisation(seed=7)
    result = seed_certificates(rng=random.Random(7))
    assert result.certificates > 3000 and result.snapshots == 12
    root = Department.objects.get(depth=1)
    units = unit_rates(root=root)
    assert 0.6 < units[root.pk].rate < 0.95
    assert {u.card for u in units.values()} >= {"red", "yellow", ""}
    trend = list(
        RateSnapshot.objects.filter(department=root)
        .order_by("month_end")
        .values_list("certified", flat=True)
    )
    assert trend == sorted(trend) and trend[0] < trend[-1]
    learners = Staff.objects.filter(user__isnull=False, user__role_assignments__isnull=True)
    counts = [s.certificates.count() for s in learners.order_by("staff_number")[:2]]
    assert counts == [1, 0]


def test_practical_import_page_checks_then_imports(client, city, levels, coordinator_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = StaffFactory(department=city.township_a1, name="张三", staff_number="S1")
    wb = openpyxl.Workbook()
    wb.active.append(["工号", "姓名", "等级", "实操成绩"])
    wb.active.append(["S1", "张三", 5, 91])
    buffer = io.BytesIO()
    wb.save(buffer)

    def upload():
        return SimpleUploadedFile("scores.xlsx", buffer.getvalue())

    client.force_login(coordinator_a)
    url = reverse("certificates:import")
    response = client.post(url, {"file": upload(), "apply": "0"})
    assert response.status_code == 200
    assert not Assessment.objects.filter(candidate=staff).exists()
    response = client.post(url, {"file": upload(), "apply": "1"})
    assert response.status_code == 302
    assert Assessment.objects.get(candidate=staff).practical_score == 91
    template = client.get(reverse("certificates:import_template"))
    assert template.status_code == 200


def test_learners_cannot_import_or_see_assessments(client, learner_a1):
    client.force_login(learner_a1[0])
    for name in ("import", "import_template", "assessments", "external_new"):
        assert client.get(reverse(f"certificates:{name}")).status_code == 404


def test_certificates_from_elsewhere_have_no_pdf_of_ours(client, city, levels, administrator):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from certificates.services import certificate_record_external

    certificate = certificate_record_external(
        staff=StaffFactory(department=city.township_a1),
        level=levels[4],
        number="JX-1",
        issue_date=datetime.date(2020, 1, 1),
        assessment_body="江西省职业技能鉴定指导中心",
        evidence=SimpleUploadedFile("a.pdf", b"%PDF-1.4 scan"),
        acting_user=administrator,
    )
    client.force_login(administrator)
    assert client.get(reverse("certificates:pdf", args=[certificate.public_id])).status_code == 404
    evidence = client.get(reverse("certificates:evidence", args=[certificate.public_id]))
    assert evidence.status_code == 200
    assert b"".join(evidence.streaming_content).startswith(b"%PDF")


def test_an_administrator_records_a_paper_certificate_through_the_page(
    client, city, levels, administrator, coordinator_a
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    StaffFactory(department=city.township_b1, staff_number="P1")
    data = {
        "staff_number": "P1",
        "level": levels[4].pk,
        "number": "JX-2019-7",
        "issue_date": "2019-06-01",
        "assessment_body": "江西省职业技能鉴定指导中心",
    }
    client.force_login(coordinator_a)
    url = reverse("certificates:external_new")
    assert client.get(url).status_code == 404
    client.force_login(administrator)
    bad = client.post(url, {**data, "evidence": SimpleUploadedFile("a.pdf", b"GIF89a")})
    assert bad.status_code == 200 and not Certificate.objects.exists()
    good = client.post(url, {**data, "evidence": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n")})
    certificate = Certificate.objects.get()
    assert good.url == reverse("certificates:detail", args=[certificate.public_id])
    assert certificate.source == "external"


def test_practical_import_page_imports_the_valid_rows_and_returns_the_rejected_ones(
    client, city, levels, coordinator_a
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    staff = StaffFactory(department=city.township_a1, name="张三", staff_number="S1")
    wb = openpyxl.Workbook()
    wb.active.append(["工号", "姓名", "等级", "实操成绩"])
    wb.active.append(["S1", "张三", 5, 91])
    wb.active.append(["S9", "无此人", 5, 80])
    buffer = io.BytesIO()
    wb.save(buffer)

    def upload():
        return SimpleUploadedFile("scores.xlsx", buffer.getvalue())

    client.force_login(coordinator_a)
    url = reverse("certificates:import")
    response = client.post(url, {"file": upload(), "apply": "1"})
    assert response.status_code == 200 and [e["row"] for e in response.context["errors"]] == [3]
    assert not Assessment.objects.exists()
    rejected = client.post(url, {"file": upload(), "apply": "rejected"})
    sheet = openpyxl.load_workbook(io.BytesIO(rejected.content)).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == ["S9"]
    assert sheet["A2"].comment is not None
    response = client.post(url, {"file": upload(), "apply": "valid"})
    assert response.status_code == 200 and response.context["result"].committed
    assert Assessment.objects.get(candidate=staff).practical_score == 91
