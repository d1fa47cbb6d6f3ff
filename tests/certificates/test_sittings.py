"""The assessment sitting's rules, through its services: planning, candidates,
seats and tickets, check-in, examiners scoring, sign-off, results and certificates.
Every refusal says why in Chinese and changes nothing."""

from __future__ import annotations

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AuditEntry
from certificates import sitting_messages as m
from certificates.models import (
    Assessment,
    AssessmentStatus,
    Attendance,
    Candidate,
    CandidateStatus,
    Certificate,
    CheckIn,
    PracticalScore,
    Sitting,
)
from certificates.selectors import certificate_verify
from certificates.services import (
    candidate_assign_seat,
    candidate_confirm,
    candidate_propose,
    candidate_withdraw,
    check_in,
    eligible_staff,
    examiner_appoint,
    examiner_assign,
    practical_flag_resolve,
    practical_score_record,
    review_panel_record,
    room_record_absences,
    room_sign_off,
    sitting_assign_seats,
    sitting_issue_request,
    sitting_results_compute,
    sitting_room_add,
    sitting_theory_create,
)
from exams.models import ExamSession, QuestionType, SessionKind
from organisation.models import Role, RoleAssignment
from organisation.services import MSG_EXAMINER_NEEDS_ACCOUNT

from ..exams.helpers import hand_in_and_score, make_bank, open_session
from ..factories import DepartmentFactory, StaffFactory, UserFactory, make_user_with_role
from .helpers import issued_certificate
from .sitting_helpers import (
    confirmed_candidates,
    examiner,
    full_scores,
    passed_monthly_exam,
    plan_sitting,
    scenario_task,
    set_examiners_per_room,
)


@pytest.fixture
def organiser(city):
    return make_user_with_role(Role.COORDINATOR, city.city)


@pytest.fixture
def sitting(city, levels, organiser):
    return plan_sitting(organiser, city.city, levels[4])


def _zh(exc) -> str:
    with translation.override("zh-hans"):
        return " ".join(exc.messages)


def _seated(sitting, organiser, city, *, per_unit=2, capacity=10, rooms=1):
    for number in range(1, rooms + 1):
        sitting_room_add(
            sitting=sitting,
            number=number,
            name=f"第{number}考场",
            capacity=capacity,
            acting_user=organiser,
        )
    people = confirmed_candidates(
        sitting, organiser, [city.township_a1, city.township_a2, city.township_b1], per_unit
    )
    sitting_assign_seats(sitting=sitting, seed=7, acting_user=organiser)
    return [Candidate.objects.get(pk=p.pk) for p in people]


# --- planning --------------------------------------------------------------------------


def test_only_coordinators_of_the_organising_unit_plan_a_sitting(city, levels, coordinator_a):
    with pytest.raises(PermissionDenied):
        plan_sitting(coordinator_a, city.city, levels[4])
    assert not AuditEntry.objects.filter(action="sitting.created").exists()


def test_a_practical_task_must_be_a_scenario_with_a_rubric(city, levels, organiser):
    make_bank(per_type=1)
    from exams.models import Question

    single = Question.objects.filter(type=QuestionType.SINGLE).first()
    with pytest.raises(ValidationError) as exc:
        plan_sitting(organiser, city.city, levels[4], tasks=[single])
    assert "情景操作题" in _zh(exc.value)


def test_a_room_needs_seats_and_a_free_number(sitting, organiser):
    sitting_room_add(sitting=sitting, number=1, name="一楼", capacity=30, acting_user=organiser)
    with pytest.raises(ValidationError) as exc:
        sitting_room_add(sitting=sitting, number=1, name="二楼", capacity=30, acting_user=organiser)
    assert exc.value.message_dict["number"] == [str(m.MSG_ROOM_NUMBER_TAKEN)]
    with pytest.raises(ValidationError):
        sitting_room_add(sitting=sitting, number=2, name="二楼", capacity=0, acting_user=organiser)
    assert sitting.rooms.count() == 1


# --- candidates ------------------------------------------------------------------------


