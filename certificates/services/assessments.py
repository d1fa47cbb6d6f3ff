"""Assessments: creating one and recording its theory, practical and review scores."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.services import audit_record
from core.text import clean_text, compact
from organisation.models import Staff

from ..models import (
    Assessment,
    AssessmentStatus,
    CertificationSettings,
    SkillLevel,
)
from .common import (
    MSG_LEVEL_NOT_OFFERED,
    MSG_NO_REVIEW_AT_LEVEL,
    _check_can_manage,
    _score,
    certification_settings_get,
)

# --- assessments -----------------------------------------------------------------------


def assessment_evaluate(*, assessment: Assessment, rules: CertificationSettings) -> str:
    """The pass rule: theory and practical both at least the pass mark, plus a passed
    comprehensive review where the level requires one. Missing parts keep it pending."""
    theory, practical = assessment.theory_score, assessment.practical_score
    review_needed = assessment.level.requires_review
    failed = (theory is not None and theory < rules.pass_mark) or (
        practical is not None and practical < rules.pass_mark
    )
    if failed or (review_needed and assessment.review_passed is False):
        return AssessmentStatus.FAILED
    if theory is None or practical is None or (review_needed and assessment.review_passed is None):
        return AssessmentStatus.PENDING
    return AssessmentStatus.PASSED


def _save_assessment(assessment: Assessment, fields: list[str]) -> None:
    assessment.status = assessment_evaluate(
        assessment=assessment, rules=certification_settings_get()
    )
    assessment.save(update_fields=[*fields, "status", "updated_at"])


def assessment_create(
    *,
    candidate: Staff,
    level: SkillLevel,
    assessed_on: datetime.date | None = None,
    acting_user=None,
) -> Assessment:
    if not level.is_offered:
        raise ValidationError({"level": ValidationError(MSG_LEVEL_NOT_OFFERED, code="level")})
    _check_can_manage(acting_user, candidate.department)
    with transaction.atomic():
        assessment = Assessment.objects.create(
            candidate=candidate,
            level=level,
            assessed_on=assessed_on or timezone.localdate(),
            created_by=acting_user,
        )
        audit_record(
            action="assessment.created",
            actor=acting_user,
            target=assessment,
            data={"candidate": str(candidate.public_id), "level": level.code},
        )
    return assessment


def assessment_record_theory(
    *, assessment: Assessment, score, source_label: str, attempt_ref: str = "", acting_user=None
) -> Assessment:
    """Record the theory exam result (from the exam engine, or entered)."""
    value = _score(score)
    _check_can_manage(acting_user, assessment.candidate.department)
    with transaction.atomic():
        assessment.theory_score = value
        assessment.theory_source = clean_text(source_label)[:100]
        assessment.theory_attempt_ref = compact(attempt_ref)[:64]
        _save_assessment(assessment, ["theory_score", "theory_source", "theory_attempt_ref"])
        audit_record(
            action="assessment.theory_recorded",
            actor=acting_user,
            target=assessment,
            data={"score": str(value), "source": assessment.theory_source},
        )
    return assessment


def assessment_record_practical(
    *, assessment: Assessment, score, source_label: str, acting_user=None
) -> Assessment:
    value = _score(score)
    _check_can_manage(acting_user, assessment.candidate.department)
    with transaction.atomic():
        assessment.practical_score = value
        assessment.practical_source = clean_text(source_label)[:100]
        _save_assessment(assessment, ["practical_score", "practical_source"])
        audit_record(
            action="assessment.practical_recorded",
            actor=acting_user,
            target=assessment,
            data={"score": str(value), "source": assessment.practical_source},
        )
    return assessment


def assessment_record_review(
    *, assessment: Assessment, passed: bool, note: str = "", acting_user=None
) -> Assessment:
    """The comprehensive review (综合评审) of levels 2 and 1."""
    if not assessment.level.requires_review:
        raise ValidationError(MSG_NO_REVIEW_AT_LEVEL, code="no_review")
    _check_can_manage(acting_user, assessment.candidate.department)
    with transaction.atomic():
        assessment.review_passed = bool(passed)
        assessment.review_note = clean_text(note)[:200]
        _save_assessment(assessment, ["review_passed", "review_note"])
        audit_record(
            action="assessment.review_recorded",
            actor=acting_user,
            target=assessment,
            data={"passed": assessment.review_passed},
        )
    return assessment


MSG_ATTEMPT_NOT_THEIRS = _("This exam attempt belongs to someone else.")
MSG_ATTEMPT_NOT_GRADED = _("This exam attempt is not finished and fully graded yet.")


def assessment_record_theory_from_attempt(
    *, assessment: Assessment, attempt, acting_user=None
) -> Assessment:
    """Take the theory score from a finished, fully graded exam attempt of the same
    candidate (the exam engine's percentage, out of 100)."""
    from exams.models import FINISHED_STATUSES

    if attempt.staff_id != assessment.candidate_id:
        raise ValidationError(MSG_ATTEMPT_NOT_THEIRS)
    if attempt.status not in FINISHED_STATUSES or attempt.needs_grading or attempt.percent is None:
        raise ValidationError(MSG_ATTEMPT_NOT_GRADED)
    return assessment_record_theory(
        assessment=assessment,
        score=attempt.percent,
        source_label=attempt.session.title,
        attempt_ref=str(attempt.public_id).replace("-", ""),
        acting_user=acting_user,
    )
