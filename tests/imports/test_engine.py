"""The import engine on real files written in the test (openpyxl, csv, a hand-built
zip bomb, a real encrypted workbook): upload checks, reading, header finding under
title rows, the report, the error workbook, dry run, commit and "valid rows only".

The pipeline is exercised with a small row definition that writes knowledge points
(a real model), so that what is written can be counted."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from core import imports
from core.imports import files
from core.imports.table import normalise_header
from exams.models import KnowledgePoint
from tests.roster.files import encrypted_xlsx, zip_bomb


def xlsx(rows: list[list], *, title: str | None = None, merge: list[str] = ()) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "数据"
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=3)
    for row in rows:
        ws.append(row)
    for cells in merge:
        ws.merge_cells(cells)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_data(rows: list[list], encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


class PointRows(imports.RowDefinition):
    """Test definition: 名称 (required) and 编号 (required), written as knowledge points."""

    columns = (
        imports.Column("name", "名称", ("name", "知识点名称"), required=True),
        imports.Column("code", "编号", ("code", "staffno"), required=True),
        imports.Column("note", "备注"),
    )
    messages = {"required": "%(field)s is required.", "taken": "“%(value)s” exists."}
    masked = {"code": lambda text: text[:1] + "*" * (len(text) - 1)}
    masked_note = "write it again"

    def check(self, table, report, errors):
        plan = []
        existing = set(KnowledgePoint.objects.values_list("name", flat=True))
        for number, cells in table.rows:
            name = imports.to_text(table.value(cells, "name"))
            code = imports.to_text(table.value(cells, "code"))
            if not name:
                errors.add(number, "name", "required", {"field": "name"})
            elif name in existing:
                errors.add(number, "name", "taken", {"value": name})
            if not code:
                errors.add(number, "code", "required", {"field": "code"})
            if number not in errors.bad_rows:
                plan.append(f"{name}-{code}")
        report.counts["rows"] = len(table.rows)
        report.counts["new"] = len(plan)
        return plan

    def valid_rows(self, plan):
        return len(plan)

    def write(self, plan, report):
        KnowledgePoint.objects.bulk_create([KnowledgePoint(name=n) for n in plan])


def run(data: bytes, **kwargs):
    return imports.run_import(PointRows(), filename="f.xlsx", data=data, **kwargs)


# --- headers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Staff No.", "staffno"),
        ("ＳＴＡＦＦ　ＮＯ．", "staffno"),
        ("* 姓 名：", "姓名"),
        ("工号/人员编号", "工号人员编号"),
        ("身份证号（必填）", "身份证号"),
        ("Name_", "name"),
    ],
)
def test_headings_are_compared_without_width_case_spaces_and_punctuation(written, expected):
    assert normalise_header(written) == expected


def test_the_header_is_found_under_a_merged_title_row_by_synonyms_with_a_hint():
    data = xlsx(
        [["", "", ""], ["知识点名称（必填）", "Staff No.", "备注(可选)"], ["甲", 1.0, "x"]],
        title="2026 年导入表",
    )
    table = PointRows().read(data)
    assert table.header_row == 3
    assert table.columns == {"name": 0, "code": 1, "note": 2}
    assert table.rows == [(4, ["甲", 1.0, "x"])]


def test_merged_cells_give_their_value_to_every_row_they_cover():
    data = xlsx([["名称", "编号"], ["甲", "1"], [None, "2"]], merge=["A2:A3"])
    table = PointRows().read(data)
    assert [table.value(cells, "name") for _n, cells in table.rows] == ["甲", "甲"]


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig"])
def test_csv_is_read_in_utf8_and_gbk(encoding):
    table = PointRows().read(csv_data([["名称", "编号"], ["首问负责", "7"]], encoding))
    assert table.format == "csv"
    assert table.rows == [(2, ["首问负责", "7"])]


# --- refusals ------------------------------------------------------------------------

REFUSED = {
    "empty": (lambda: b"", files.REFUSAL_EMPTY, "文件为空"),
    "blank sheet": (lambda: xlsx([[None], [""]]), files.REFUSAL_EMPTY, "文件为空"),
    "renamed picture": (
        lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100),
        files.REFUSAL_NOT_SPREADSHEET,
        "不是电子表格",
    ),
    "renamed zip": (
        lambda: _zip({"readme.txt": b"hello"}),
        files.REFUSAL_NOT_SPREADSHEET,
        "不是电子表格",
    ),
    "encrypted": (encrypted_xlsx, files.REFUSAL_ENCRYPTED, "密码"),
    "zip bomb": (lambda: zip_bomb(40 * 1024 * 1024), files.REFUSAL_BOMB, "已拒收"),
    "no header": (lambda: xlsx([["随便"], ["什么"]]), files.REFUSAL_NO_HEADER, "未找到表头"),
    "missing column": (
        lambda: xlsx([["名称", "备注"], ["甲", "x"]]),
        files.REFUSAL_MISSING_COLUMNS,
        "编号",
    ),
    "header only": (lambda: xlsx([["名称", "编号"]]), files.REFUSAL_NO_ROWS, "没有数据"),
}


def _zip(members: dict) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(REFUSED))
def test_a_bad_upload_is_refused_in_chinese_and_nothing_is_written(kind, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 30 * 1024 * 1024
    make, code, chinese = REFUSED[kind]
    with translation.override("zh-hans"):
        report = run(make(), dry_run=False)
    assert report.refused["code"] == code
    assert chinese in report.refused["message"]
    assert not report.committed
    assert KnowledgePoint.objects.count() == 0


def test_the_bomb_is_refused_before_anything_is_decompressed(settings, monkeypatch):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 30 * 1024 * 1024
    import zipfile

    def never(*args, **kwargs):
        raise AssertionError("decompressed")

    monkeypatch.setattr(zipfile.ZipFile, "read", never)
    with pytest.raises(ValidationError) as caught:
        files.detect_format(zip_bomb(40 * 1024 * 1024))
    assert caught.value.code == files.REFUSAL_BOMB


def test_an_oversized_upload_is_refused_without_reading_it_all(settings):
    settings.UPLOAD_MAX_BYTES = 1000

    class Upload(io.BytesIO):
        size = None
        asked: list[int] = []

        def read(self, n=-1):
            self.asked.append(n)
            return super().read(n)

    upload = Upload(b"x" * 50_000)
    with pytest.raises(ValidationError) as caught:
        imports.read_upload(upload)
    assert caught.value.code == files.REFUSAL_TOO_BIG
    assert upload.asked == [1001]


@pytest.mark.django_db
def test_too_many_rows_are_refused(monkeypatch):
    monkeypatch.setattr(PointRows, "max_rows", lambda self: 2)
    with translation.override("zh-hans"):
        report = run(xlsx([["名称", "编号"], ["a", 1], ["b", 2], ["c", 3]]))
    assert report.refused["code"] == files.REFUSAL_TOO_MANY_ROWS


# --- the pipeline ---------------------------------------------------------------------

MIXED = [["名称", "编号"], ["甲", "1"], ["", "2"], ["乙", ""], ["丙", "4"]]


@pytest.mark.django_db
def test_the_report_names_row_column_and_heading_and_a_dry_run_writes_nothing():
    report = run(xlsx(MIXED, title="标题"))
    assert report.header_row == 2
    assert [(e["row"], e["column"], e["header"], e["code"]) for e in report.errors] == [
        (4, "A", "名称", "required"),
        (5, "B", "编号", "required"),
    ]
    assert report.counts == {"rows": 4, "new": 2, "errors": 2, "error_rows": 2}
    assert KnowledgePoint.objects.count() == 0


@pytest.mark.django_db
def test_with_errors_a_commit_writes_nothing():
    report = run(xlsx(MIXED), dry_run=False)
    assert not report.committed
    assert KnowledgePoint.objects.count() == 0


@pytest.mark.django_db
def test_skip_invalid_writes_the_good_rows_and_the_fixed_rows_add_only_themselves():
    report = run(xlsx(MIXED), dry_run=False, skip_invalid=True)
    assert report.committed and report.skipped_invalid
    assert sorted(KnowledgePoint.objects.values_list("name", flat=True)) == ["丙-4", "甲-1"]
    # The rejected rows come back as a workbook; fixed there and uploaded again, they
    # add only themselves.
    definition = PointRows()
    table = definition.read(xlsx(MIXED))
    rejected = openpyxl.load_workbook(
        io.BytesIO(definition.workbook(table, report.errors, rejected_only=True))
    ).active
    values = [[c.value for c in row] for row in rejected.iter_rows()]
    assert [v[:2] for v in values] == [["名称", "编号"], [None, "2"], ["乙", None]]
    rejected["A2"] = "丁"
    rejected["B3"] = "3"
    buffer = io.BytesIO()
    rejected.parent.save(buffer)
    again = run(buffer.getvalue(), dry_run=False)
    assert again.ok and again.committed
    assert KnowledgePoint.objects.count() == 4


@pytest.mark.django_db
def test_a_failing_write_leaves_nothing_behind(monkeypatch):
    def write(self, plan, report):
        KnowledgePoint.objects.create(name="half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(PointRows, "write", write)
    with pytest.raises(RuntimeError):
        run(xlsx([["名称", "编号"], ["甲", "1"]]), dry_run=False)
    assert KnowledgePoint.objects.count() == 0


def test_the_error_workbook_highlights_comments_and_masks():
    definition = PointRows()
    table = definition.read(xlsx([["名称", "编号"], ["甲", "123456"], ["", "654321"]]))
    errors = definition.row_errors(table)
    errors.add(3, "name", "required", {"field": "name"})
    content = definition.workbook(table, errors.sorted())
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet["A3"].fill.start_color.rgb == "FFF4B6B6"
    assert "is required" in sheet["A3"].comment.text
    assert sheet["C3"].value == sheet["A3"].comment.text.strip()
    assert sheet["A2"].fill.start_color.rgb != "FFF4B6B6"
    # No cell of the masked column carries what was uploaded.
    assert [sheet["B2"].value, sheet["B3"].value] == ["1*****", "6*****"]
    assert sheet["B3"].comment.text == "write it again"
    assert sheet["B1"].value == "编号"
