"""Real spreadsheet files, made in the tests: xlsx (openpyxl), xls (xlwt), ods (a
minimal hand-built OpenDocument zip) and csv in UTF-8, UTF-8 with BOM and GBK."""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from xml.sax.saxutils import escape

import openpyxl

from tests.factories import unique_id_number

HEADER = ["姓名", "身份证号", "工号", "单位", "岗位", "是否综窗人员", "手机号", "入职日期"]


def person(unit: str = "A1", **overrides) -> list:
    """One valid roster row (fresh ID number, staff number and mobile)."""
    n = next(_counter)
    row = {
        "name": f"张{n}",
        "id_number": unique_id_number(),
        "staff_number": f"R{n:05d}",
        "unit": unit,
        "post": "综合窗口受理",
        "window": "是",
        "mobile": f"137{n:08d}",
        "hire_date": "2024-03-01",
    }
    row.update(overrides)
    return list(row.values())


def _count():
    n = 0
    while True:
        n += 1
        yield n


_counter = _count()


def xlsx(
    rows: list[list], *, header=HEADER, title: str | None = None, sheet="花名册", extra_sheets=()
) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    if header:
        ws.append(header)
    for row in rows:
        ws.append(row)
    for name in extra_sheets:
        wb.create_sheet(name).append(["说明"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def xls(rows: list[list], *, header=HEADER) -> bytes:
    import xlwt

    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("Sheet1")
    for r, row in enumerate([header, *rows]):
        for c, value in enumerate(row):
            if isinstance(value, datetime.date):
                ws.write(r, c, value, xlwt.easyxf(num_format_str="yyyy-mm-dd"))
            else:
                ws.write(r, c, value)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], *, header=HEADER, encoding="utf-8") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
    return buffer.getvalue().encode(encoding)


def ods(rows: list[list], *, header=HEADER) -> bytes:
    def cell(value):
        return (
            '<table:table-cell office:value-type="string"><text:p>'
            f"{escape(str(value))}</text:p></table:table-cell>"
        )

    body = "".join(
        "<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>"
        for row in [header, *rows]
    )
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
        f"{body}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def upload(data: bytes, name: str = "roster.xlsx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


def encrypted_xlsx(password: str = "secret") -> bytes:
    """A real password-protected workbook, as Excel saves it (an OLE2 container with an
    EncryptedPackage stream), made with msoffcrypto-tool."""
    from msoffcrypto.format.ooxml import OOXMLFile

    out = io.BytesIO()
    OOXMLFile(io.BytesIO(xlsx([person()]))).encrypt(password, out)
    return out.getvalue()


def zip_bomb(size: int = 60 * 1024 * 1024) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * size)
    return buffer.getvalue()