def test_eligibility_rule_is_configuration(sitting, organiser, city, rules):
    staff = StaffFactory(department=city.township_a1, name="王芳")
    rules.eligibility_rule = "exam"
    rules.save()
    with pytest.raises(ValidationError) as exc:
        candidate_propose(sitting=sitting, staff=staff, recommended=True, acting_user=organiser)
    assert "王芳" in _zh(exc.value) and "月考" in _zh(exc.value)
    rules.eligibility_rule = "exam_or_recommended"
    rules.save()
    with pytest.raises(ValidationError):
        candidate_propose(sitting=sitting, staff=staff, acting_user=organiser)
    assert not Candidate.objects.exists()
    candidate = candidate_propose(
        sitting=sitting, staff=staff, recommended=True, acting_user=organiser
    )
    assert candidate.status == CandidateStatus.PROPOSED


def test_a_passed_monthly_exam_makes_a_person_eligible(sitting, organiser, city, rules):
    rules.eligibility_rule = "exam"
    rules.save()
    make_bank()
    staff = passed_monthly_exam(city.township_a1, exam_unit=city.county_a)
    listed = eligible_staff(sitting=sitting, within=[city.township_a1])
    assert [s.passed_exam for s in listed if s.pk == staff.pk] == [True]
    assert candidate_propose(sitting=sitting, staff=staff, acting_user=organiser)


def test_certified_people_and_other_staff_are_not_eligible(sitting, organiser, city, levels):
    certified = issued_certificate(city.township_a1, levels[3]).staff  # level 3 covers 4
    not_window = StaffFactory(department=city.township_a1, is_window_staff=False)
    for staff in (certified, not_window):
        with pytest.raises(ValidationError):
            candidate_propose(sitting=sitting, staff=staff, recommended=True, acting_user=organiser)
    assert certified not in eligible_staff(sitting=sitting, within=[city.township_a1])
    assert not Candidate.objects.exists()


def test_only_the_candidates_unit_coordinator_confirms_before_the_deadline(
    sitting, organiser, city
):
    coordinator_b = make_user_with_role(Role.COORDINATOR, city.county_b)
    coordinator_a = make_user_with_role(Role.COORDINATOR, city.county_a)
    staff = StaffFactory(department=city.township_a1)
    candidate = candidate_propose(
        sitting=sitting, staff=staff, recommended=True, acting_user=organiser
    )
    with pytest.raises(PermissionDenied):
        candidate_confirm(candidate=candidate, acting_user=coordinator_b)
    sitting.confirm_by = timezone.localdate() - datetime.timedelta(days=1)
    sitting.save()
    with pytest.raises(ValidationError) as exc:
        candidate_confirm(candidate=candidate, acting_user=coordinator_a)
    assert exc.value.messages == [str(m.MSG_CONFIRM_DEADLINE)]
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.PROPOSED


def test_withdrawal_needs_a_reason_and_frees_the_seat(sitting, organiser, city):
    people = _seated(sitting, organiser, city, per_unit=1)
    candidate = people[0]
    with pytest.raises(ValidationError):
        candidate_withdraw(candidate=candidate, reason="  ", acting_user=organiser)
    candidate_withdraw(candidate=candidate, reason="因病请假", acting_user=organiser)
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.WITHDRAWN and candidate.seat is None
    assert AuditEntry.objects.filter(action="sitting.candidate_withdrawn").exists()


# --- seats and tickets -----------------------------------------------------------------


def test_seating_is_random_deterministic_under_a_seed_and_keeps_units_apart(
    sitting, organiser, city
):
    people = _seated(sitting, organiser, city, per_unit=3, capacity=9)
    first = {p.pk: (p.room_id, p.seat, p.ticket_number) for p in people}
    by_seat = sorted(people, key=lambda p: p.seat)
    units = [p.staff.department_id for p in by_seat]
    assert all(a != b for a, b in itertools.pairwise(units))
    assert len({p.ticket_number for p in people}) == 9
    sitting_assign_seats(sitting=sitting, seed=7, acting_user=organiser)
    again = {p.pk: (p.room_id, p.seat, p.ticket_number) for p in Candidate.objects.all()}
    assert again == first
    sitting_assign_seats(sitting=sitting, seed=8, acting_user=organiser)
    other = {p.pk: (p.room_id, p.seat, p.ticket_number) for p in Candidate.objects.all()}
    assert other != first


