"""The roster's columns, and reading an uploaded roster into a table of raw rows.

Reading is the import engine's (`core.imports`): the upload checks (size, real type,
zip bomb, encrypted file), python-calamine for xlsx, xls and ods, CSV in UTF-8 or
GBK/GB18030, merged cells filled, the header found under title rows by the names and
synonyms below (compared without width, case, spaces and punctuation, so "Staff No."
is 工号). Every refusal raises `django.core.exceptions.ValidationError` with one of
the `REFUSAL_*` codes and a translatable message; nothing is written by this module.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core import imports
from core.imports.cells import to_bool, to_date, to_text  # noqa: F401 (the roster's cells)
from core.imports.files import (  # noqa: F401 (the refusal codes, used by the API and tests)
    REFUSAL_BOMB,
    REFUSAL_EMPTY,
    REFUSAL_ENCRYPTED,
    REFUSAL_MISSING_COLUMNS,
    REFUSAL_NO_HEADER,
    REFUSAL_NO_ROWS,
    REFUSAL_NOT_SPREADSHEET,
    REFUSAL_SHEET_MISSING,
    REFUSAL_TOO_BIG,
    REFUSAL_TOO_MANY_ROWS,
)
from core.imports.table import Table
from core.text import clean_text, compact  # noqa: F401 (used by services)

# --- fields ---------------------------------------------------------------------------

FIELD_NAME = "name"
FIELD_ID_NUMBER = "id_number"
FIELD_STAFF_NUMBER = "staff_number"
FIELD_UNIT = "unit"
FIELD_POST = "post"
FIELD_WINDOW = "is_window_staff"
FIELD_MOBILE = "mobile"
FIELD_HIRE_DATE = "hire_date"

REQUIRED_FIELDS = (FIELD_NAME, FIELD_ID_NUMBER, FIELD_STAFF_NUMBER, FIELD_UNIT)

# The column headings of the template, and the names used in messages.
FIELD_LABELS = {
    FIELD_NAME: _("Name"),
    FIELD_ID_NUMBER: _("ID number"),
    FIELD_STAFF_NUMBER: _("Staff number"),
    FIELD_UNIT: _("Unit"),
    FIELD_POST: _("Post"),
    FIELD_WINDOW: _("Window staff"),
    FIELD_MOBILE: _("Mobile"),
    FIELD_HIRE_DATE: _("Hire date"),
}

# Header synonyms, compared after `normalise_header` (spaces, punctuation and
# "required" markers removed, lower case).
HEADER_SYNONYMS: dict[str, tuple[str, ...]] = {
    FIELD_NAME: ("姓名", "名字", "员工姓名", "人员姓名", "name", "fullname", "staffname"),
    FIELD_ID_NUMBER: (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号",
        "公民身份证号码",
        "身份证",
        "证件号码",
        "idnumber",
        "idno",
        "idcard",
        "idcardnumber",
        "nationalid",
    ),
    FIELD_STAFF_NUMBER: (
        "工号",
        "人员编号",
        "员工编号",
        "职工编号",
        "编号",
        "staffnumber",
        "staffno",
        "employeeid",
        "employeenumber",
    ),
    FIELD_UNIT: (
        "单位",
        "部门",
        "所在单位",
        "所属单位",
        "单位名称",
        "所在部门",
        "所属部门",
        "部门名称",
        "单位编码",
        "单位代码",
        "工作单位",
        "unit",
        "department",
        "unitcode",
        "unitname",
    ),
    FIELD_POST: ("岗位", "职务", "岗位名称", "职位", "post", "position", "jobtitle"),
    FIELD_WINDOW: (
        "是否综窗人员",
        "综窗人员",
        "是否综窗",
        "是否为综窗人员",
        "综合窗口人员",
        "windowstaff",
        "iswindowstaff",
    ),
    FIELD_MOBILE: (
        "手机",
        "手机号",
        "手机号码",
        "联系电话",
        "电话",
        "联系方式",
        "移动电话",
        "mobile",
        "phone",
        "mobilephone",
    ),
    FIELD_HIRE_DATE: (
        "入职日期",
        "入职时间",
        "参加工作时间",
        "参加工作日期",
        "hiredate",
        "startdate",
    ),
}
COLUMNS = tuple(
    imports.Column(
        name, FIELD_LABELS[name], HEADER_SYNONYMS[name], required=name in REQUIRED_FIELDS
    )
    for name in FIELD_LABELS
)


def max_rows() -> int:
    return int(getattr(settings, "ROSTER_MAX_ROWS", 100_000))


def read_table(data: bytes, *, sheet: str | None = None) -> Table:
    """Detect, check and read the roster table, or raise a refusal (ValidationError)."""
    return imports.read_table(data, columns=COLUMNS, max_rows=max_rows(), sheet=sheet)
