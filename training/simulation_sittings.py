"""The skill assessment in a simulated city, run as a city runs it: one assessment
sitting (认定批次) a month through the real sitting services.

The city's coordinator plans the month's sitting on the first (held on the 28th: the
theory exam in the exam engine before noon, the practical task in the afternoon, unit
coordinators confirming candidates until the 26th). On Fridays and on the 26th the
units' coordinators propose and confirm whoever has passed a monthly exam and holds no
certificate. On the 27th the organiser adds rooms, seats everyone and appoints three
certified people of units away from the candidates' as examiners (the first the chief).
On the day candidates are checked in at the door by their ticket, sit the theory exam,
and are scored per rubric criterion by every examiner of their room; the chief examiner
resolves wide spreads and signs the room off. In the evening the organiser reviews the
results (theory from the exam, practical the examiners' mean) and issues the passed
candidates' certificates in the background task.

A city without a coordinator at its top unit, or whose sitting cannot be staffed with
examiners away from the candidates' units, records the assessment held elsewhere instead
(`CitySimulation._assess`)."""

from __future__ import annotations

import datetime
import math
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from organisation.models import Department, Role, RoleAssignment, Staff, StaffStatus

SITTING_DAY = 28
CONFIRM_BY = 26
ROOM_SEATS = 40
TENTH = Decimal("0.1")


