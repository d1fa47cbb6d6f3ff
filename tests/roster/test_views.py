"""The upload pages, downloads, background runs and the REST API."""

import io

import openpyxl
import pytest
from django.urls import reverse

from organisation.models import Staff
from roster import services
from roster.models import ImportStatus, RosterImport
from tests.factories import make_user_with_role

from .files import person, upload, xlsx


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(coordinator_a)
    return client


def post_file(client, data, name="roster.xlsx", **fields):
    return client.post(reverse("roster:upload"), {"file": upload(data, name), **fields})


PAGES = ["roster:history", "roster:upload", "roster:template"]


@pytest.mark.parametrize("page", PAGES)
def test_managers_and_learners_get_404_on_every_page(client, city, manager_a, learner_a1, page):
    for user in (manager_a, learner_a1[0]):
        client.force_login(user)
        assert client.get(reverse(page)).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_coordinators_see_every_page(coordinator_client, page):
    assert coordinator_client.get(reverse(page)).status_code == 200


def test_upload_preview_then_commit_through_the_pages(coordinator_client, city):
    response = post_file(coordinator_client, xlsx([person("A1"), person("A2")]), sync="on")
    record = RosterImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("roster:detail", args=[record.public_id])
    assert record.status == ImportStatus.READY and record.sync_mode
    page = coordinator_client.get(response["Location"])
    assert page.status_code == 200
    assert page.context["counts"]["new"] == 2
    assert "roster.js" not in page.content.decode()
    assert not Staff.objects.exists()
    commit = coordinator_client.post(reverse("roster:commit", args=[record.public_id]))
    assert commit.status_code == 302
    assert Staff.objects.count() == 2
    # The password list, once.
    url = reverse("roster:initial_passwords", args=[record.public_id])
    first = coordinator_client.post(url)
    assert first["Content-Type"].startswith("application/vnd.openxmlformats")
    assert first["Cache-Control"] == "no-store"
    sheet = openpyxl.load_workbook(io.BytesIO(first.content)).active
    assert sheet.max_row == 3
    assert coordinator_client.post(url).status_code == 302
    assert coordinator_client.get(url).status_code == 405


def test_the_error_report_highlights_and_comments_the_bad_cells(coordinator_client, city):
    data = xlsx(
        [person(), person(id_number=360102197001011234), person("@SUM(1+1)*cmd")],
        title="花名册",
    )
    post_file(coordinator_client, data)
    record = RosterImport.objects.get()
    assert record.status == ImportStatus.INVALID
    page = coordinator_client.get(reverse("roster:detail", args=[record.public_id]))
    assert [e["row"] for e in page.context["errors"]] == [4, 5]
    response = coordinator_client.get(reverse("roster:error_report", args=[record.public_id]))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value == "花名册"
    bad = sheet["B4"]
    assert bad.fill.fgColor.rgb == "FFF4B6B6"
    assert bad.comment.text == str(services.MSG_ID_AS_NUMBER)
    assert sheet["B3"].comment is None
    assert sheet["D5"].value.startswith("'@")  # formula injection neutralised
    assert sheet["I4"].value and sheet["I3"].value is None


