"""The question bank: create and change questions, and correct an answer key (which
re-scores the finished attempts that asked the question)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record
from organisation.access import is_administrator

from ..access import attempts_rescored_by, key_correction_outside
from ..messages import MSG_KEY_NEEDS_CORRECTION, MSG_KEY_OUTSIDE
from ..models import AttemptItem, Question
from .grading import _score_items, _total

QUESTION_FIELDS = (
    "type",
    "stem",
    "options",
    "answer",
    "rubric",
    "explanation",
    "knowledge_point",
    "difficulty",
    "status",
)


def question_create(*, acting_user, request=None, **fields) -> Question:
    """A new question of the bank (fields as in QUESTION_FIELDS), audited."""
    with transaction.atomic():
        question = Question.objects.create(
            **{k: v for k, v in fields.items() if k in QUESTION_FIELDS}
        )
        audit_record(
            action="exam.question_created",
            actor=acting_user,
            target=question,
            request=request,
            data={"type": question.type, "stem": question.stem[:100]},
        )
    return question


def question_update(*, question: Question, acting_user, request=None, **fields) -> Question:
    """Change a question's fields, audited. Past attempts keep their own frozen copy,
    so nothing here changes them; the answer key of a question that has been asked
    changes only through `question_correct_key` (which re-scores)."""
    changed = [
        name
        for name in QUESTION_FIELDS
        if name in fields and getattr(question, name) != fields[name]
    ]
    if "answer" in changed and AttemptItem.objects.filter(question=question).exists():
        raise ValidationError(MSG_KEY_NEEDS_CORRECTION, code="key_needs_correction")
    if not changed:
        return question
    with transaction.atomic():
        for name in changed:
            setattr(question, name, fields[name])
        question.save(update_fields=[*changed, "updated_at"])
        audit_record(
            action="exam.question_changed",
            actor=acting_user,
            target=question,
            request=request,
            data={"fields": changed},
        )
    return question


def key_correction_check(*, question: Question, acting_user) -> int:
    """How many finished attempts a key correction by this user would re-score; raises
    ValidationError when some are in sessions outside the user's subtree and the user
    is not an administrator."""
    outside = key_correction_outside(acting_user, question)
    if outside and not is_administrator(acting_user):
        raise ValidationError(
            {
                "answer": ValidationError(
                    MSG_KEY_OUTSIDE, code="key_outside", params={"count": outside}
                )
            }
        )
    return attempts_rescored_by(question).count()


def question_correct_key(*, question: Question, answer: list, acting_user, request=None) -> int:
    """Correct a question's key and re-score every finished attempt that asked it.
    Returns the number of attempts re-scored.

    A coordinator may do this only when every one of those attempts is in a session
    organised in their subtree; otherwise an administrator must (ValidationError on
    the `answer` field, code "key_outside")."""
    key_correction_check(question=question, acting_user=acting_user)
    with transaction.atomic():
        old = question.answer
        question.answer = answer
        question.save(update_fields=["answer", "updated_at"])
        AttemptItem.objects.filter(question=question).update(key=answer)
        attempts = list(attempts_rescored_by(question).select_related("session"))
        for attempt in attempts:
            items = list(attempt.items.all())
            _score_items(
                [i for i in items if i.question_id == question.pk],
                partial_credit=attempt.session.partial_credit,
            )
            AttemptItem.objects.bulk_update(
                [i for i in items if i.question_id == question.pk], ["awarded"]
            )
            _total(attempt, items)
            attempt.save(update_fields=["score", "percent", "passed", "needs_grading"])
        audit_record(
            action="exam.key_corrected",
            actor=acting_user,
            target=question,
            request=request,
            data={"from": old, "to": answer, "rescored": len(attempts)},
        )
    return len(attempts)
