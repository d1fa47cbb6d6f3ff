"""The theory part of an assessment comes from a finished exam attempt."""

import pytest
from django.core.exceptions import ValidationError

from certificates.services import assessment_create, assessment_record_theory_from_attempt
from exams.services import attempt_save, attempt_start, attempt_submit

from ..exams.helpers import make_bank, open_session
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
    attempt = attempt_submit(attempt=attempt)
    assessment = assessment_record_theory_from_attempt(assessment=assessment, attempt=attempt)
    assert assessment.theory_score == 75
    assert assessment.theory_attempt_ref == attempt.public_id.hex

    other = StaffFactory(department=city.township_a1)
    with pytest.raises(ValidationError):
        assessment_record_theory_from_attempt(
            assessment=assessment_create(candidate=other, level=levels[5]), attempt=attempt
        )
