"""Theory scores that came from the exam engine follow its re-scoring.

An assessment's theory score is copied from an exam attempt
(`services.assessment_record_theory_from_attempt`). When that attempt is re-scored (a
key correction, a grade by a person), the exam engine calls the hooks listed in
settings.EXAM_RESULTS_CHANGED_HOOKS, inside its own transaction; this is the one for
certificates.
"""

from __future__ import annotations

from decimal import Decimal

from audit.services import audit_record

from .models import Assessment, Certificate
from .services import assessment_evaluate, certification_settings_get


def assessments_follow_exam_results(*, attempts, acting_user=None, request=None) -> int:
    """A theory score taken from one of `attempts` follows its new percentage, audited
    (`assessment.theory_followed`), and the assessment's status is evaluated again —
    until the certificate is issued. After issuance the certificate and its basis are
    left as they are and the assessment is flagged for review with the new score
    (`theory_changed_to`, audited `assessment.theory_changed_after_issue`). Returns how
    many assessments were touched."""
    by_ref = {str(a.public_id).replace("-", ""): a for a in attempts}
    if not by_ref:
        return 0
    touched = 0
    for assessment in (
        Assessment.objects.select_for_update()
        .filter(theory_attempt_ref__in=list(by_ref))
        .order_by("pk")
    ):
        attempt = by_ref[assessment.theory_attempt_ref]
        if attempt.needs_grading or attempt.percent is None:
            continue  # not a result (being graded again): the last one stands
        new = Decimal(attempt.percent).quantize(Decimal("0.1"))
        before = assessment.theory_score
        if Certificate.objects.filter(assessment=assessment).exists():
            if new in (before, assessment.theory_changed_to):
                continue
            assessment.theory_changed_to = new
            assessment.save(update_fields=["theory_changed_to", "updated_at"])
            action = "assessment.theory_changed_after_issue"
        else:
            if new == before:
                continue
            assessment.theory_score = new
            assessment.status = assessment_evaluate(
                assessment=assessment, rules=certification_settings_get()
            )
            assessment.save(update_fields=["theory_score", "status", "updated_at"])
            action = "assessment.theory_followed"
        audit_record(
            action=action,
            actor=acting_user,
            target=assessment,
            request=request,
            data={"attempt": assessment.theory_attempt_ref, "from": str(before), "to": str(new)},
        )
        touched += 1
    return touched