class CitySittings:
    """Held by a `training.simulation.CitySimulation` (`city`), whose clock, people,
    random generator and month report (`report`) it uses."""

    def __init__(self, city):
        from certificates.demo import city_organiser

        self.city = city
        assignment = city_organiser()
        self.organiser = assignment.user if assignment else None
        self.top = assignment.department if assignment else None
        # Months whose sitting could not be staffed: the assessment is recorded instead.
        self.unstaffed: set[str] = set()

    @property
    def active(self) -> bool:
        from certificates.demo import practical_tasks

        return self.organiser is not None and bool(practical_tasks())

    def records_elsewhere(self, day: datetime.date) -> bool:
        """Whether this month's assessment is recorded rather than held here."""
        return not self.active or day.strftime("%Y-%m") in self.unstaffed

    def _sitting(self, day: datetime.date):
        from certificates.models import Sitting

        return (
            Sitting.objects.filter(
                department=self.top,
                theory_starts_at__date=day.replace(day=SITTING_DAY),
            )
            .order_by("pk")
            .first()
        )

    def _held_today(self, day: datetime.date):
        """The sitting held today, seated and staffed; None on any other day."""
        if day.day != SITTING_DAY or self.records_elsewhere(day):
            return None
        sitting = self._sitting(day)
        if sitting is None or sitting.seated_at is None:
            return None
        return sitting

    # --- the day's three moments --------------------------------------------------

    def morning(self, day: datetime.date, report) -> None:
        """On the day: the door, then the theory exam in the engine."""
        sitting = self._held_today(day)
        if sitting is None:
            return
        from certificates.models import CandidateStatus
        from certificates.services import check_in

        people = list(
            sitting.candidates.filter(status=CandidateStatus.CONFIRMED, room__isnull=False)
            .select_related("room", "staff")
            .order_by("room__number", "seat")
        )
        chiefs = self._chiefs(sitting)
        staff = self.city._active_people()
        present = []
        for candidate in people:  # at the door, before the theory starts
            person = self.city.people.get(candidate.staff_id)
            member = staff.get(candidate.staff_id)
            if person is None or member is None or self.city.rng.random() < 0.03:
                continue  # left, or did not come
            check_in(
                room=candidate.room,
                scanned=candidate.ticket_number,
                acting_user=chiefs[candidate.room_id],
            )
            present.append((member, person))
        for member, person in present:  # side by side in the room, from 11:50
            self.city.clock.set_local(day, 11, 50)
            self.city._sit(sitting.theory_session, member, person, report, tally=False)
        self.city.clock.set_local(day, 13, 30)

    def afternoon(self, day: datetime.date, report) -> None:
        """On the day: the practical task scored by every examiner of the room, wide
        spreads looked at again by the chief examiner, the rooms signed off."""
        sitting = self._held_today(day)
        if sitting is None:
            return
        from certificates.models import Attendance, CandidateStatus
        from certificates.services import (
            practical_flag_resolve,
            practical_score_record,
            room_record_absences,
            room_sign_off,
            sitting_criteria,
        )

        criteria = sitting_criteria(sitting)
        for room in sitting.rooms.order_by("number"):
            examiners = list(room.examiners.select_related("user").order_by("-is_chief", "pk"))
            present = list(
                room.candidates.filter(
                    status=CandidateStatus.CONFIRMED, attendance=Attendance.PRESENT
                ).select_related("staff__department", "room")
            )
            for candidate in present:
                person = self.city.people.get(candidate.staff_id)
                ability = sum(person.ability.values()) / len(person.ability) if person else 0.6
                level = max(0.2, min(1.0, self.city.rng.gauss(ability + 0.12, 0.1)))
                for examiner in examiners:
                    scores = {}
                    for criterion in criteria:
                        share = max(0.0, min(1.0, level + self.city.rng.gauss(0, 0.04)))
                        points = (criterion.max_points * Decimal(str(share))).quantize(
                            TENTH, rounding=ROUND_HALF_UP
                        )
                        scores[criterion.key] = str(min(points, criterion.max_points))
                    practical_score_record(
                        candidate=candidate, scores=scores, acting_user=examiner.user
                    )
                candidate.refresh_from_db()
                if candidate.flagged:
                    practical_flag_resolve(
                        candidate=candidate,
                        note="复看操作过程记录，评分依据充分，维持平均分",
                        acting_user=examiners[0].user,
                    )
            if room.candidates.filter(
                status=CandidateStatus.CONFIRMED, attendance=Attendance.UNKNOWN
            ).exists():
                room_record_absences(room=room, acting_user=examiners[0].user)
            room_sign_off(room=room, acting_user=examiners[0].user)

    def evening(self, day: datetime.date, report) -> None:
        """Planning, proposals, seats and examiners on the days before; the results
        and certificates on the day."""
        if not self.active or day.strftime("%Y-%m") in self.unstaffed:
            return
        sitting = self._sitting(day)
        if sitting is None:
            if day.day <= CONFIRM_BY - 7:
                self._plan(day)
            return
        if day.day <= CONFIRM_BY:
            if day.weekday() == 4 or day.day == CONFIRM_BY:  # Fridays, and the last day
                self._propose(sitting)
        elif day.day == CONFIRM_BY + 1:
            if not self._seat_and_staff(sitting):
                # Nobody can examine them here this month: the assessment held elsewhere
                # is recorded instead, today.
                self.unstaffed.add(day.strftime("%Y-%m"))
                report.certificates += self.city._assess(day)
        elif day.day == SITTING_DAY and sitting.seated_at is not None:
            report.certificates += self._results(sitting)

    # --- before the day -----------------------------------------------------------

    def _plan(self, day: datetime.date) -> None:
        from certificates.demo import city_sitting_plan, practical_tasks

        city_sitting_plan(
            organiser=self.organiser,
            city=self.top,
            day=day.replace(day=SITTING_DAY),
            confirm_by=day.replace(day=CONFIRM_BY),
            theory=(datetime.time(11, 45), datetime.time(13, 15)),
            practical=(datetime.time(14, 30), datetime.time(17, 30)),
            tasks=practical_tasks(),
        )

    def _propose(self, sitting) -> None:
        """The units' coordinators propose and confirm their simulated people who have
        passed a monthly exam and hold no certificate."""
        from certificates.services import candidate_confirm, candidate_propose, eligible_staff

        within = Department.objects.filter(self.top.subtree_q())
        for staff in eligible_staff(sitting=sitting, within=within).filter(
            pk__in=list(self.city.people)
        ):
            if not staff.passed_exam:
                continue
            coordinator = self.city._coordinator_for(staff.department)
            if coordinator is None:
                continue
            try:
                candidate = candidate_propose(sitting=sitting, staff=staff, acting_user=coordinator)
                candidate_confirm(candidate=candidate, acting_user=coordinator)
            except (PermissionDenied, ValidationError):
                continue  # an administrator found as the coordinator does not propose

    def _seat_and_staff(self, sitting) -> bool:
        """Rooms for everyone confirmed, seats, then examiners away from each room's
        candidates' units. False when the rooms cannot be staffed."""
        from certificates.models import CandidateStatus
        from certificates.services import (
            certification_settings_get,
            examiner_appoint,
            sitting_assign_seats,
            sitting_room_add,
        )
        from organisation.access import units_in_line_with

        confirmed = sitting.candidates.filter(status=CandidateStatus.CONFIRMED).count()
        if not confirmed:
            return True
        for number in range(1, math.ceil(confirmed / ROOM_SEATS) + 1):
            sitting_room_add(
                sitting=sitting,
                number=number,
                name=f"市政务服务中心{number + 2}楼机房",
                capacity=ROOM_SEATS,
                acting_user=self.organiser,
            )
        sitting_assign_seats(
            sitting=sitting, seed=self.city.rng.randrange(2**31), acting_user=self.organiser
        )
        needed = certification_settings_get().examiners_per_room
        pool = self._examiner_pool(sitting)
        taken: set[int] = set()
        plan: list[tuple] = []
        for room in sitting.rooms.order_by("number"):
            units = set(
                room.candidates.filter(status=CandidateStatus.CONFIRMED).values_list(
                    "staff__department_id", flat=True
                )
            )
            chosen = []
            for staff in pool:
                if staff.user_id in taken:
                    continue
                line = set(units_in_line_with([staff.department]).values_list("pk", flat=True))
                if line & units:
                    continue
                chosen.append(staff)
                taken.add(staff.user_id)
                if len(chosen) == needed:
                    break
            if len(chosen) < needed:
                return False
            plan.extend((room, staff, i == 0) for i, staff in enumerate(chosen))
        for room, staff, chief in plan:
            examiner_appoint(room=room, user=staff.user, is_chief=chief, acting_user=self.organiser)
        return True

    def _examiner_pool(self, sitting) -> list[Staff]:
        """Simulated people holding a valid certificate, none of the README's sign-ins,
        no candidate, no other role; examiners of earlier sittings first."""
        from certificates.models import Certificate

        today = timezone.localdate()
        holders = Certificate.objects.filter(revoked_on__isnull=True).filter(
            Q(expires_on__isnull=True) | Q(expires_on__gte=today)
        )
        roles = RoleAssignment.objects.exclude(role=Role.EXAMINER).values("user_id")
        pool = list(
            Staff.objects.filter(
                pk__in=list(self.city.people),
                status=StaffStatus.ACTIVE,
                user__isnull=False,
            )
            .filter(pk__in=holders.values("staff_id"))
            .exclude(pk__in=list(self.city.settled))
            .exclude(user_id__in=roles)
            .exclude(pk__in=sitting.candidates.values("staff_id"))
            .select_related("department", "user")
            .order_by("pk")
        )
        seasoned = set(
            RoleAssignment.objects.filter(role=Role.EXAMINER).values_list("user_id", flat=True)
        )
        self.city.rng.shuffle(pool)
        return sorted(pool, key=lambda s: s.user_id not in seasoned)

    def _chiefs(self, sitting) -> dict[int, object]:
        from certificates.models import ExaminerAssignment

        return {
            assignment.room_id: assignment.user
            for assignment in ExaminerAssignment.objects.filter(
                room__sitting=sitting, is_chief=True
            ).select_related("user")
        }

    # --- after the day --------------------------------------------------------------

    def _results(self, sitting) -> int:
        from certificates.services import (
            sitting_issue_request,
            sitting_issue_run,
            sitting_results_compute,
        )

        if not sitting.rooms.exists():
            return 0
        summary = sitting_results_compute(sitting=sitting, acting_user=self.organiser)
        if not summary.passed:
            return 0
        sitting_issue_request(sitting=sitting, acting_user=self.organiser)
        self.city._tasks()
        sitting.refresh_from_db()
        if sitting.issue_finished_at is None:
            # No worker took the task (a test's transaction holds the on-commit enqueue
            # back): do its work as the worker would.
            sitting = sitting_issue_run(sitting_id=sitting.pk, acting_user_id=self.organiser.pk)
        return sitting.issue_done
