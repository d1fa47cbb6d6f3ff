"""Reading roster files: type by content, finding the table, refusing bad files."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from roster import reader

from .files import HEADER, csv_bytes, encrypted_xlsx, ods, person, xls, xlsx


def refusal(data: bytes, **kwargs) -> ValidationError:
    with pytest.raises(ValidationError) as info:
        reader.read_table(data, **kwargs)
    return info.value


@pytest.mark.parametrize(
    ("maker", "expected"),
    [
        (lambda rows: xlsx(rows), "xlsx"),
        (lambda rows: xls(rows), "xls"),
        (lambda rows: ods(rows), "ods"),
        (lambda rows: csv_bytes(rows, encoding="utf-8"), "csv"),
        (lambda rows: csv_bytes(rows, encoding="utf-8-sig"), "csv"),
        (lambda rows: csv_bytes(rows, encoding="gbk"), "csv"),
    ],
    ids=["xlsx", "xls", "ods", "csv-utf8", "csv-utf8-bom", "csv-gbk"],
)
def test_every_format_is_read_by_content_with_chinese_text_intact(maker, expected):
    rows = [person("甲一镇", name="张三"), person("A2", name="李四")]
    table = reader.read_table(maker(rows))
    assert table.format == expected
    assert table.header_row == 1
    assert [table.value(cells, "name") for _n, cells in table.rows] == ["张三", "李四"]
    assert table.value(table.rows[0][1], "unit") == "甲一镇"


def test_a_bom_does_not_hide_the_first_header():
    table = reader.read_table(csv_bytes([person()], encoding="utf-8-sig"))
    assert table.columns["name"] == 0


def test_title_rows_and_merged_cells_above_the_header_are_skipped():
    data = xlsx([person(), person()], title="2026年某县综窗人员花名册")
    table = reader.read_table(data)
    assert table.header_row == 2
    assert [n for n, _c in table.rows] == [3, 4]


def test_a_unit_merged_over_several_rows_belongs_to_each_row():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(HEADER)
    ws.append(person("A1"))
    ws.append(person(""))
    ws.merge_cells("D2:D3")
    buffer = io.BytesIO()
    wb.save(buffer)
    table = reader.read_table(buffer.getvalue())
    assert [table.value(c, "unit") for _n, c in table.rows] == ["A1", "A1"]


def test_header_synonyms_in_chinese_and_english_are_recognised():
    header = [
        "Name",
        "公民身份号码",
        "人员编号",
        "所在单位",
        "职务",
        "综窗人员",
        "联系电话",
        "入职时间",
    ]
    table = reader.read_table(xlsx([person()], header=header))
    assert set(table.columns) == set(reader.FIELD_LABELS)
    header = ["名字*", "身份证号码（必填）", "Staff No", "Department"]
    table = reader.read_table(xlsx([person()[:4]], header=header))
    assert table.columns == {"name": 0, "id_number": 1, "staff_number": 2, "unit": 3}


def test_the_first_sheet_with_a_header_is_chosen_by_default():
    wb = openpyxl.Workbook()
    wb.active.title = "说明"
    wb.active.append(["请按模板填写"])
    roster = wb.create_sheet("人员")
    roster.append(HEADER)
    roster.append(person())
    buffer = io.BytesIO()
    wb.save(buffer)
    table = reader.read_table(buffer.getvalue())
    assert table.sheet == "人员"
    assert table.sheet_names == ["说明", "人员"]


def test_a_named_sheet_is_used_and_a_missing_one_is_refused_with_the_sheet_list():
    data = xlsx([person()], extra_sheets=["备注"])
    assert reader.read_table(data, sheet="花名册").sheet == "花名册"
    error = refusal(data, sheet="Sheet9")
    assert error.code == reader.REFUSAL_SHEET_MISSING
    assert error.params == {"sheet": "Sheet9", "sheets": "花名册、备注"}


def test_missing_required_columns_are_reported_by_name():
    error = refusal(xlsx([["张三", "R1"]], header=["姓名", "工号"]))
    assert error.code == reader.REFUSAL_MISSING_COLUMNS
    labels = reader.FIELD_LABELS
    assert error.params["columns"] == f"{labels['id_number']}、{labels['unit']}"


def test_no_header_in_the_first_ten_rows_is_refused():
    rows = [[f"备注{i}"] for i in range(12)]
    data = xlsx([*rows, person()], header=None)
    assert refusal(data).code == reader.REFUSAL_NO_HEADER
    assert refusal(xlsx([["a", "b"], [1, 2]], header=None)).code == reader.REFUSAL_NO_HEADER


def test_an_empty_file_is_refused():
    assert refusal(b"").code == reader.REFUSAL_EMPTY
    assert refusal(b"\r\n\r\n").code == reader.REFUSAL_EMPTY
    assert refusal(xlsx([], header=None)).code == reader.REFUSAL_EMPTY


def test_a_header_without_rows_is_refused():
    assert refusal(xlsx([])).code == reader.REFUSAL_NO_ROWS


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200),
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\x00\x01\x02",
        bytes(range(256)) * 4,
    ],
    ids=["png", "pdf", "binary"],
)
def test_a_file_that_is_not_a_spreadsheet_is_refused_whatever_its_name(data):
    assert refusal(data).code == reader.REFUSAL_NOT_SPREADSHEET


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refusal(buffer.getvalue()).code == reader.REFUSAL_NOT_SPREADSHEET
    assert refusal(b"PK\x03\x04" + bytes(100)).code == reader.REFUSAL_NOT_SPREADSHEET


def test_a_real_password_protected_xlsx_is_refused():
    assert refusal(encrypted_xlsx()).code == reader.REFUSAL_ENCRYPTED


def test_an_ole_file_with_an_encrypted_package_stream_is_refused():
    # Excel saves a password-protected .xlsx as an OLE2 file with an EncryptedPackage
    # stream; its directory names the streams in UTF-16.
    ole = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    ole += "EncryptionInfo".encode("utf-16-le") + bytes(40)
    ole += "EncryptedPackage".encode("utf-16-le") + bytes(1000)
    error = refusal(bytes(ole))
    assert error.code == reader.REFUSAL_ENCRYPTED


def test_a_damaged_xls_is_refused_as_unreadable():
    assert refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000)).code == (
        reader.REFUSAL_NOT_SPREADSHEET
    )


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    error = refusal(xlsx([person()]))
    assert error.code == reader.REFUSAL_TOO_BIG


def test_a_zip_bomb_is_refused_from_its_directory_before_decompressing(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (60 * 1024 * 1024))
    data = buffer.getvalue()
    assert len(data) < 200_000
    assert refusal(data).code == reader.REFUSAL_BOMB


def test_a_highly_compressed_member_is_refused_even_under_the_size_cap():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/sharedStrings.xml", b" " * (20 * 1024 * 1024))
    assert refusal(buffer.getvalue()).code == reader.REFUSAL_BOMB


def test_too_many_rows_are_refused(settings):
    settings.ROSTER_MAX_ROWS = 3
    error = refusal(xlsx([person() for _ in range(4)]))
    assert error.code == reader.REFUSAL_TOO_MANY_ROWS
    assert error.params == {"rows": 4, "limit": 3}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("是", True),
        ("否", False),
        ("Y", True),
        ("n", False),
        (1, True),
        (0.0, False),
        ("√", True),
        ("×", False),
        ("１", True),
        ("  是 ", True),
        ("也许", None),
    ],
)
def test_yes_no_values(value, expected):
    assert reader.to_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-01", "2024-03-01"),
        ("2024/3/1", "2024-03-01"),
        ("2024年3月1日", "2024-03-01"),
        ("20240301", "2024-03-01"),
        (45352, "2024-03-01"),
        ("２０２４－０３－０１", "2024-03-01"),
        ("2024-02-30", None),
        ("soon", None),
    ],
)
def test_dates_in_text_or_as_excel_serials(value, expected):
    result = reader.to_date(value)
    assert (result.isoformat() if result else None) == expected


def test_excel_dates_are_read_as_dates_from_xlsx_and_xls():
    import datetime

    day = datetime.date(2023, 5, 6)
    for data in (xlsx([person(hire_date=day)]), xls([person(hire_date=day)])):
        table = reader.read_table(data)
        assert reader.to_date(table.value(table.rows[0][1], "hire_date")) == day
