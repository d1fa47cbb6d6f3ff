"""The theory part of an assessment comes from a finished exam attempt."""

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from certificates.models import AssessmentStatus
from certificates.services import (
    assessment_create,
    assessment_record_practical,
    assessment_record_theory_from_attempt,
    certificate_issue,
)
from exams.services import attempt_save, attempt_start, item_grade, question_correct_key

from ..exams.helpers import hand_in_and_score, make_bank, open_session
from ..factories import StaffFactory, UserFactory


def test_theory_score_is_taken_from_a_graded_attempt(city, levels):
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[{"type": "single", "count": 4, "points": 25}],
    )
    attempt = attempt_start(session=session, staff=staff)
    for item in attempt.items.all()[:3]:
        attempt_save(
            attempt_id=attempt.public_id,
            user_id=user.pk,
            position=item.position,
            answer=item.key,
            seq=1,
        )
    assessment = assessment_create(candidate=staff, level=levels[5])
    with pytest.raises(ValidationError):
        assessment_record_theory_from_attempt(assessment=assessment, attempt=attempt)
    attempt = hand_in_and_score(attempt)
    assessment = assessment_record_theory_from_attempt(assessment=assessment, attempt=attempt)
    assert assessment.theory_score == 75
    assert assessment.theory_attempt_ref == attempt.public_id.hex

    other = StaffFactory(department=city.township_a1)
    with pytest.raises(ValidationError):
        assessment_record_theory_from_attempt(
            assessment=assessment_create(candidate=other, level=levels[5]), attempt=attempt
        )


def _assessment_from_exam(city, levels, *, right: int):
    """An assessment whose theory score came from an attempt with `right` of four single
    choice questions answered with the key (25 points each)."""
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[{"type": "single", "count": 4, "points": 25}],
    )
    attempt = attempt_start(session=session, staff=staff)
    items = list(attempt.items.order_by("position"))
    for item in items[:right]:
        attempt_save(
            attempt_id=attempt.public_id,
            user_id=user.pk,
            position=item.position,
            answer=item.key,
            seq=1,
        )
    wrong = items[right]
    attempt_save(
        attempt_id=attempt.public_id, user_id=user.pk, position=wrong.position, answer=["D"], seq=1
    )
    attempt = hand_in_and_score(attempt)
    assessment = assessment_create(candidate=staff, level=levels[5])
    assessment_record_theory_from_attempt(assessment=assessment, attempt=attempt)
    return assessment, attempt, wrong


def test_a_key_correction_carries_into_the_theory_score_until_issuance(city, levels, administrator):
    assessment, attempt, wrong = _assessment_from_exam(city, levels, right=2)
    assert assessment.theory_score == 50
    assessment_record_practical(assessment=assessment, score=90, source_label="考评员")
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.FAILED  # 50 < 60

    # The key of the question answered "D" was wrong: D was right after all.
    rescored = question_correct_key(
        question=wrong.question, answer=["D"], acting_user=administrator
    )
    assert rescored >= 1
    attempt.refresh_from_db()
    assert attempt.percent == 75
    assessment.refresh_from_db()
    assert assessment.theory_score == 75
    assert assessment.status == AssessmentStatus.PASSED  # the rule ran again
    assert assessment.theory_changed_to is None
    entry = AuditEntry.objects.get(action="assessment.theory_followed")
    assert entry.data["from"] == "50.0" and entry.data["to"] == "75.0"
    assert entry.actor == administrator


def test_after_issuance_a_changed_result_is_flagged_not_applied(city, levels, administrator):
    assessment, _attempt, wrong = _assessment_from_exam(city, levels, right=3)
    assessment_record_practical(assessment=assessment, score=90, source_label="考评员")
    certificate = certificate_issue(assessment=assessment)

    question_correct_key(question=wrong.question, answer=["D"], acting_user=administrator)
    assessment.refresh_from_db()
    certificate.refresh_from_db()
    assert assessment.theory_score == 75  # the certificate's basis is left as it was
    assert assessment.theory_changed_to == 100  # and the change waits for a review
    assert certificate.revoked_on is None
    entry = AuditEntry.objects.get(action="assessment.theory_changed_after_issue")
    assert entry.data["from"] == "75.0" and entry.data["to"] == "100.0"
    assert not AuditEntry.objects.filter(action="assessment.theory_followed").exists()


def test_a_grade_that_changes_the_result_is_followed_too(city, levels, coordinator_a):
    user = UserFactory()
    staff = StaffFactory(department=city.township_a1, user=user)
    make_bank()
    session = open_session(
        city.county_a,
        departments=[city.county_a],
        rules=[
            {"type": "single", "count": 1, "points": 50},
            {"type": "short_answer", "count": 1, "points": 50},
        ],
    )
    attempt = attempt_start(session=session, staff=staff)
    short = attempt.items.get(type="short_answer")
    attempt_save(
        attempt_id=attempt.public_id,
        user_id=user.pk,
        position=short.position,
        answer="先受理",
        seq=1,
    )
    attempt = hand_in_and_score(attempt)
    item_grade(item=short, points=40, acting_user=coordinator_a)
    attempt.refresh_from_db()
    assessment = assessment_create(candidate=staff, level=levels[5])
    assessment_record_theory_from_attempt(assessment=assessment, attempt=attempt)
    assert assessment.theory_score == 40

    short.refresh_from_db()
    item_grade(item=short, points=45, acting_user=coordinator_a)
    assessment.refresh_from_db()
    assert assessment.theory_score == 45
    assert AuditEntry.objects.filter(action="assessment.theory_followed").count() == 1