def test_the_template_has_text_columns_a_yes_no_list_unit_codes_and_instructions(
    coordinator_client, city
):
    response = coordinator_client.get(reverse("roster:template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["花名册", "单位编码", "填写说明"]
    sheet = book["花名册"]
    assert [c.value for c in sheet[1]] == [
        "姓名",
        "身份证号",
        "工号",
        "单位编码",
        "岗位",
        "是否综窗人员",
        "手机号",
        "入职日期",
    ]
    assert sheet["B2"].number_format == "@" and sheet["G2"].number_format == "@"
    validation = sheet.data_validations.dataValidation[0]
    assert validation.formula1 == '"是,否"' and "F2" in str(validation.sqref)
    codes = [row[0] for row in book["单位编码"].iter_rows(min_row=2, values_only=True)]
    assert codes == ["A", "A1", "A2"]  # the coordinator's subtree only


def test_the_template_round_trips_through_the_importer(coordinator_client, city):
    response = coordinator_client.get(reverse("roster:template"))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    book["花名册"].append(person("A2"))
    buffer = io.BytesIO()
    book.save(buffer)
    post_file(coordinator_client, buffer.getvalue())
    assert RosterImport.objects.get().status == ImportStatus.READY


def test_large_files_run_in_the_background_with_progress(
    coordinator_client, city, settings, django_capture_on_commit_callbacks
):
    settings.ROSTER_BACKGROUND_ROWS = 3
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_file(coordinator_client, xlsx([person() for _ in range(5)]))
    record = RosterImport.objects.get()
    assert record.status == ImportStatus.QUEUED and record.rows_total == 5
    detail = coordinator_client.get(reverse("roster:detail", args=[record.public_id]))
    html = detail.content.decode()
    assert 'src="/static/js/roster.js"' in html and "<progress" in html
    status = coordinator_client.get(reverse("roster:status", args=[record.public_id])).json()
    assert status == {
        "status": "queued",
        "status_label": status["status_label"],
        "running": True,
        "rows_done": 0,
        "rows_total": 5,
        "percent": 0,
    }
    for callback in callbacks:
        callback()  # the Immediate backend runs the task now
    record.refresh_from_db()
    assert record.status == ImportStatus.READY and record.percent == 100
    with django_capture_on_commit_callbacks(execute=True):
        coordinator_client.post(reverse("roster:commit", args=[record.public_id]))
    record.refresh_from_db()
    assert record.status == ImportStatus.COMMITTED
    assert Staff.objects.count() == 5


def test_another_subtrees_import_is_404_and_unchanged(client, city, coordinator_a, imports):
    coordinator_client = client
    coordinator_client.force_login(coordinator_a)
    post_file(coordinator_client, xlsx([person("A1")]))
    record = imports.get()
    other = make_user_with_role("coordinator", city.county_b)
    client.force_login(other)
    for name in ("roster:detail", "roster:status", "roster:error_report"):
        assert client.get(reverse(name, args=[record.public_id])).status_code == 404
    assert client.post(reverse("roster:commit", args=[record.public_id])).status_code == 404
    assert list(client.get(reverse("roster:history")).context["page"].object_list) == []
    record.refresh_from_db()
    assert record.status == ImportStatus.READY and not Staff.objects.exists()


def test_the_county_coordinator_sees_a_township_coordinators_import(client, city):
    township = make_user_with_role("coordinator", city.township_a1)
    county = make_user_with_role("coordinator", city.county_a)
    client.force_login(township)
    post_file(client, xlsx([person("A1")]))
    client.force_login(county)
    assert len(client.get(reverse("roster:history")).context["page"].object_list) == 1


def test_history_queries_do_not_grow_with_imports(
    coordinator_client, city, django_assert_max_num_queries
):
    for _ in range(3):
        post_file(coordinator_client, xlsx([person()]))
    with django_assert_max_num_queries(8):
        response = coordinator_client.get(reverse("roster:history"))
    assert len(response.context["page"].object_list) == 3
    assert "新增 1，更新 0，错误行 0" in response.text


# --- REST -----------------------------------------------------------------------------


def test_api_upload_returns_the_preview_report_and_commit_writes(coordinator_client, city):
    url = reverse("api-roster-imports")
    response = coordinator_client.post(
        url, {"file": upload(xlsx([person(), person(id_number="1")]))}
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "invalid"
    assert body["report"]["counts"]["error_rows"] == 1
    assert body["report"]["errors"][0]["code"] == "id_length"
    response = coordinator_client.post(url, {"file": upload(xlsx([person()]))})
    public_id = response.json()["id"]
    commit = coordinator_client.post(
        reverse("api-roster-import-commit", args=[public_id]),
        {"confirm_transfers": False},
        content_type="application/json",
    )
    assert commit.status_code == 200 and commit.json()["status"] == "committed"
    again = coordinator_client.post(
        reverse("api-roster-import-commit", args=[public_id]), {}, content_type="application/json"
    )
    assert again.status_code == 400
    history = coordinator_client.get(url).json()
    assert [h["status"] for h in history] == ["committed", "invalid"]
    assert coordinator_client.get(reverse("api-roster-import", args=[public_id])).json()["report"][
        "committed"
    ]


def test_api_refused_file_is_422_with_the_code(coordinator_client, city):
    response = coordinator_client.post(
        reverse("api-roster-imports"), {"file": upload(b"", "e.xlsx")}
    )
    assert response.status_code == 422
    assert response.json()["error_code"] == "file_empty"


def test_api_is_404_for_managers(client, city, manager_a):
    client.force_login(manager_a)
    assert client.get(reverse("api-roster-imports")).status_code == 404
    response = client.post(reverse("api-roster-imports"), {"file": upload(xlsx([person()]))})
    assert response.status_code == 404
    assert not RosterImport.objects.exists()


def test_row_errors_are_shown_in_the_readers_language(client, city, coordinator_a):
    from django.utils import translation

    with translation.override("en"):
        services.roster_upload(
            file=upload(xlsx([person(name=""), person("甲二"), person(mobile="12")])),
            filename="r.xlsx",
            acting_user=coordinator_a,
        )
    record = RosterImport.objects.get()
    assert record.report["errors"][0]["message"] == "Name is required."
    client.force_login(coordinator_a)
    page = client.get(
        reverse("roster:detail", args=[record.public_id]), headers={"accept-language": "zh-hans"}
    )
    messages = [e["message"] for e in page.context["errors"]]
    assert messages[:2] == [
        "姓名为必填项。",
        "没有编码或名称为“甲二”的单位。您是否要填写“甲二镇”？",
    ]
    assert "手机号" in messages[2]


def test_the_admin_lists_imports_scoped_to_the_administrators_subtree(client, city, coordinator_a):
    from tests.factories import add_totp

    services.roster_upload(
        file=upload(xlsx([person()])), filename="甲县.xlsx", acting_user=coordinator_a
    )
    other = make_user_with_role("coordinator", city.county_b)
    services.roster_upload(
        file=upload(xlsx([person("B1")])), filename="乙县.xlsx", acting_user=other
    )
    admin = make_user_with_role("administrator", city.county_a)
    add_totp(admin)
    client.force_login(admin)
    response = client.get("/admin/roster/rosterimport/")
    assert response.status_code == 200
    assert "甲县.xlsx" in response.text and "乙县.xlsx" not in response.text


def test_the_detail_page_costs_a_fixed_number_of_queries(
    coordinator_client, city, django_assert_max_num_queries
):
    post_file(coordinator_client, xlsx([person() for _ in range(30)] + [person("X9")]))
    record = RosterImport.objects.get()
    with django_assert_max_num_queries(8):
        response = coordinator_client.get(reverse("roster:detail", args=[record.public_id]))
    assert len(response.context["new"]) == 30 and len(response.context["errors"]) == 1
