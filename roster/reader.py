"""Reading an uploaded roster into a table of raw rows.

The file type is decided by content, never by the name:
- a zip container is an .xlsx when it has `[Content_Types].xml` and `xl/` members, an
  .ods when its `mimetype` member says so; anything else zipped is refused. The sum of
  the members' uncompressed sizes and the compression ratio are checked from the zip
  directory *before* anything is decompressed (zip bombs);
- an OLE2 compound file is an .xls, unless it holds an `EncryptedPackage` stream: that
  is a password-protected .xlsx;
- anything else must decode as text (UTF-8 with or without BOM, else GBK/GB18030)
  and is read as CSV.

Every refusal raises `django.core.exceptions.ValidationError` with one of the
`REFUSAL_*` codes and a translatable message; nothing is written by this module.
Spreadsheets are read with python-calamine (fast, reads xlsx, xls and ods).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass, field

import python_calamine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.text import clean_text, compact  # noqa: F401 (compact: used by services)

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
_SYNONYM_TO_FIELD = {syn: f for f, syns in HEADER_SYNONYMS.items() for syn in syns}
_HEADER_NOISE = re.compile(r"[\s*＊:：_\-()（）\[\]【】]|必填|选填|可选")

HEADER_SEARCH_ROWS = 10

# --- refusals -------------------------------------------------------------------------

REFUSAL_EMPTY = "file_empty"
REFUSAL_TOO_BIG = "file_too_big"
REFUSAL_NOT_SPREADSHEET = "file_not_spreadsheet"
REFUSAL_ENCRYPTED = "file_encrypted"
REFUSAL_BOMB = "file_bomb"
REFUSAL_TOO_MANY_ROWS = "file_too_many_rows"
REFUSAL_NO_HEADER = "file_no_header"
REFUSAL_SHEET_MISSING = "file_sheet_missing"
REFUSAL_MISSING_COLUMNS = "file_missing_columns"
REFUSAL_NO_ROWS = "file_no_rows"

MSG_EMPTY = _("The file is empty.")
MSG_TOO_BIG = _("The file is too large: at most %(limit)s MB can be uploaded.")
MSG_NOT_SPREADSHEET = _(
    "This file is not a spreadsheet. Upload an Excel (.xlsx or .xls), OpenDocument (.ods) "
    "or CSV file."
)
MSG_ENCRYPTED = _(
    "The file is protected by a password. Remove the password in Excel, save, and upload it again."
)
MSG_BOMB = _("The file expands to far more data than a roster can hold, so it was refused.")
MSG_TOO_MANY_ROWS = _(
    "The sheet has %(rows)s rows; at most %(limit)s rows can be imported at once."
)
MSG_NO_HEADER = _(
    "No header row was found in the first %(rows)s rows. The header needs columns such as "
    "Name, ID number, Staff number and Unit."
)
MSG_SHEET_MISSING = _("The workbook has no sheet named “%(sheet)s”. Its sheets are: %(sheets)s.")
MSG_MISSING_COLUMNS = _("Required columns are missing: %(columns)s.")
MSG_NO_ROWS = _("The sheet has a header but no staff rows.")
MSG_UNREADABLE = _("The spreadsheet could not be read; it may be damaged. Save it again in Excel.")

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"

FORMAT_XLSX = "xlsx"
FORMAT_XLS = "xls"
FORMAT_ODS = "ods"
FORMAT_CSV = "csv"


def _refuse(message, code: str, **params) -> ValidationError:
    return ValidationError(message, code=code, params=params or None)


# --- settings -------------------------------------------------------------------------


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def max_rows() -> int:
    return int(getattr(settings, "ROSTER_MAX_ROWS", 100_000))


def max_uncompressed_bytes() -> int:
    return int(getattr(settings, "ROSTER_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024))


def max_compression_ratio() -> int:
    return int(getattr(settings, "ROSTER_MAX_COMPRESSION_RATIO", 200))


# --- the result -----------------------------------------------------------------------


@dataclass
class Table:
    """The chosen sheet: raw cell values with their positions in the original sheet."""

    format: str
    sheet: str
    sheet_names: list[str]
    header_row: int  # 1-based row number in the sheet
    headers: list[str]  # the header cells as written
    columns: dict[str, int]  # field -> 0-based column index
    rows: list[tuple[int, list]] = field(default_factory=list)  # (1-based row number, cells)
    grid: list[list] = field(default_factory=list)  # every row of the sheet, for reports

    def value(self, cells: list, field_name: str):
        index = self.columns.get(field_name)
        if index is None or index >= len(cells):
            return None
        return cells[index]


# --- detection ------------------------------------------------------------------------


def detect_format(data: bytes) -> str:
    """The file's real type from its content, or raise a refusal."""
    if not data:
        raise _refuse(MSG_EMPTY, REFUSAL_EMPTY)
    if len(data) > max_bytes():
        raise _refuse(MSG_TOO_BIG, REFUSAL_TOO_BIG, limit=max_bytes() // (1024 * 1024))
    if data.startswith(_ZIP_MAGIC):
        return _detect_zip(data)
    if data.startswith(_OLE_MAGIC):
        # The OLE directory names its streams in UTF-16; an encrypted OOXML file is an
        # OLE container with an "EncryptedPackage" stream.
        if _ENCRYPTED_STREAM in data:
            raise _refuse(MSG_ENCRYPTED, REFUSAL_ENCRYPTED)
        return FORMAT_XLS
    if b"\x00" in data[:4096]:
        raise _refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET)
    return FORMAT_CSV


