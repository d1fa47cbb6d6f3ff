"""The exam engine as the training cycle sees it.

Everything training needs from the exam engine (sessions, attempts, scores per
knowledge point, practice sets, the mistake book) goes through these few functions,
so the rest of the app only handles plain ids and small dataclasses. Until the exam
engine is present they answer "nothing" and the cycle still works for weekly training.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class ExamLink:
    title: str
    url: str
    starts_at: datetime.datetime | None = None
    ends_at: datetime.datetime | None = None


@dataclass(frozen=True)
class ResultLine:
    title: str
    score: Decimal | None
    passed: bool | None
    at: datetime.datetime | None


@dataclass
class ExamResult:
    """One person's result in a session: total score (0-100) and per knowledge point
    {id: (name, percent)}."""

    staff_id: int
    score: Decimal
    passed: bool
    points: dict[int, tuple[str, float]] = field(default_factory=dict)


def engine_available() -> bool:
    return False


def open_exams(*, staff) -> list[ExamLink]:
    return []


def upcoming_exams(*, staff) -> list[ExamLink]:
    return []


def recent_results(*, staff, limit: int = 5) -> list[ResultLine]:
    return []


def mistakes_to_review(*, staff) -> int:
    return 0


def mistakes_url() -> str:
    return ""


def practice_url(*, practice_set_id: int | None) -> str:
    return ""


def practice_set_for_points(
    *, title: str, knowledge_point_ids: Iterable[int], size: int = 10
) -> int | None:
    return None


def monthly_session_create(
    *, title: str, month: datetime.date, staff_ids: Iterable[int], created_by=None
) -> int | None:
    return None


def makeup_session_create(
    *, title: str, original_session_id: int, staff_ids: Iterable[int], created_by=None
) -> int | None:
    return None


def followup_session_create(
    *, title: str, knowledge_point_ids: Iterable[int], staff_ids: Iterable[int], created_by=None
) -> int | None:
    return None


def session_is_over(*, session_id: int) -> bool:
    return False


def session_results(*, session_id: int) -> dict[int, ExamResult]:
    return {}


def year_results(*, staff_ids: Iterable[int], year: int) -> dict[int, list[str]]:
    """Each person's monthly exam results of the year, as short text ("03: 78.0")."""
    return {}
