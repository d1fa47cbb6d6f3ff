"""The report of a check: what a commit would do, and what stops it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError


def background_rows() -> int:
    return int(getattr(settings, "ROSTER_BACKGROUND_ROWS", 2000))


def detail_limit() -> int:
    return int(getattr(settings, "ROSTER_REPORT_DETAIL_LIMIT", 1000))


# --- the report ---------------------------------------------------------------------------


@dataclass
class Report:
    """What an import found (and, once committed, did). JSON-serialisable via to_dict."""

    filename: str = ""
    sha256: str = ""
    format: str = ""
    sheet: str = ""
    sheet_names: list[str] = field(default_factory=list)
    header_row: int = 0
    sync: bool = False
    refused: dict | None = None
    counts: dict[str, int] = field(default_factory=dict)
    errors: list[dict] = field(default_factory=list)
    new: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    leaving: list[dict] = field(default_factory=list)
    committed: bool = False
    transfers_applied: bool = False

    @property
    def ok(self) -> bool:
        return self.refused is None and not self.errors

    def to_dict(self) -> dict:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "format": self.format,
            "sheet": self.sheet,
            "sheet_names": self.sheet_names,
            "header_row": self.header_row,
            "sync": self.sync,
            "refused": self.refused,
            "counts": self.counts,
            "errors": self.errors,
            "new": self.new,
            "updated": self.updated,
            "transfers": self.transfers,
            "leaving": self.leaving,
            "committed": self.committed,
            "transfers_applied": self.transfers_applied,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Report:
        known = {k: v for k, v in (data or {}).items() if k in cls.__dataclass_fields__}
        return cls(**known)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _refusal_report(exc: ValidationError, *, filename: str, sha256: str, sync: bool) -> Report:
    error = exc.error_list[0]
    message = str(error.message % error.params) if error.params else str(error.message)
    return Report(
        filename=filename,
        sha256=sha256,
        sync=sync,
        refused={"code": error.code, "message": message},
        counts=_zero_counts(),
    )


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(
        ("rows", "new", "updated", "unchanged", "transfers", "leaving", "errors", "error_rows"),
        0,
    )