def _detect_zip(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET) from None
    # Sizes come from the central directory: nothing has been decompressed yet.
    total = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos) or 1
    if total > max_uncompressed_bytes() or (
        total > 1024 * 1024 and total / compressed > max_compression_ratio()
    ):
        raise _refuse(MSG_BOMB, REFUSAL_BOMB)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return FORMAT_XLSX
    if "mimetype" in names and "content.xml" in names:
        info = archive.getinfo("mimetype")
        if info.file_size < 200 and archive.read("mimetype").strip() == _ODS_MIMETYPE:
            return FORMAT_ODS
    raise _refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET)


def decode_text(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET)


# --- reading --------------------------------------------------------------------------


def normalise_header(value: object) -> str:
    return _HEADER_NOISE.sub("", clean_text(value)).lower()


def header_fields(cells: list) -> dict[str, int]:
    """Fields recognised in a row of header cells (first column wins)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        if not isinstance(cell, str):
            continue
        name = _SYNONYM_TO_FIELD.get(normalise_header(cell))
        if name and name not in found:
            found[name] = index
    return found


def read_workbook(data: bytes) -> python_calamine.CalamineWorkbook:
    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:
        raise _refuse(MSG_ENCRYPTED, REFUSAL_ENCRYPTED) from None
    except Exception as exc:
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise _refuse(MSG_ENCRYPTED, REFUSAL_ENCRYPTED) from None
        raise _refuse(MSG_UNREADABLE, REFUSAL_NOT_SPREADSHEET) from None


def sheet_grid(workbook, name: str) -> list[list]:
    try:
        sheet = workbook.get_sheet_by_name(name)
        grid = sheet.to_python(skip_empty_area=False)
        merged = sheet.merged_cell_ranges or []
    except python_calamine.PasswordError:
        raise _refuse(MSG_ENCRYPTED, REFUSAL_ENCRYPTED) from None
    except Exception:
        raise _refuse(MSG_UNREADABLE, REFUSAL_NOT_SPREADSHEET) from None
    _fill_merged(grid, merged)
    return grid


def _fill_merged(grid: list[list], merged) -> None:
    """Copy each merged range's value into every cell of the range (a unit name merged
    over several rows belongs to each of them)."""
    for (top, left), (bottom, right) in merged:
        if top >= len(grid) or left >= len(grid[top]):
            continue
        value = grid[top][left]
        for r in range(top, min(bottom, len(grid) - 1) + 1):
            row = grid[r]
            for c in range(left, min(right, len(row) - 1) + 1):
                row[c] = value


def _csv_grid(data: bytes) -> list[list]:
    text = decode_text(data)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error:
        raise _refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET) from None


def _find_header(grid: list[list]) -> tuple[int, dict[str, int]] | None:
    """The first row (within HEADER_SEARCH_ROWS) that names at least two fields,
    preferring the row that names the most."""
    best: tuple[int, dict[str, int]] | None = None
    for index, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        found = header_fields(cells)
        if len(found) >= 2 and (best is None or len(found) > len(best[1])):
            best = (index, found)
    return best


def is_blank_row(cells: list) -> bool:
    # str.strip() removes every Unicode space; zero-width ones are stripped after.
    for c in cells:
        if c is None:
            continue
        if not isinstance(c, str) or c.strip().strip("\u200b\ufeff").strip():
            return False
    return True


def read_table(data: bytes, *, sheet: str | None = None) -> Table:
    """Detect, check and read the roster table, or raise a refusal (ValidationError)."""
    fmt = detect_format(data)
    if fmt == FORMAT_CSV:
        sheet_names = ["csv"]
        grids = {"csv": _csv_grid(data)}
        candidates = ["csv"]  # a CSV file has one table; a sheet name does not apply
    else:
        workbook = read_workbook(data)
        sheet_names = list(workbook.sheet_names)
        if sheet:
            wanted = clean_text(sheet)
            if wanted not in sheet_names:
                raise _refuse(
                    MSG_SHEET_MISSING,
                    REFUSAL_SHEET_MISSING,
                    sheet=wanted,
                    sheets="、".join(sheet_names),
                )
            candidates = [wanted]
        else:
            candidates = sheet_names
        grids = _LazyGrids(workbook)
    if all(all(is_blank_row(r) for r in grids[name]) for name in candidates):
        raise _refuse(MSG_EMPTY, REFUSAL_EMPTY)
    for name in candidates:
        grid = grids[name]
        found = _find_header(grid)
        if found is None:
            continue
        header_index, columns = found
        missing = [f for f in REQUIRED_FIELDS if f not in columns]
        if missing:
            raise _refuse(
                MSG_MISSING_COLUMNS,
                REFUSAL_MISSING_COLUMNS,
                columns="、".join(str(FIELD_LABELS[f]) for f in missing),
            )
        rows = [
            (index + 1, cells)
            for index, cells in enumerate(grid[header_index + 1 :], start=header_index + 1)
            if not is_blank_row(cells)
        ]
        if not rows:
            raise _refuse(MSG_NO_ROWS, REFUSAL_NO_ROWS)
        if len(rows) > max_rows():
            raise _refuse(
                MSG_TOO_MANY_ROWS, REFUSAL_TOO_MANY_ROWS, rows=len(rows), limit=max_rows()
            )
        return Table(
            format=fmt,
            sheet=name,
            sheet_names=sheet_names,
            header_row=header_index + 1,
            headers=[clean_text(c) for c in grid[header_index]],
            columns=columns,
            rows=rows,
            grid=grid,
        )
    raise _refuse(MSG_NO_HEADER, REFUSAL_NO_HEADER, rows=HEADER_SEARCH_ROWS)


class _LazyGrids(dict):
    """Sheets read on first use: the default sheet choice stops at the first match."""

    def __init__(self, workbook):
        super().__init__()
        self._workbook = workbook

    def __missing__(self, name: str) -> list[list]:
        grid = sheet_grid(self._workbook, name)
        self[name] = grid
        return grid


# --- cell normalising -----------------------------------------------------------------

_TRUE = {"是", "y", "yes", "1", "√", "✓", "✔", "true", "t", "对"}
_FALSE = {"否", "n", "no", "0", "×", "✗", "✘", "x", "false", "f", "不是"}


def to_bool(value: object) -> bool | None:
    """是/否/Y/N/1/0/√/× to a boolean; None when blank or not understood."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return {1: True, 0: False}.get(int(value)) if value in (0, 1) else None
    text = clean_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_DATE_TEXT = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def to_date(value: object) -> datetime.date | None:
    """A date from an Excel date cell, an Excel serial number or text; None if not."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466:
            return _EXCEL_EPOCH + datetime.timedelta(days=int(value))
        return None
    text = clean_text(value)
    match = _DATE_TEXT.match(text) or _DATE_COMPACT.match(text)
    if not match:
        return None
    try:
        return datetime.date(*(int(g) for g in match.groups()))
    except ValueError:
        return None


def to_text(value: object) -> str:
    """A cell as text: whole numbers without the '.0' that spreadsheets add."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return clean_text(value)