def test_more_candidates_than_seats_is_refused_and_nothing_changes(sitting, organiser, city):
    sitting_room_add(sitting=sitting, number=1, name="小教室", capacity=2, acting_user=organiser)
    confirmed_candidates(sitting, organiser, [city.township_a1], 3)
    with pytest.raises(ValidationError) as exc:
        sitting_assign_seats(sitting=sitting, seed=1, acting_user=organiser)
    assert "3" in _zh(exc.value) and "2" in _zh(exc.value)
    assert not Candidate.objects.filter(seat__isnull=False).exists()
    sitting.refresh_from_db()
    assert sitting.seated_at is None


def test_a_seat_over_the_room_capacity_or_taken_is_refused(sitting, organiser, city):
    people = _seated(sitting, organiser, city, per_unit=1, capacity=5)
    room = sitting.rooms.get()
    before = (people[0].seat, people[0].ticket_number)
    with pytest.raises(ValidationError) as exc:
        candidate_assign_seat(candidate=people[0], room=room, seat=6, acting_user=organiser)
    assert "1" in _zh(exc.value) and "5" in _zh(exc.value)
    with pytest.raises(ValidationError):
        candidate_assign_seat(
            candidate=people[0], room=room, seat=people[1].seat, acting_user=organiser
        )
    people[0].refresh_from_db()
    assert (people[0].seat, people[0].ticket_number) == before
    candidate_assign_seat(candidate=people[0], room=room, seat=5, acting_user=organiser)
    people[0].refresh_from_db()
    assert people[0].ticket_number.endswith("01005")


# --- the door --------------------------------------------------------------------------


def test_check_in_flags_used_tickets_wrong_rooms_and_wrong_times(sitting, organiser, city):
    people = _seated(sitting, organiser, city, per_unit=2, capacity=3, rooms=2)
    at = sitting.theory_starts_at - datetime.timedelta(minutes=10)
    person = people[0]
    room = person.room
    other_room = sitting.rooms.exclude(pk=room.pk).get()
    checked = check_in(room=room, scanned=person.ticket_number, acting_user=organiser, now=at)
    assert checked.attendance == Attendance.PRESENT
    with pytest.raises(ValidationError) as exc:
        check_in(room=room, scanned=person.ticket_number, acting_user=organiser, now=at)
    assert exc.value.code == "used" and "已使用" in _zh(exc.value)
    stranger = next(p for p in people if p.room_id == other_room.pk)
    with pytest.raises(ValidationError) as exc:
        check_in(room=room, scanned=stranger.ticket_number, acting_user=organiser, now=at)
    assert exc.value.code == "wrong_room" and f"{other_room.number:02d}" in _zh(exc.value)
    early = sitting.theory_starts_at - datetime.timedelta(hours=3)
    with pytest.raises(ValidationError) as exc:
        check_in(room=other_room, scanned=stranger.ticket_number, acting_user=organiser, now=early)
    assert exc.value.code == "wrong_time"
    with pytest.raises(ValidationError) as exc:
        check_in(room=room, scanned="999", acting_user=organiser, now=at)
    assert exc.value.code == "unknown"
    assert CheckIn.objects.count() == 1
    assert AuditEntry.objects.filter(action="sitting.checkin_refused").count() == 4


def test_only_room_staff_work_the_door_and_absences_are_recorded(sitting, organiser, city):
    people = _seated(sitting, organiser, city, per_unit=1)
    room = people[0].room
    outsider = make_user_with_role(Role.COORDINATOR, city.county_a)
    with pytest.raises(PermissionDenied):
        check_in(
            room=room,
            scanned=people[0].ticket_number,
            acting_user=outsider,
            now=sitting.theory_starts_at,
        )
    check_in(
        room=room,
        scanned=people[0].ticket_number,
        acting_user=organiser,
        now=sitting.theory_starts_at,
    )
    assert (
        room_record_absences(room=room, acting_user=organiser, now=sitting.practical_starts_at) == 2
    )
    assert Candidate.objects.filter(attendance=Attendance.ABSENT).count() == 2


# --- examiners and scores --------------------------------------------------------------


