"""Spreadsheets the roster app hands out, written with openpyxl: the blank template and
the one-time initial password list (the error report is the import engine's, see
`services.definition.RosterRows`). Every value goes through core.exports.safe_cell.
"""

from __future__ import annotations

import io

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from core.exports import safe_cell
from organisation.models import Department

from .reader import (
    FIELD_HIRE_DATE,
    FIELD_ID_NUMBER,
    FIELD_LABELS,
    FIELD_MOBILE,
    FIELD_NAME,
    FIELD_POST,
    FIELD_STAFF_NUMBER,
    FIELD_UNIT,
    FIELD_WINDOW,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_HEAD_FONT = Font(bold=True)

TEMPLATE_FIELDS = (
    FIELD_NAME,
    FIELD_ID_NUMBER,
    FIELD_STAFF_NUMBER,
    FIELD_UNIT,
    FIELD_POST,
    FIELD_WINDOW,
    FIELD_MOBILE,
    FIELD_HIRE_DATE,
)
# The template's headings are fixed Chinese (what coordinators' own files use),
# whatever the interface language; the reader accepts them and their synonyms.
TEMPLATE_HEADERS = {
    FIELD_NAME: "姓名",
    FIELD_ID_NUMBER: "身份证号",
    FIELD_STAFF_NUMBER: "工号",
    FIELD_UNIT: "单位编码",
    FIELD_POST: "岗位",
    FIELD_WINDOW: "是否综窗人员",
    FIELD_MOBILE: "手机号",
    FIELD_HIRE_DATE: "入职日期",
}
TEMPLATE_ROWS = 2000


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_xlsx(*, units: list[Department]) -> bytes:
    """A blank roster: Chinese headings, a 是/否 drop-down, ID and mobile columns as
    text, a sheet of the unit codes the uploader may use, and instructions."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "花名册"
    sheet.append([TEMPLATE_HEADERS[f] for f in TEMPLATE_FIELDS])
    for cell in sheet[1]:
        cell.font = _HEAD_FONT
    text_columns = [TEMPLATE_FIELDS.index(f) + 1 for f in (FIELD_ID_NUMBER, FIELD_MOBILE)]
    text_columns.append(TEMPLATE_FIELDS.index(FIELD_STAFF_NUMBER) + 1)
    for column in text_columns:
        for row in range(2, TEMPLATE_ROWS + 2):
            sheet.cell(row=row, column=column).number_format = "@"
    letter = chr(ord("A") + TEMPLATE_FIELDS.index(FIELD_WINDOW))
    validation = DataValidation(type="list", formula1='"是,否"', allow_blank=True)
    validation.error = "请选择“是”或“否”"
    validation.prompt = "是否综合窗口人员"
    validation.add(f"{letter}2:{letter}{TEMPLATE_ROWS + 1}")
    sheet.add_data_validation(validation)
    for column, width in zip("ABCDEFGH", (10, 22, 12, 14, 16, 14, 14, 12), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"

    codes = workbook.create_sheet("单位编码")
    codes.append(["单位编码", "单位名称"])
    for cell in codes[1]:
        cell.font = _HEAD_FONT
    for unit in units:
        codes.append([safe_cell(unit.code), safe_cell(unit.name)])
    codes.column_dimensions["A"].width = 14
    codes.column_dimensions["B"].width = 36

    notes = workbook.create_sheet("填写说明")
    for line in (
        "填写说明",
        "1. 每行一名人员；第一行为表头，请勿修改或删除表头。",
        "2. 姓名、身份证号、工号、单位编码为必填项。",
        "3. 身份证号为18位，最后一位可为X；该列已设置为文本格式，请勿改为数字格式，"
        "否则Excel会丢失末尾数字。",
        "4. 单位请填写“单位编码”工作表中的编码（也可填写单位全称）。",
        "5. 是否综窗人员：从下拉列表选择“是”或“否”，不填视为“是”。",
        "6. 手机号为11位数字；入职日期格式如 2024-03-01。",
        "7. 勾选“同步模式”上传时，文件中单位的在岗人员若不在文件中，将被标记为离岗（不会删除）。",
        "8. 上传后系统先预检，确认无误后再导入；有错误的行会在错误报告中标出。",
    ):
        notes.append([line])
    notes["A1"].font = _HEAD_FONT
    notes.column_dimensions["A"].width = 100
    return _save(workbook)


def initial_passwords_xlsx(*, rows: list[list[str]]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="初始密码")
    sheet.append(
        [
            str(FIELD_LABELS[FIELD_STAFF_NUMBER]),
            str(FIELD_LABELS[FIELD_NAME]),
            str(FIELD_LABELS[FIELD_UNIT]),
            _("Initial password"),
        ]
    )
    for row in rows:
        sheet.append([safe_cell(v) for v in row])
    return _save(workbook)
