"""Upload checks shared by every import: size, real type, zip bomb, encrypted file.

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
`REFUSAL_*` codes and a translatable message.
"""

from __future__ import annotations

import io
import zipfile

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
MSG_BOMB = _("The file expands to far more data than an import can hold, so it was refused.")
MSG_UNREADABLE = _("The spreadsheet could not be read; it may be damaged. Save it again in Excel.")

FORMAT_XLSX = "xlsx"
FORMAT_XLS = "xls"
FORMAT_ODS = "ods"
FORMAT_CSV = "csv"

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


def refuse(message, code: str, **params) -> ValidationError:
    """The ValidationError of a refused file (code and params kept for reports)."""
    return ValidationError(message, code=code, params=params or None)


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 20 * 1024 * 1024))


def max_uncompressed_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024))


def max_compression_ratio() -> int:
    return int(getattr(settings, "IMPORT_MAX_COMPRESSION_RATIO", 200))


def _too_big() -> ValidationError:
    return refuse(MSG_TOO_BIG, REFUSAL_TOO_BIG, limit=max_bytes() // (1024 * 1024))


def read_upload(file) -> bytes:
    """The bytes of an uploaded (or opened) file, refused when over the size limit;
    never reads more than the limit plus one byte."""
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes():
        raise _too_big()
    if hasattr(file, "seek"):
        file.seek(0)
    data = file.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise _too_big()
    return data


def detect_format(data: bytes) -> str:
    """The file's real type from its content, or raise a refusal."""
    if not data:
        raise refuse(MSG_EMPTY, REFUSAL_EMPTY)
    if len(data) > max_bytes():
        raise _too_big()
    if data.startswith(_ZIP_MAGIC):
        return _detect_zip(data)
    if data.startswith(_OLE_MAGIC):
        # The OLE directory names its streams in UTF-16; an encrypted OOXML file is an
        # OLE container with an "EncryptedPackage" stream.
        if _ENCRYPTED_STREAM in data:
            raise refuse(MSG_ENCRYPTED, REFUSAL_ENCRYPTED)
        return FORMAT_XLS
    if b"\x00" in data[:4096]:
        raise refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET)
    return FORMAT_CSV


def _detect_zip(data: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET) from None
    # Sizes come from the central directory: nothing has been decompressed yet.
    total = sum(info.file_size for info in infos)
    compressed = sum(info.compress_size for info in infos) or 1
    if total > max_uncompressed_bytes() or (
        total > 1024 * 1024 and total / compressed > max_compression_ratio()
    ):
        raise refuse(MSG_BOMB, REFUSAL_BOMB)
    names = {info.filename for info in infos}
    if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
        return FORMAT_XLSX
    if "mimetype" in names and "content.xml" in names:
        info = archive.getinfo("mimetype")
        if info.file_size < 200 and archive.read("mimetype").strip() == _ODS_MIMETYPE:
            return FORMAT_ODS
    raise refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET)


def decode_text(data: bytes) -> str:
    """CSV text: UTF-8 (with or without BOM), else GB18030 (a superset of GBK)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise refuse(MSG_NOT_SPREADSHEET, REFUSAL_NOT_SPREADSHEET)
