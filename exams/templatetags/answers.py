"""Answers as people read them: option letters with their text, in A-F order.

An attempt item keeps its options in the order they were shown (shuffled per person),
each with its own letter; a bank question keeps option texts by position. Answers and
keys are stored as lists (letters, or one entry per blank, each a list of accepted
answers). None of that is for reading: these filters turn them into short lines.
"""

from django import template
from django.utils.translation import gettext as _

from ..models import CHOICE_TYPES, AttemptItem, QuestionType

register = template.Library()

LETTERS = "ABCDEFGH"


def options_by_letter(options) -> list[tuple[str, str]]:
    """(letter, text) pairs in letter order, from either stored shape of options."""
    pairs = []
    for position, option in enumerate(options or []):
        if isinstance(option, dict):
            pairs.append((str(option.get("key", "")), str(option.get("text", ""))))
        elif position < len(LETTERS):
            pairs.append((LETTERS[position], str(option)))
    return sorted(pairs)


def _as_list(value) -> list:
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def answer_lines(qtype: str, options, value) -> list[str]:
    """One line per chosen option ("B. text", in letter order), per blank, or the text
    written. An empty list means no answer."""
    values = _as_list(value)
    if qtype in CHOICE_TYPES:
        texts = dict(options_by_letter(options))
        letters = sorted({str(v).strip().upper() for v in values if str(v).strip()})
        return [f"{letter}. {texts[letter]}" if letter in texts else letter for letter in letters]
    if qtype == QuestionType.FILL_BLANK:
        blanks = [" / ".join(str(a) for a in _as_list(v) if str(a).strip()) for v in values]
        if not any(blanks):
            return []
        if len(blanks) == 1:
            return blanks
        return [
            _("Blank %(n)s: %(text)s") % {"n": n, "text": text or "—"}
            for n, text in enumerate(blanks, 1)
        ]
    return [str(v) for v in values if str(v).strip()]


@register.filter
def letter_options(item) -> list[tuple[str, str]]:
    """An item's or a question's options in A-F order."""
    return options_by_letter(getattr(item, "options", None))


@register.filter
def given_answer(item: AttemptItem) -> list[str]:
    """What the candidate answered, as lines."""
    return answer_lines(item.type, item.options, item.answer)


@register.filter
def correct_answer(item) -> list[str]:
    """The key of an attempt item (its frozen copy) or of a bank question, as lines."""
    key = item.key if isinstance(item, AttemptItem) else item.answer
    return answer_lines(item.type, item.options, key)


@register.filter
def rubric_lines(item) -> list[str]:
    """Scoring points of an open question: "point (5 points)"."""
    lines = []
    for row in getattr(item, "rubric", None) or []:
        if isinstance(row, dict) and str(row.get("item", "")).strip():
            points = row.get("points")
            lines.append(
                _("%(item)s (%(points)s points)") % {"item": row["item"], "points": points}
                if points not in (None, "")
                else str(row["item"])
            )
    return lines


@register.simple_tag
def answer_text(item, value) -> list[str]:
    """Any answer value to an item or question, as lines: {% answer_text q v as lines %}."""
    return answer_lines(item.type, item.options, value)
