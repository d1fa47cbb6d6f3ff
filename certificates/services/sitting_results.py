"""The sitting's results: each present candidate's assessment (theory from the exam
attempt, practical from the examiners' mean, the review panel of levels 2 and 1),
and issuing the certificates of the sitting in one step (`sitting_issue_run` is what
the background task runs; `sitting_issue_request` asks for it)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from core.text import clean_text
from exams.models import FINISHED_STATUSES, Attempt

from .. import sitting_messages as m
from ..models import (
    Assessment,
    AssessmentStatus,
    Attendance,
    Candidate,
    CandidateStatus,
    Certificate,
    ReviewPanelRecord,
    Sitting,
)
from .assessments import (
    assessment_create,
    assessment_record_practical,
    assessment_record_review,
    assessment_record_theory_from_attempt,
)
from .common import logger
from .issuance import certificate_issue
from .sittings import check_organiser


@dataclass(frozen=True)
class ResultsSummary:
    assessed: int
    passed: int
    failed: int
    pending: int
    absent: int


def _theory_attempt(sitting: Sitting, candidate: Candidate) -> Attempt | None:
    """The candidate's best finished, fully graded attempt of the theory exam."""
    if sitting.theory_session_id is None:
        return None
    return (
        Attempt.objects.select_related("session")
        .filter(
            session_id=sitting.theory_session_id,
            staff_id=candidate.staff_id,
            status__in=FINISHED_STATUSES,
            needs_grading=False,
            percent__isnull=False,
        )
        .order_by("-percent", "-pk")
        .first()
    )


def sitting_results_compute(*, sitting: Sitting, acting_user, request=None) -> ResultsSummary:
    """Once every room is signed off: one assessment per present candidate with the
    theory score of their exam attempt, the practical mean and (levels 2 and 1) the
    review panel's decision. Safe to run again (a late exam grade, a panel record)."""
    check_organiser(acting_user, sitting)
    rooms = sitting.rooms.filter(candidates__status=CandidateStatus.CONFIRMED).distinct()
    if not rooms.exists() or rooms.filter(signed_off_at__isnull=True).exists():
        raise ValidationError(m.MSG_ROOMS_NOT_SIGNED, code="not_signed_off")
    label = sitting.title[:100]
    counts = {str(s): 0 for s in AssessmentStatus.values}
    absent = 0
    with transaction.atomic():
        people = (
            sitting.candidates.filter(status=CandidateStatus.CONFIRMED)
            .select_related("staff__department", "assessment", "review_panel")
            .order_by("pk")
        )
        for candidate in people:
            if candidate.attendance != Attendance.PRESENT:
                absent += 1
                continue
            assessment = candidate.assessment
            if assessment is None:
                assessment = assessment_create(
                    candidate=candidate.staff,
                    level=sitting.level,
                    assessed_on=timezone.localtime(sitting.practical_starts_at).date(),
                    acting_user=acting_user,
                )
                candidate.assessment = assessment
                candidate.save(update_fields=["assessment"])
            if not Certificate.objects.filter(assessment=assessment).exists():
                attempt = _theory_attempt(sitting, candidate)
                if attempt is not None:
                    assessment_record_theory_from_attempt(
                        assessment=assessment, attempt=attempt, acting_user=acting_user
                    )
                if (
                    candidate.practical_score is not None
                    and assessment.practical_score != candidate.practical_score
                ):
                    assessment_record_practical(
                        assessment=assessment,
                        score=candidate.practical_score,
                        source_label=label,
                        acting_user=acting_user,
                    )
                panel = getattr(candidate, "review_panel", None)
                if (
                    sitting.level.requires_review
                    and panel is not None
                    and assessment.review_passed != panel.passed
                ):
                    assessment_record_review(
                        assessment=assessment,
                        passed=panel.passed,
                        note=panel.note or panel.panel,
                        acting_user=acting_user,
                    )
            counts[str(assessment.status)] += 1
        sitting.results_at = timezone.now()
        sitting.save(update_fields=["results_at"])
        summary = ResultsSummary(
            assessed=sum(counts.values()),
            passed=counts["passed"],
            failed=counts["failed"],
            pending=counts["pending"],
            absent=absent,
        )
        audit_record(
            action="sitting.results_reviewed",
            actor=acting_user,
            target=sitting,
            request=request,
            data=summary.__dict__,
        )
    return summary


def review_panel_record(
    *, candidate: Candidate, panel: str, passed: bool, note: str = "", acting_user, request=None
) -> ReviewPanelRecord:
    """The comprehensive review (综合评审) of a level 2 or 1 candidate, by a panel."""
    sitting = candidate.sitting
    check_organiser(acting_user, sitting)
    if not sitting.level.requires_review:
        raise ValidationError(m.MSG_NO_REVIEW, code="no_review")
    panel = clean_text(panel)
    if not panel:
        raise ValidationError({"panel": ValidationError(m.MSG_PANEL_REQUIRED, "required")})
    with transaction.atomic():
        record, _ = ReviewPanelRecord.objects.update_or_create(
            candidate=candidate,
            defaults={
                "panel": panel[:200],
                "passed": bool(passed),
                "note": clean_text(note)[:200],
                "recorded_by": acting_user,
            },
        )
        audit_record(
            action="sitting.review_recorded",
            actor=acting_user,
            target=candidate,
            request=request,
            data={"passed": record.passed, "panel": record.panel},
        )
    return record


def issuable(sitting: Sitting):
    """Passed assessments of the sitting without a certificate yet."""
    return Assessment.objects.filter(
        sitting_candidate__sitting=sitting,
        status=AssessmentStatus.PASSED,
        certificate__isnull=True,
    )


def sitting_issue_check(*, sitting: Sitting, acting_user) -> None:
    check_organiser(acting_user, sitting)
    if sitting.results_at is None:
        raise ValidationError(m.MSG_RESULTS_NOT_REVIEWED, code="not_reviewed")
    if sitting.issue_requested_at is not None and sitting.issue_finished_at is None:
        raise ValidationError(m.MSG_ISSUE_RUNNING, code="running")


def sitting_issue_run(*, sitting_id: int, acting_user_id: int | None) -> Sitting:
    """Issue the certificate of every passed assessment of the sitting with the
    issuance service, one transaction each, the progress kept on the sitting. A
    certificate that cannot be issued is listed with its reason; the rest go on."""
    sitting = Sitting.objects.get(pk=sitting_id)
    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    errors: list[str] = []
    done = 0
    for assessment in issuable(sitting).select_related("candidate__department", "level"):
        try:
            certificate_issue(assessment=assessment, acting_user=user)
        except (ValidationError, PermissionDenied) as exc:
            reason = "; ".join(getattr(exc, "messages", None) or [str(exc)])
            errors.append(f"{assessment.candidate.name}: {reason}")
        except Exception:  # one broken row must not stop the sitting's other certificates
            logger.exception("sitting %s: issuing assessment %s failed", sitting.pk, assessment.pk)
            errors.append(f"{assessment.candidate.name}: error")
        else:
            done += 1
        Sitting.objects.filter(pk=sitting.pk).update(issue_done=done, issue_errors=errors)
    with transaction.atomic():
        sitting.issue_done = done
        sitting.issue_errors = errors
        sitting.issue_finished_at = timezone.now()
        sitting.save(update_fields=["issue_done", "issue_errors", "issue_finished_at"])
        audit_record(
            action="sitting.certificates_issued",
            actor=user,
            target=sitting,
            data={"issued": done, "errors": len(errors)},
        )
    return sitting
