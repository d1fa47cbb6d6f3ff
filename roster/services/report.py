"""The report of a check: what a commit would do, and what stops it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError

from core import imports


def background_rows() -> int:
    return int(getattr(settings, "ROSTER_BACKGROUND_ROWS", 2000))


def detail_limit() -> int:
    return int(getattr(settings, "ROSTER_REPORT_DETAIL_LIMIT", 1000))


# --- the report ---------------------------------------------------------------------------


@dataclass
class Report(imports.ImportReport):
    """What a roster import found (and, once committed, did): the engine's report plus
    who is new, changed, moved in and (sync mode) leaving. JSON via to_dict."""

    sync: bool = False
    new: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    transfers: list[dict] = field(default_factory=list)
    leaving: list[dict] = field(default_factory=list)
    transfers_applied: bool = False

    def __post_init__(self):
        if not self.counts:
            self.counts = _zero_counts()


def _refusal_report(exc: ValidationError, *, filename: str, sha256: str, sync: bool) -> Report:
    return Report(filename=filename, sha256=sha256, sync=sync, refused=imports.refusal(exc))


def _zero_counts() -> dict[str, int]:
    return dict.fromkeys(
        ("rows", "new", "updated", "unchanged", "transfers", "leaving", "errors", "error_rows"),
        0,
    )
