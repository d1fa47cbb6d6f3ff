"""The question bank: create and change questions, and correct an answer key (which
re-scores the finished attempts that asked the question)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction

from audit.services import audit_record
from organisation.access import is_administrator

from ..access import attempts_rescored_by, key_correction_outside
from ..messages import (
    MSG_KEY_NEEDS_CORRECTION,
    MSG_KEY_OUTSIDE,
    MSG_NO_VERSION,
    MSG_RESTORED,
    MSG_REVIEW_NEEDED,
)
from ..models import AttemptItem, Question, QuestionStatus, QuestionVersion
from .grading import _score_items, _total
from .versions import (
    VERSIONED_FIELDS,
    new_question_status,
    question_content,
    review_required,
    version_next,
    versions_first,
)

QUESTION_FIELDS = (
    "type",
    "stem",
    "options",
    "answer",
    "rubric",
    "reference_answer",
    "explanation",
    "knowledge_point",
    "difficulty",
    "points",
    "status",
)


def question_create(*, acting_user, request=None, **fields) -> Question:
    """A new question of the bank (fields as in QUESTION_FIELDS), audited, with its
    first version. When the city wants a review, it starts as a draft."""
    values = {k: v for k, v in fields.items() if k in QUESTION_FIELDS}
    if values.get("status") != QuestionStatus.RETIRED:
        values["status"] = new_question_status(values.get("status"))
    with transaction.atomic():
        question = Question.objects.create(created_by=acting_user, **values)
        versions_first(questions=[question], acting_user=acting_user)
        audit_record(
            action="exam.question_created",
            actor=acting_user,
            target=question,
            request=request,
            data={"type": question.type, "stem": question.stem[:100]},
        )
    return question


def question_update(
    *, question: Question, acting_user, request=None, note: str = "", **fields
) -> Question:
    """Change a question's fields, audited. A change of content makes a new version
    (`versions`); past attempts keep their own frozen copy, so nothing here changes
    them; the answer key of a question that has been asked changes only through
    `question_correct_key` (which re-scores). A draft goes live only through review
    (`question_approve`) when the city wants one."""
    if "knowledge_point_id" in fields:
        fields["knowledge_point"] = fields.pop("knowledge_point_id")
    changed = [
        name
        for name in QUESTION_FIELDS
        if name in fields and _current(question, name) != _comparable(name, fields[name])
    ]
    if "answer" in changed and AttemptItem.objects.filter(question=question).exists():
        raise ValidationError(MSG_KEY_NEEDS_CORRECTION, code="key_needs_correction")
    if (
        "status" in changed
        and question.status == QuestionStatus.DRAFT
        and fields["status"] == QuestionStatus.ACTIVE
        and question.reviewed_by_id is None
        and review_required()
    ):
        raise ValidationError({"status": ValidationError(MSG_REVIEW_NEEDED, code="review")})
    if not changed:
        return question
    before = question_content(question)
    with transaction.atomic():
        for name in changed:
            if name == "knowledge_point" and not isinstance(fields[name], models.Model):
                question.knowledge_point_id = fields[name]
            else:
                setattr(question, name, fields[name])
        question.save(update_fields=[*changed, "updated_at"])
        if any(name in VERSIONED_FIELDS for name in changed):
            version_next(question=question, before=before, acting_user=acting_user, note=note)
        audit_record(
            action="exam.question_changed",
            actor=acting_user,
            target=question,
            request=request,
            data={"fields": changed},
        )
    return question


def _current(question: Question, name: str):
    return question.knowledge_point_id if name == "knowledge_point" else getattr(question, name)


def _comparable(name: str, value):
    """A new value as stored: a knowledge point by its pk, points as a Decimal."""
    if name == "knowledge_point":
        return value.pk if isinstance(value, models.Model) else value
    if name == "points" and value is not None and not isinstance(value, Decimal):
        return Decimal(str(value))
    return value


def question_restore(*, question: Question, number: int, acting_user, request=None) -> Question:
    """Make version `number`'s content current again, as a new version (the rules of
    an edit apply: an asked question's key changes only through a key correction)."""
    version = QuestionVersion.objects.filter(question=question, number=number).first()
    if version is None:
        raise ValidationError(MSG_NO_VERSION, code="no_version")
    fields = {k: v for k, v in version.content.items() if k in VERSIONED_FIELDS}
    if fields.get("points") is not None:
        fields["points"] = Decimal(str(fields["points"]))
    return question_update(
        question=question,
        acting_user=acting_user,
        request=request,
        note=str(MSG_RESTORED % {"number": number}),
        **fields,
    )


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
        before = {**question_content(question), "answer": old}
        version_next(question=question, before=before, acting_user=acting_user, note="key")
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