@pytest.fixture
def scoring_room(sitting, organiser, city):
    """One room, three candidates (one per township) checked in, three examiners from
    the city's other units, the first one chief."""
    people = _seated(sitting, organiser, city, per_unit=1)
    room = people[0].room
    examiners = [examiner(city.city) for _ in range(3)]
    for i, user in enumerate(examiners):
        examiner_assign(room=room, user=user, is_chief=(i == 0), acting_user=organiser)
    for person in people:
        check_in(
            room=room,
            scanned=person.ticket_number,
            acting_user=organiser,
            now=sitting.theory_starts_at,
        )
    return room, people, examiners


def test_an_examiner_needs_the_role_and_never_examines_their_own_unit(sitting, organiser, city):
    people = _seated(sitting, organiser, city, per_unit=1)
    room = people[0].room
    plain = UserFactory()
    with pytest.raises(ValidationError) as exc:
        examiner_assign(room=room, user=plain, acting_user=organiser)
    assert exc.value.message_dict["user"] == [str(m.MSG_NOT_AN_EXAMINER)]
    same_unit = examiner(city.township_a1)
    with pytest.raises(ValidationError) as exc:
        examiner_assign(room=room, user=same_unit, acting_user=organiser)
    assert "甲一镇" in _zh(exc.value)
    assert not room.examiners.exists()


def test_an_examiner_of_the_candidates_unit_cannot_score_them(scoring_room, sitting, city):
    _room, people, examiners = scoring_room
    # Their staff record moved to a candidate's unit after the assignment.
    StaffFactory(department=people[0].staff.department, user=examiners[1])
    with pytest.raises(ValidationError) as exc:
        practical_score_record(
            candidate=people[0],
            scores=full_scores(sitting, lambda mx: mx),
            acting_user=examiners[1],
        )
    assert exc.value.code == "own_unit"
    assert not PracticalScore.objects.exists()
    assert AuditEntry.objects.filter(action="sitting.score_refused").exists()


def test_an_examiner_of_a_unit_above_or_below_the_candidates_cannot_score_them(
    scoring_room, sitting, city
):
    """The own-unit rule covers the whole line of the tree: the county above a
    candidate's township and a station below it; a sister township or the other county
    may score."""
    _room, people, examiners = scoring_room
    by_unit = {p.staff.department.code: p for p in people}
    scores = full_scores(sitting, lambda mx: mx)
    StaffFactory(department=city.county_a, user=examiners[1])
    station = DepartmentFactory(parent=city.township_b1, code="B1S", name="乙一镇便民站")
    StaffFactory(department=station, user=examiners[2])
    for user, candidate in ((examiners[1], by_unit["A1"]), (examiners[1], by_unit["A2"])):
        with pytest.raises(ValidationError) as exc:
            practical_score_record(candidate=candidate, scores=scores, acting_user=user)
        assert exc.value.code == "own_unit" and "上下级" in _zh(exc.value)
    with pytest.raises(ValidationError) as exc:
        practical_score_record(candidate=by_unit["B1"], scores=scores, acting_user=examiners[2])
    assert "乙一镇" in _zh(exc.value)
    assert not PracticalScore.objects.exists()
    practical_score_record(candidate=by_unit["B1"], scores=scores, acting_user=examiners[1])
    practical_score_record(candidate=by_unit["A1"], scores=scores, acting_user=examiners[2])
    assert PracticalScore.objects.values("candidate").distinct().count() == 2


