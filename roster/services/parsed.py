"""The rows of a checked upload, kept so that the commit need not read the file again.

A commit checks the file again against the current database. What the check reads
from the file itself (names, ID numbers and their hashes, staff numbers, posts, yes/no,
mobiles, dates) cannot have changed since the dry run: the stored upload is the same
bytes. So when the dry run found no error at all, it keeps those rows next to the
upload, encrypted like it (`roster.crypto`: they hold ID numbers in clear), and the
commit starts from them instead of reading and parsing the sheet again (about a third
of a 50,000-row commit's CPU time). Everything that depends on the database - the
units (looked up again by the text written in the file), who already exists, who holds
a staff number, mobile or account name, the leavers - is checked again as before.

The kept rows are dropped once the import is committed. They are used only when they
belong to this upload (its SHA-256), were written by this version of the format, and
were hashed with the current ID-number hash key; otherwise, or when they cannot be read,
the commit reads the file as before.
"""

from __future__ import annotations

import datetime
import json
import logging
import zlib

from django.core.files.base import ContentFile

from core.imports import Table
from organisation.crypto import hash_id_number

from ..crypto import decrypt_bytes, encrypt_bytes
from ..models import RosterImport
from .analysis import _Row

logger = logging.getLogger("roster.services")

FORMAT_VERSION = 1
_FIELDS = (
    "number",
    "name",
    "id_number",
    "id_hash",
    "staff_number",
    "unit_text",
    "post",
    "is_window_staff",
    "mobile",
    "hire_date",
    "has_hire_date",
)


def _name(roster_import: RosterImport) -> str:
    return f"{roster_import.file.name}.rows"


def _key_check() -> str:
    """Changes when the ID-number hash key changes (the kept hashes would be stale)."""
    return hash_id_number("parsed-rows-key-check")[:16]


def parsed_rows_keep(*, roster_import: RosterImport, table: Table, rows: list[_Row]) -> None:
    """Keep the rows of a check without errors (replacing any kept before).

    Written as zlib-compressed JSON lines - a header, then one line per field with that
    field of every row - so that only one column is ever held as text, then encrypted.
    """
    if not roster_import.file:
        return
    parsed_rows_drop(roster_import=roster_import)
    header = {
        "version": FORMAT_VERSION,
        "sha256": roster_import.sha256,
        "key": _key_check(),
        "rows": len(rows),
        "table": {
            "format": table.format,
            "sheet": table.sheet,
            "sheet_names": table.sheet_names,
            "header_row": table.header_row,
            "headers": table.headers,
            "columns": table.columns,
        },
    }
    try:
        packer = zlib.compressobj(1)
        parts = [packer.compress(_line(header))]
        for name in _FIELDS:
            column = [getattr(row, name) for row in rows]
            if name == "hire_date":
                column = [d.isoformat() if d else None for d in column]
            parts.append(packer.compress(_line(column)))
        parts.append(packer.flush())
        data = encrypt_bytes(b"".join(parts))
        del parts
        roster_import.file.storage.save(_name(roster_import), ContentFile(data))
    except Exception:
        # Only a shortcut: without it the commit reads the file, as it always could.
        logger.exception("Could not keep the rows of roster import %s", roster_import.pk)


def _line(value) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode() + b"\n"


def parsed_rows_load(*, roster_import: RosterImport) -> tuple[Table, list[_Row]] | None:
    """(table without its cells, rows) kept for this upload, or None."""
    if not roster_import.file:
        return None
    storage = roster_import.file.storage
    name = _name(roster_import)
    try:
        if not storage.exists(name):
            return None
        with storage.open(name, "rb") as handle:
            lines = zlib.decompress(decrypt_bytes(handle.read())).split(b"\n")
        header = json.loads(lines[0])
        if (
            header.get("version") != FORMAT_VERSION
            or header.get("sha256") != roster_import.sha256
            or header.get("key") != _key_check()
            or len(lines) != len(_FIELDS) + 2
        ):
            return None
        columns = []
        for index in range(1, len(_FIELDS) + 1):
            columns.append(json.loads(lines[index]))
            lines[index] = b""
        del lines
    except Exception:
        logger.warning(
            "Kept rows of roster import %s unreadable; reading the file", roster_import.pk
        )
        return None
    date = datetime.date.fromisoformat
    dates = _FIELDS.index("hire_date")
    columns[dates] = [date(d) if d else None for d in columns[dates]]
    rows = [
        _Row(number, name, id_number, id_hash, staff_number, None, *rest)
        for number, name, id_number, id_hash, staff_number, *rest in zip(*columns, strict=True)
    ]
    if len(rows) != header["rows"]:
        return None
    return Table(**header["table"]), rows


def parsed_rows_drop(*, roster_import: RosterImport) -> None:
    if not roster_import.file:
        return
    storage = roster_import.file.storage
    name = _name(roster_import)
    try:
        if storage.exists(name):
            storage.delete(name)
    except OSError:
        logger.exception("Could not drop the kept rows of roster import %s", roster_import.pk)
