"""The learners' evaluation of training (培训满意度): one anonymous answer per person and
class or weekly module. The receipt (who answered) and the response (what was answered,
with the person's unit but not the person) are separate rows."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.services import audit_record
from core.text import clean_text
from organisation.models import Staff

from ..models import (
    ClassAttendance,
    EvaluationQuestion,
    EvaluationRating,
    EvaluationReceipt,
    EvaluationResponse,
    TrainingClass,
    WeeklyModule,
)
from .common import (
    MSG_COMMENT_TOO_LONG,
    MSG_EVALUATION_ALREADY,
    MSG_EVALUATION_NOT_ATTENDED,
    MSG_EVALUATION_TOO_EARLY,
    MSG_RATING_MISSING,
    MSG_RATING_RANGE,
)
from .lessons import staff_can_study

COMMENT_MAX = 1000


# The questionnaire's default ratings (also created by migration 0007; the administrator
# may change them). Put back if the table is ever empty, so a rating always has questions.
DEFAULT_QUESTIONS = [
    ("content", "培训内容是否充实、准确？"),
    ("trainer", "授课老师讲解是否清楚？"),
    ("organisation", "培训组织安排是否有序？"),
    ("usefulness", "培训内容对窗口工作是否有帮助？"),
]


def evaluation_questions():
    if not EvaluationQuestion.objects.exists():
        EvaluationQuestion.objects.bulk_create(
            EvaluationQuestion(text=text, aspect=aspect, order=n)
            for n, (aspect, text) in enumerate(DEFAULT_QUESTIONS, start=1)
        )
    return list(EvaluationQuestion.objects.filter(is_active=True).order_by("order", "pk"))


def _clean_ratings(ratings: dict, questions: list[EvaluationQuestion]) -> dict[int, int]:
    cleaned: dict[int, int] = {}
    given = {str(k): v for k, v in (ratings or {}).items()}
    for question in questions:
        value = given.get(str(question.pk))
        if value in (None, ""):
            raise ValidationError({"ratings": [MSG_RATING_MISSING]})
        try:
            number = int(str(value))
        except ValueError:
            raise ValidationError({"ratings": [MSG_RATING_RANGE]}) from None
        if str(number) != str(value).strip() or not 1 <= number <= 5:
            raise ValidationError({"ratings": [MSG_RATING_RANGE]})
        cleaned[question.pk] = number
    return cleaned


def evaluation_may_answer(
    *,
    staff: Staff,
    training_class: TrainingClass | None = None,
    module: WeeklyModule | None = None,
    now: datetime.datetime | None = None,
) -> None:
    """Raise the reason the person may not rate this (yet), if any."""
    now = now or timezone.now()
    if training_class is not None:
        attended = ClassAttendance.objects.filter(
            training_class=training_class, staff=staff, checked_in_at__isnull=False
        ).exists()
        if not attended:
            raise ValidationError(MSG_EVALUATION_NOT_ATTENDED, code="not_attended")
        if not training_class.is_closed and now < training_class.ends_at:
            raise ValidationError(MSG_EVALUATION_TOO_EARLY, code="too_early")
        done = EvaluationReceipt.objects.filter(staff=staff, training_class=training_class)
    else:
        staff_can_study(staff=staff, module=module)
        done = EvaluationReceipt.objects.filter(staff=staff, module=module)
    if done.exists():
        raise ValidationError(MSG_EVALUATION_ALREADY, code="already")


def evaluation_submit(
    *,
    staff: Staff,
    ratings: dict,
    comment: str = "",
    training_class: TrainingClass | None = None,
    module: WeeklyModule | None = None,
    now: datetime.datetime | None = None,
) -> EvaluationResponse:
    """Record one person's answer to the questionnaire of a class or a module: every
    active question rated 1-5, an optional comment. Once per person and training."""
    if (training_class is None) == (module is None):
        raise ValueError("Rate either a class or a module.")
    now = now or timezone.now()
    evaluation_may_answer(staff=staff, training_class=training_class, module=module, now=now)
    questions = evaluation_questions()
    cleaned = _clean_ratings(ratings, questions)
    comment = clean_text(comment or "")
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": [MSG_COMMENT_TOO_LONG]})
    try:
        with transaction.atomic():
            EvaluationReceipt.objects.create(
                staff=staff, training_class=training_class, module=module, submitted_at=now
            )
            response = EvaluationResponse.objects.create(
                training_class=training_class,
                module=module,
                department_id=staff.department_id,
                trainer_label=training_class.trainer_label if training_class else "",
                comment=comment,
                month=timezone.localtime(now).date().replace(day=1),
            )
            EvaluationRating.objects.bulk_create(
                EvaluationRating(response=response, question_id=pk, rating=value)
                for pk, value in cleaned.items()
            )
            audit_record(
                action="training.evaluation_submitted",
                actor=staff.user,
                target=training_class or module,
            )
    except IntegrityError:  # a second answer sent at the same moment
        raise ValidationError(MSG_EVALUATION_ALREADY, code="already") from None
    return response