def test_the_organiser_makes_a_staff_member_of_their_units_an_examiner_of_a_room(
    sitting, organiser, city, coordinator_a
):
    """Appointing grants the examiner role bound to the person's own unit (audited) and
    assigns them; a refusal (their unit in line with a candidate's, a person outside
    the organiser's units, an account without a staff record, not an organiser)
    changes nothing, the role included."""
    people = _seated(sitting, organiser, city, per_unit=1)
    room = people[0].room
    near = StaffFactory(department=city.county_b, user=UserFactory())
    with pytest.raises(ValidationError) as exc:
        examiner_appoint(room=room, user=near.user, acting_user=organiser)
    assert "乙一镇" in _zh(exc.value)
    outsider = UserFactory()
    with pytest.raises(ValidationError) as exc:
        examiner_appoint(room=room, user=outsider, acting_user=organiser)
    assert exc.value.message_dict["user"] == [str(MSG_EXAMINER_NEEDS_ACCOUNT)]
    far = StaffFactory(department=city.city, user=UserFactory())
    with pytest.raises(PermissionDenied):
        examiner_appoint(room=room, user=far.user, acting_user=coordinator_a)
    assert not RoleAssignment.objects.filter(role=Role.EXAMINER).exists()
    assert not room.examiners.exists()
    assert not AuditEntry.objects.filter(action="role.assigned").exists()

    examiner_appoint(room=room, user=far.user, is_chief=True, acting_user=organiser)
    grant = RoleAssignment.objects.get(role=Role.EXAMINER)
    assert (grant.user, grant.department) == (far.user, city.city)
    assert room.examiners.get().is_chief
    entry = AuditEntry.objects.get(action="role.assigned")
    assert entry.data == {"role": "examiner", "department": "C"}


def test_a_county_organiser_cannot_make_a_person_of_another_county_an_examiner(
    city, levels, coordinator_a
):
    sitting = plan_sitting(coordinator_a, city.county_a, levels[4])
    room = sitting_room_add(
        sitting=sitting, number=1, name="一楼", capacity=5, acting_user=coordinator_a
    )
    other = StaffFactory(department=city.township_b1, user=UserFactory())
    with pytest.raises(PermissionDenied):
        examiner_appoint(room=room, user=other.user, acting_user=coordinator_a)
    assert not RoleAssignment.objects.filter(role=Role.EXAMINER).exists()


def test_an_examiner_of_the_county_above_a_seated_candidate_is_not_assigned(
    sitting, organiser, city
):
    people = _seated(sitting, organiser, city, per_unit=1)
    room = people[0].room
    with pytest.raises(ValidationError) as exc:
        examiner_assign(room=room, user=examiner(city.county_b), acting_user=organiser)
    assert exc.value.message_dict["user"] and "乙一镇" in _zh(exc.value)
    assert not room.examiners.exists()
    examiner_assign(room=room, user=examiner(city.city), acting_user=organiser)
    assert room.examiners.count() == 1


def test_a_score_outside_the_rubric_is_refused_and_nothing_is_saved(scoring_room, sitting):
    _room, people, examiners = scoring_room
    scores = full_scores(sitting, lambda mx: mx)
    first_key = next(iter(scores))
    for bad in ("41", "-1", "abc", "12.25"):
        with pytest.raises(ValidationError) as exc:
            practical_score_record(
                candidate=people[0], scores={**scores, first_key: bad}, acting_user=examiners[0]
            )
        assert "受理材料审核" in _zh(exc.value) and "40" in _zh(exc.value)
    del scores[first_key]
    with pytest.raises(ValidationError) as exc:
        practical_score_record(candidate=people[0], scores=scores, acting_user=examiners[0])
    assert exc.value.messages == [str(m.MSG_SCORE_MISSING)]
    assert not PracticalScore.objects.exists()


def test_only_examiners_of_the_room_score(scoring_room, sitting, city):
    _room, people, _examiners = scoring_room
    stranger = examiner(city.city)
    with pytest.raises(PermissionDenied):
        practical_score_record(
            candidate=people[0], scores=full_scores(sitting, lambda mx: mx), acting_user=stranger
        )
    assert not PracticalScore.objects.exists()


def test_the_practical_score_is_the_examiners_mean_and_a_wide_spread_is_flagged(
    scoring_room, sitting, rules
):
    _room, people, examiners = scoring_room
    person = people[0]
    for user, share in zip(examiners, ("0.8", "0.7", "0.75"), strict=True):
        person = practical_score_record(
            candidate=person,
            scores=full_scores(sitting, lambda mx, s=share: mx * Decimal(s)),
            acting_user=user,
        )
    assert person.practical_score == Decimal("75.0")
    assert person.spread == Decimal("10.0") and not person.flagged  # at the threshold
    person = practical_score_record(
        candidate=person,
        scores=full_scores(sitting, lambda mx: mx * Decimal("0.5")),
        acting_user=examiners[2],
    )
    assert person.flagged and person.spread == Decimal("30.0")
    assert person.practical_score == Decimal("66.7")
    with pytest.raises(PermissionDenied):
        practical_flag_resolve(candidate=person, note="复核录像", acting_user=examiners[1])
    with pytest.raises(ValidationError):
        practical_flag_resolve(candidate=person, note="", acting_user=examiners[0])
    person = practical_flag_resolve(
        candidate=person, note="复核录像，评分有据", acting_user=examiners[0]
    )
    assert person.is_resolved


