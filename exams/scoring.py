"""Scoring answers: pure functions over an item's frozen key."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from core.text import compact

from .models import QuestionType


def normalise_blank(value: object) -> str:
    """Blanks compare without spaces, full-width forms or letter case."""
    return compact(value).casefold()


def _as_list(value) -> list:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def score_answer(
    *, qtype: str, key: list, answer, points: Decimal, partial_credit: bool
) -> Decimal | None:
    """Points for an answer, or None when a person must grade it."""
    points = Decimal(points)
    if qtype in (QuestionType.SHORT_ANSWER, QuestionType.SCENARIO):
        return None
    given = [str(a).strip().upper() for a in _as_list(answer) if str(a).strip()]
    if qtype in (QuestionType.SINGLE, QuestionType.TRUE_FALSE):
        return points if given and given[:1] == [str(k).upper() for k in key][:1] else Decimal(0)
    if qtype == QuestionType.MULTIPLE:
        chosen, correct = set(given), {str(k).upper() for k in key}
        if chosen == correct:
            return points
        if partial_credit and chosen and chosen < correct:
            return (points / 2).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
        return Decimal(0)
    if qtype == QuestionType.FILL_BLANK:
        blanks = key or []
        answers = _as_list(answer)
        if not blanks:
            return Decimal(0)
        right = sum(
            1
            for i, accepted in enumerate(blanks)
            if i < len(answers)
            and normalise_blank(answers[i]) in {normalise_blank(a) for a in _as_list(accepted)}
        )
        return (points * right / len(blanks)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return Decimal(0)


def is_correct(*, qtype: str, key: list, answer) -> bool:
    awarded = score_answer(
        qtype=qtype, key=key, answer=answer, points=Decimal(1), partial_credit=False
    )
    return awarded == Decimal(1)
