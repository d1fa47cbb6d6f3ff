"""Every bad file is refused with its own code and a Chinese message, and nothing is
written: no staff, no accounts, no stored upload."""

import pytest
from django.utils import translation

from roster import reader, services
from roster.models import ImportStatus, RosterImport

from .files import csv_bytes, encrypted_xlsx, person, upload, xlsx, zip_bomb

BAD_FILES = {
    "empty": (lambda: b"", reader.REFUSAL_EMPTY, "文件为空"),
    "image named .xlsx": (
        lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100),
        reader.REFUSAL_NOT_SPREADSHEET,
        "不是电子表格",
    ),
    "password-protected": (encrypted_xlsx, reader.REFUSAL_ENCRYPTED, "密码保护"),
    "zip bomb": (zip_bomb, reader.REFUSAL_BOMB, "已拒收"),
    "no header": (
        lambda: xlsx([["备注"], ["无表头"]], header=None),
        reader.REFUSAL_NO_HEADER,
        "未找到表头",
    ),
    "missing columns": (
        lambda: csv_bytes([["张三", "R1"]], header=["姓名", "工号"]),
        reader.REFUSAL_MISSING_COLUMNS,
        "缺少必填列：身份证号、单位",
    ),
}


@pytest.mark.parametrize("kind", list(BAD_FILES))
def test_a_bad_file_is_refused_in_chinese_and_nothing_is_written(
    kind, city, coordinator_a, snapshot, settings
):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
    make, code, chinese = BAD_FILES[kind]
    before = snapshot()
    with translation.override("zh-hans"):
        record = services.roster_upload(
            file=upload(make(), "roster.xlsx"), filename="roster.xlsx", acting_user=coordinator_a
        )
    assert record.status == ImportStatus.REFUSED
    assert record.error_code == code
    assert chinese in record.message
    assert record.report["refused"] == {"code": code, "message": record.message}
    assert not record.file
    assert snapshot() == before


def test_a_missing_sheet_is_refused_with_the_sheets_listed(city, coordinator_a, snapshot):
    before = snapshot()
    with translation.override("zh-hans"):
        report = services.roster_preview(
            file=upload(xlsx([person()])),
            filename="r.xlsx",
            acting_user=coordinator_a,
            sheet="三月",
        )
    assert report.refused == {
        "code": reader.REFUSAL_SHEET_MISSING,
        "message": "工作簿中没有名为“三月”的工作表。现有工作表：花名册。",
    }
    assert snapshot() == before


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(city, coordinator_a, settings):
    settings.UPLOAD_MAX_BYTES = 2 * 1024 * 1024
    data = xlsx([person()]) + bytes(3 * 1024 * 1024)
    with translation.override("zh-hans"):
        record = services.roster_upload(
            file=upload(data), filename="big.xlsx", acting_user=coordinator_a
        )
    assert (record.error_code, record.message) == (
        reader.REFUSAL_TOO_BIG,
        "文件过大：最多可上传 2 MB。",
    )
    assert record.sha256 == ""  # not even read


def test_too_many_rows_are_refused(city, coordinator_a, settings):
    settings.ROSTER_MAX_ROWS = 2
    record = services.roster_upload(
        file=upload(xlsx([person(), person(), person()])),
        filename="r.xlsx",
        acting_user=coordinator_a,
    )
    assert record.error_code == reader.REFUSAL_TOO_MANY_ROWS
    assert RosterImport.objects.get().status == ImportStatus.REFUSED


def test_the_upload_page_shows_the_refusal(client, city, coordinator_a):
    client.force_login(coordinator_a)
    response = client.post("/roster/upload/", {"file": upload(b"", "e.csv")}, follow=True)
    assert "文件为空。" in response.text
    assert RosterImport.objects.get().status == ImportStatus.REFUSED