def test_sign_off_needs_every_score_and_every_flag_resolved_then_locks(scoring_room, sitting):
    room, people, examiners = scoring_room
    with pytest.raises(PermissionDenied):
        room_sign_off(room=room, acting_user=examiners[1])
    with pytest.raises(ValidationError) as exc:
        room_sign_off(room=room, acting_user=examiners[0])
    assert "3" in _zh(exc.value)
    for person in people:
        for user in examiners:
            practical_score_record(
                candidate=person,
                scores=full_scores(sitting, lambda mx: mx * Decimal("0.8")),
                acting_user=user,
            )
    room_sign_off(room=room, acting_user=examiners[0])
    with pytest.raises(ValidationError) as exc:
        practical_score_record(
            candidate=people[0],
            scores=full_scores(sitting, lambda mx: mx),
            acting_user=examiners[1],
        )
    assert exc.value.messages == [str(m.MSG_ROOM_SIGNED_OFF)]
    assert Candidate.objects.get(pk=people[0].pk).practical_score == Decimal("80.0")


def test_a_room_needs_the_configured_number_of_examiners(sitting, organiser, city):
    set_examiners_per_room(4)
    people = _seated(sitting, organiser, city, per_unit=1)
    room = people[0].room
    chief = examiner(city.city)
    examiner_assign(room=room, user=chief, is_chief=True, acting_user=organiser)
    with pytest.raises(ValidationError) as exc:
        room_sign_off(room=room, acting_user=chief)
    assert "4" in _zh(exc.value)
    room.refresh_from_db()
    assert not room.is_signed_off


# --- results and certificates ----------------------------------------------------------


def _score_everyone(room, people, examiners, sitting, share="0.8"):
    for person in people:
        person.refresh_from_db()
        if person.attendance != Attendance.PRESENT:
            continue
        for user in examiners:
            practical_score_record(
                candidate=person,
                scores=full_scores(sitting, lambda mx: mx * Decimal(share)),
                acting_user=user,
            )
    room_sign_off(room=room, acting_user=examiners[0])


def _theory_exam(sitting, organiser, city, people, right: dict):
    """A formal theory exam through the exam engine; `right[i]` of 4 questions right."""
    from exams.services import attempt_save, attempt_start

    make_bank()
    session = open_session(
        city.city,
        staff=[p.staff for p in people],
        rules=[{"type": "single", "count": 4, "points": 25}],
        kind="formal_theory",
    )
    sitting.theory_session = session
    sitting.save(update_fields=["theory_session"])
    for i, person in enumerate(people):
        user = UserFactory()
        person.staff.user = user
        person.staff.save(update_fields=["user"])
        attempt = attempt_start(session=session, staff=person.staff)
        for item in list(attempt.items.order_by("position"))[: right.get(i, 4)]:
            attempt_save(
                attempt_id=attempt.public_id,
                user_id=user.pk,
                position=item.position,
                answer=item.key,
                seq=1,
            )
        hand_in_and_score(attempt)


def test_results_take_theory_from_the_exam_and_certificates_are_issued_in_one_step(
    scoring_room, sitting, organiser, city, django_capture_on_commit_callbacks, client
):
    room, people, examiners = scoring_room
    _theory_exam(sitting, organiser, city, people, right={1: 2})  # the second gets 50
    with pytest.raises(ValidationError) as exc:
        sitting_results_compute(sitting=sitting, acting_user=organiser)
    assert exc.value.messages == [str(m.MSG_ROOMS_NOT_SIGNED)]
    with pytest.raises(ValidationError):
        sitting_issue_request(sitting=sitting, acting_user=organiser)
    _score_everyone(room, people, examiners, sitting)
    summary = sitting_results_compute(sitting=sitting, acting_user=organiser)
    assert (summary.passed, summary.failed, summary.pending) == (2, 1, 0)
    failed = Assessment.objects.get(status=AssessmentStatus.FAILED)
    assert failed.theory_score == 50 and failed.practical_score == 80
    # The page: a failed result reads 不合格 (not 导入失败), and reviewing is offered again.
    client.force_login(organiser)
    page = client.get(reverse("certificates:sitting", args=[sitting.public_id])).content.decode()
    assert "不合格" in page and "导入失败" not in page
    assert "重新审核成绩" in page
    with django_capture_on_commit_callbacks(execute=True):
        sitting_issue_request(sitting=sitting, acting_user=organiser)
    sitting.refresh_from_db()
    assert (sitting.issue_total, sitting.issue_done) == (2, 2)
    assert sitting.issue_finished_at is not None
    certificate = Certificate.objects.first()
    assert certificate_verify(code=certificate.verification_code).number == certificate.number
    assert AuditEntry.objects.filter(action="sitting.certificates_issued").exists()


SMALL_THEORY = [{"type": "single", "count": 4, "points": 25}]


def test_planning_creates_the_theory_exam_through_the_exam_engines_publish_path(
    city, levels, organiser, settings, django_capture_on_commit_callbacks
):
    """The sitting's theory exam is a formal theory session of the organiser's unit,
    open in the theory window, published after the blueprint check (papers are then
    drawn in the background); its audience follows the candidates when they are seated."""
    settings.CERTIFICATES_THEORY_BLUEPRINT = SMALL_THEORY
    make_bank()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        sitting = plan_sitting(organiser, city.city, levels[4], create_theory=True)
    session = sitting.theory_session
    assert session.kind == SessionKind.FORMAL_THEORY and session.published
    assert (session.opens_at, session.closes_at) == (
        sitting.theory_starts_at,
        sitting.theory_ends_at,
    )
    assert session.duration_minutes == 90 and session.department == city.city
    assert list(session.rules.values_list("type", "count")) == [("single", 4)]
    assert session.title.startswith(sitting.title)
    assert callbacks  # the papers are prepared on commit, as for every published session
    assert {"exam.session_published", "sitting.theory_created"} <= set(
        AuditEntry.objects.values_list("action", flat=True)
    )
    people = _seated(sitting, organiser, city, per_unit=1)
    assert set(session.audience_staff.values_list("pk", flat=True)) == {p.staff_id for p in people}
    with pytest.raises(ValidationError) as exc:
        sitting_theory_create(sitting=sitting, acting_user=organiser)
    assert exc.value.messages == [str(m.MSG_THEORY_ALREADY)]


def test_a_bank_too_short_for_the_theory_blueprint_refuses_the_plan_and_changes_nothing(
    city, levels, organiser, settings
):
    settings.CERTIFICATES_THEORY_BLUEPRINT = [{"type": "single", "count": 500, "points": 1}]
    make_bank()
    with pytest.raises(ValidationError) as exc:
        plan_sitting(organiser, city.city, levels[4], create_theory=True)
    assert "题库" in _zh(exc.value)
    assert not Sitting.objects.exists() and not ExamSession.objects.exists()
    assert not AuditEntry.objects.filter(action="sitting.created").exists()


def test_the_created_theory_exam_is_sat_in_the_engine_and_its_scores_become_the_results(
    scoring_room, sitting, organiser, city, settings
):
    """Created for the sitting by a later step (the candidates already seated), sat on
    the day through the exam engine: each candidate's score is their theory score."""
    from exams.services import attempt_save, attempt_start

    settings.CERTIFICATES_THEORY_BLUEPRINT = SMALL_THEORY
    make_bank()
    room, people, examiners = scoring_room
    session = sitting_theory_create(sitting=sitting, acting_user=organiser)
    assert set(session.audience_staff.values_list("pk", flat=True)) == {p.staff_id for p in people}
    now = timezone.now()  # the day comes
    ExamSession.objects.filter(pk=session.pk).update(
        opens_at=now - datetime.timedelta(minutes=5), closes_at=now + datetime.timedelta(hours=1)
    )
    session.refresh_from_db()
    for right, person in zip((4, 2, 3), people, strict=True):
        user = UserFactory()
        person.staff.user = user
        person.staff.save(update_fields=["user"])
        attempt = attempt_start(session=session, staff=person.staff)
        for item in list(attempt.items.order_by("position"))[:right]:
            attempt_save(
                attempt_id=attempt.public_id,
                user_id=user.pk,
                position=item.position,
                answer=item.key,
                seq=1,
            )
        hand_in_and_score(attempt)
    _score_everyone(room, people, examiners, sitting)
    summary = sitting_results_compute(sitting=sitting, acting_user=organiser)
    assert (summary.passed, summary.failed) == (2, 1)
    theory = {
        c.staff_id: c.assessment.theory_score
        for c in Candidate.objects.select_related("assessment")
    }
    assert sorted(theory.values()) == [50, 75, 100]


def test_level_two_needs_the_review_panel(city, levels, organiser):
    levels[2].is_offered = True
    levels[2].save()
    sitting = plan_sitting(organiser, city.city, levels[2])
    sitting_room_add(sitting=sitting, number=1, name="一楼", capacity=5, acting_user=organiser)
    people = confirmed_candidates(sitting, organiser, [city.township_a1], 1)
    sitting_assign_seats(sitting=sitting, seed=3, acting_user=organiser)
    person = Candidate.objects.get(pk=people[0].pk)
    examiners = [examiner(city.city) for _ in range(3)]
    for i, user in enumerate(examiners):
        examiner_assign(room=person.room, user=user, is_chief=(i == 0), acting_user=organiser)
    check_in(
        room=person.room,
        scanned=person.ticket_number,
        acting_user=organiser,
        now=sitting.theory_starts_at,
    )
    person.refresh_from_db()
    _theory_exam(sitting, organiser, city, [person], right={})
    _score_everyone(person.room, [person], examiners, sitting, share="0.9")
    sitting_results_compute(sitting=sitting, acting_user=organiser)
    assessment = Assessment.objects.get()
    assert assessment.status == AssessmentStatus.PENDING
    with pytest.raises(ValidationError):
        review_panel_record(candidate=person, panel="", passed=True, acting_user=organiser)
    review_panel_record(
        candidate=person, panel="张教授、李主任、王处长", passed=True, acting_user=organiser
    )
    sitting_results_compute(sitting=sitting, acting_user=organiser)
    assessment.refresh_from_db()
    assert assessment.status == AssessmentStatus.PASSED


def test_a_task_from_the_bank_counts_every_rubric_criterion(city, levels, organiser):
    task = scenario_task("另一情景")
    sitting = plan_sitting(organiser, city.city, levels[4], tasks=[scenario_task(), task])
    from certificates.services import sitting_criteria

    assert len(sitting_criteria(sitting)) == 6


def test_a_withdrawn_candidates_ticket_is_refused_at_the_door(sitting, organiser, city):
    people = _seated(sitting, organiser, city, per_unit=1)
    person = people[0]
    ticket, room = person.ticket_number, person.room
    candidate_withdraw(candidate=person, reason="调岗", acting_user=organiser)
    with pytest.raises(ValidationError) as exc:
        check_in(room=room, scanned=ticket, acting_user=organiser, now=sitting.theory_starts_at)
    assert exc.value.code == "withdrawn" and "退出" in _zh(exc.value)
    assert not CheckIn.objects.exists()


def test_seating_keeps_people_away_from_examiners_of_their_unit(sitting, organiser, city):
    for number in (1, 2):
        sitting_room_add(
            sitting=sitting, number=number, name=f"{number}号", capacity=3, acting_user=organiser
        )
    people = confirmed_candidates(sitting, organiser, [city.township_a1, city.township_b1], 3)
    room_1 = sitting.rooms.get(number=1)
    examiner_assign(room=room_1, user=examiner(city.township_a1), acting_user=organiser)
    for seed in range(5):
        sitting_assign_seats(sitting=sitting, seed=seed, acting_user=organiser)
        in_room_1 = Candidate.objects.filter(room=room_1, seat__isnull=False)
        assert not in_room_1.filter(staff__department=city.township_a1).exists()
    assert len(people) == 6
