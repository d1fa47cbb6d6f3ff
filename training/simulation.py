"""A city simulated on the real product: the scheduled commands run day by day on a
moving clock, and simulated people use the same services the pages and the API use.

Nothing of the product is replaced. Only the clock is moved (the one thing outside the
machine a simulation must control): `django.utils.timezone.now` answers the simulated
time while the simulation runs.

People: each window clerk has an ability per knowledge point (the chance to answer a
question on it right) that grows with study, practice and mentoring; a diligence (the
chance to study in a given week: people sometimes miss a week); a device (phone or
desktop: a phone reader takes a little longer). They read the week's lessons, practise,
take the weekly quiz, sit the monthly exam (or the make-up sitting), get a guidance
plan, meet their mentor and sit the follow-up check. Coordinators grade open answers,
record mentor sessions; the city's coordinator holds a monthly assessment sitting
(`simulation_sittings.py`: theory in the exam engine, the practical task scored by
examiners, certificates issued); each month one unit's roster is uploaded again with a
new hire, a transfer and a leaver.

`CitySimulation(...).run()` returns a report per month; `on_month_end` is called after
every simulated month (the invariants test checks the city there).
"""

from __future__ import annotations

import datetime
import io
import random
from collections import Counter
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from unittest import mock

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from organisation.models import Department, Role, RoleAssignment, Staff, StaffStatus

from .simulation_sittings import CitySittings

FIRST_OF_MONTH_COMMANDS = ("training_monthly_exams", "certificate_snapshots")


class SimulatedClock:
    """`timezone.now()` (and so `localdate()`, `auto_now`…) answers `self.at`."""

    def __init__(self, at: datetime.datetime):
        self.at = at

    def now(self) -> datetime.datetime:
        return self.at

    def set_local(self, day: datetime.date, hour: int, minute: int = 0) -> None:
        self.at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))

    @contextmanager
    def running(self):
        with mock.patch("django.utils.timezone.now", self.now):
            yield self


@dataclass
class Person:
    staff_id: int
    user_id: int
    diligence: float
    device: str
    ability: dict[int, float]
    study_weekday: int

    def skill(self, point_id: int | None) -> float:
        return self.ability.get(point_id or 0, 0.55)

    def learn(self, point_id: int | None, amount: float) -> None:
        if point_id:
            self.ability[point_id] = min(0.97, self.skill(point_id) + amount)


@dataclass
class MonthReport:
    month: str
    lessons_read: int = 0
    practice_answers: int = 0
    quizzes_taken: int = 0
    exams_taken: int = 0
    refused_starts: list[str] = field(default_factory=list)
    followups_taken: int = 0
    mentor_sessions: int = 0
    items_graded: int = 0
    certificates: int = 0
    roster_changes: int = 0
    command_output: list[str] = field(default_factory=list)


class CitySimulation:
    def __init__(
        self,
        *,
        months: int,
        seed: int = 1,
        start: datetime.date | None = None,
        on_month_end: Callable[[datetime.date, MonthReport], None] | None = None,
        people_fraction: float = 1.0,
        run_worker: bool | None = None,
        heartbeat_seconds: int | None = None,
        end: datetime.date | None = None,
        always: dict[int, float | None] | None = None,
        leave_checks: frozenset[int] = frozenset(),
        settled: frozenset[int] = frozenset(),
    ):
        self.months = months
        self.rng = random.Random(seed)
        today = timezone.localdate()
        if start is None:
            start = add_months(today, -months)
        self.start = start
        self.on_month_end = on_month_end
        self.people_fraction = people_fraction
        self.clock = SimulatedClock(
            timezone.make_aware(datetime.datetime.combine(start, datetime.time(0, 0)))
        )
        self.people: dict[int, Person] = {}
        # Staff left out of the simulated share: drawn once, so that the share stays
        # the one asked for however often new staff are looked for.
        self.bystanders: set[int] = set()
        self.reports: list[MonthReport] = []
        self.run_worker = run_worker
        # The city's configured heartbeat interval (TRAINING_HEARTBEAT_SECONDS), or
        # another one for the whole run: pages then post every that many seconds and
        # each heartbeat credits up to it. A longer one simulates the same time spent
        # with fewer calls (bench/city_year.py).
        self.heartbeat_seconds = heartbeat_seconds
        # The day the simulation stops (exclusive): by default the end of its last
        # month; the demo city is lived until yesterday.
        self.end = end
        # Staff simulated whatever the share, with a base ability when one is given
        # (the demo's named learners: one who struggles, one who does well).
        self.always = always or {}
        # Staff who leave their follow-up checks untaken (the demo's struggling learner:
        # whoever walks the demo as them finds an open plan and takes the check).
        self.leave_checks = leave_checks
        # Staff the roster changes never transfer or let go (the demo's sign-ins, whose
        # unit and account the README names).
        self.settled = settled
        # The month's assessment sitting, run by the city's coordinator.
        self.sittings = CitySittings(self)

    # --- the loop ----------------------------------------------------------------

    def run(self) -> list[MonthReport]:
        end = self.end or add_months(self.start, self.months)
        interval = (
            override_settings(TRAINING_HEARTBEAT_SECONDS=self.heartbeat_seconds)
            if self.heartbeat_seconds
            else nullcontext()
        )
        with self.clock.running(), interval:
            day = self.start
            report = MonthReport(day.strftime("%Y-%m"))
            while day < end:
                self.simulate_day(day, report)
                tomorrow = day + datetime.timedelta(days=1)
                if tomorrow.day == 1 or tomorrow == end:
                    self.reports.append(report)
                    if self.on_month_end is not None:
                        self.clock.set_local(day, 23, 30)
                        self.on_month_end(day, report)
                    report = MonthReport(tomorrow.strftime("%Y-%m"))
                day = tomorrow
        return self.reports

    def simulate_day(self, day: datetime.date, report: MonthReport) -> None:
        """One day of the city. The commands run at their cron times (README); the
        nightly enrolment sync runs on Mondays and the first of the month only (the
        roster hook keeps enrolment right in between), the certificate expiry reminders
        on the first of the month."""
        clock = self.clock
        if day.weekday() == 0 or day.day == 1 or day == self.start:
            clock.set_local(day, 1, 30)
            self._command("training_enrolment_sync", report)
            self._accounts_for_new_staff()
        if day.day == 1:
            clock.set_local(day, 2, 0)
            for name in FIRST_OF_MONTH_COMMANDS:
                self._command(name, report)
        clock.set_local(day, 3, 0)
        self._command("training_guidance", report)
        if day.weekday() == 0:
            clock.set_local(day, 6, 0)
            self._command("training_publish", report)
        clock.set_local(day, 9, 0)
        self._command("training_remind", report)
        if day.day == 1:
            self._command("certificate_reminders", report)
        self._tasks()
        clock.set_local(day, 10, 0)
        self._study(day, report)
        clock.set_local(day, 11, 30)
        self.sittings.morning(day, report)
        clock.set_local(day, 14, 0)
        self._sit_exams(day, report)
        clock.set_local(day, 15, 0)
        self.sittings.afternoon(day, report)
        clock.set_local(day, 16, 0)
        if day.weekday() == 4:
            self._coordinators_weekly(day, report)
        if day.day == 15:
            self._roster_change(day, report)
        clock.set_local(day, 18, 30)
        self._command("finalise_attempts", report)
        self._tasks()
        clock.set_local(day, 19, 0)
        self.sittings.evening(day, report)

    def _command(self, name: str, report: MonthReport) -> None:
        out = io.StringIO()
        call_command(name, stdout=out)
        text = out.getvalue().strip()
        if text and any(ch.isdigit() and ch != "0" for ch in text.split(":", 1)[-1]):
            report.command_output.append(f"{timezone.localtime():%m-%d %H:%M} {text}")

    def _tasks(self) -> None:
        """Run queued background tasks (papers drawn ahead…) when the tasks go to the
        database queue, as a worker process would."""
        from django.conf import settings

        backend = settings.TASKS.get("default", {}).get("BACKEND", "")
        if self.run_worker is False or "django_tasks_db" not in backend:
            return
        call_command(
            "db_worker", batch=True, queue_name="*", startup_delay=False, verbosity=0, reload=False
        )

    # --- people ------------------------------------------------------------------

    def _accounts_for_new_staff(self) -> None:
        """New window staff are drawn into the simulated share (or left as bystanders,
        who never sign in); the simulated ones without an account get one (the
        roster's initial passwords) and the simulation knows them as people."""
        from exams.models import KnowledgePoint

        User = get_user_model()
        points = list(KnowledgePoint.objects.values_list("pk", flat=True))
        joining = []
        names: dict[int, str] = {}
        for staff_id, user_id, number, name in (
            Staff.objects.filter(status=StaffStatus.ACTIVE, is_window_staff=True)
            .order_by("pk")
            .values_list("pk", "user_id", "staff_number", "name")
        ):
            if staff_id in self.people or staff_id in self.bystanders:
                continue
            if staff_id not in self.always and self.rng.random() > self.people_fraction:
                self.bystanders.add(staff_id)
                continue
            joining.append((staff_id, user_id, number))
            names[staff_id] = name
        missing = [(pk, number) for pk, user_id, number in joining if user_id is None and number]
        users: dict[int, int] = {}
        if missing:
            taken = set(
                User.objects.filter(username__in=[n for _, n in missing]).values_list(
                    "username", flat=True
                )
            )
            unusable = make_password(None)  # they sign in with an initial code
            User.objects.bulk_create(
                [
                    # As `organisation.services.staff_create_account` names them.
                    User(username=number, first_name=names[pk][:150], password=unusable)
                    for pk, number in missing
                    if number not in taken
                ]
            )
            by_name = dict(
                User.objects.filter(username__in=[n for _, n in missing]).values_list(
                    "username", "pk"
                )
            )
            for pk, number in missing:
                if number in by_name and number not in taken:
                    Staff.objects.filter(pk=pk, user__isnull=True).update(user_id=by_name[number])
                    users[pk] = by_name[number]
        for staff_id, user_id, _number in joining:
            user_id = user_id or users.get(staff_id)
            if user_id is None:
                continue
            base = self.always.get(staff_id) or self.rng.uniform(0.35, 0.8)
            self.people[staff_id] = Person(
                staff_id=staff_id,
                user_id=user_id,
                diligence=0.95
                if staff_id in self.always
                else min(0.98, max(0.25, self.rng.gauss(0.75, 0.18))),
                device="phone" if self.rng.random() < 0.55 else "desktop",
                ability={p: min(0.95, max(0.1, self.rng.gauss(base, 0.12))) for p in points},
                study_weekday=self.rng.randrange(7),
            )

    def _active_people(self) -> dict[int, Staff]:
        return Staff.objects.filter(pk__in=list(self.people), status=StaffStatus.ACTIVE).in_bulk()

    def _study(self, day: datetime.date, report: MonthReport) -> None:
        """On their study day, people read the lessons of their open modules (the
        current week's and any overdue one) and practise its knowledge points."""
        from training.models import Enrolment, EnrolmentStatus, LessonProgress, WeeklyModule

        todays = [p for p in self.people.values() if p.study_weekday == day.weekday()]
        if not todays:
            return
        staff = self._active_people()
        enrolled: dict[int, list[int]] = {}
        for staff_id, track_id in Enrolment.objects.filter(
            staff_id__in=[p.staff_id for p in todays], status=EnrolmentStatus.ACTIVE
        ).values_list("staff_id", "track_id"):
            enrolled.setdefault(staff_id, []).append(track_id)
        modules = {
            m.pk: m
            for m in WeeklyModule.objects.filter(
                published_at__isnull=False,
                starts_on__lte=day,
                due_on__gte=day - datetime.timedelta(days=21),  # older ones are given up
                track__programme__is_active=True,
            )
            .select_related("track__programme")
            .prefetch_related("lessons")
        }
        done = set(
            LessonProgress.objects.filter(
                staff_id__in=[p.staff_id for p in todays], completed_at__isnull=False
            ).values_list("staff_id", "lesson_id")
        )
        for person in todays:
            member = staff.get(person.staff_id)
            if member is None or self.rng.random() > person.diligence:
                continue  # missed this week
            for module in modules.values():
                if module.track_id not in enrolled.get(person.staff_id, ()):
                    continue
                lessons = [
                    lesson
                    for lesson in module.lessons.all()
                    if (person.staff_id, lesson.pk) not in done
                ]
                for lesson in lessons:
                    self._read(member, lesson, person, report)
                if lessons:
                    for point in module.knowledge_point_ids or ():
                        person.learn(point, 0.02)
                    self._practise(member, person, module.knowledge_point_ids or [], report)

    def _read(self, member: Staff, lesson, person: Person, report: MonthReport) -> None:
        from . import services

        try:
            if lesson.has_video:
                self._watch(member, lesson, person)
            else:
                self._read_text(member, lesson, person)
                services.lesson_mark_read(staff=member, lesson=lesson)
            report.lessons_read += 1
        except (PermissionDenied, ValidationError):
            pass

    def _read_text(self, member: Staff, lesson, person: Person) -> None:
        """Keep the page open for a few minutes (longer on a phone), with a reading
        heartbeat every interval, as the page's script does."""
        from .services import heartbeat_seconds, reading_heartbeat

        interval = heartbeat_seconds()
        minutes = self.rng.randint(2, 8) + (2 if person.device == "phone" else 0)
        start = self.clock.at
        for elapsed in range(0, minutes * 60 + 1, interval):
            self.clock.at = start + datetime.timedelta(seconds=elapsed)
            reading_heartbeat(staff=member, lesson=lesson, visible=True, active=True)
        self.clock.at = start

    def _watch(self, member: Staff, lesson, person: Person) -> None:
        """Play the video to the end with a heartbeat every interval, as the player does."""
        from . import services

        interval = services.heartbeat_seconds()
        start = self.clock.at
        position = 0.0
        while position <= lesson.video_seconds:
            services.lesson_heartbeat(
                staff=member, lesson=lesson, position=position, visible=True, active=True
            )
            position += interval
            self.clock.at += datetime.timedelta(seconds=interval)
        self.clock.at = start

    def _practise(self, member: Staff, person: Person, point_ids, report: MonthReport) -> None:
        from exams.services import practice_answer, practice_pick

        asked: list[int] = []
        for _ in range(1 if person.device == "phone" else 2):
            question = practice_pick(staff=member, knowledge_point_ids=point_ids, exclude_ids=asked)
            if question is None:
                return
            asked.append(question.pk)
            right = self.rng.random() < person.skill(question.knowledge_point_id)
            practice_answer(staff=member, question=question, answer=_answer(question, right))
            person.learn(question.knowledge_point_id, 0.01)
            report.practice_answers += 1

    def _sit_exams(self, day: datetime.date, report: MonthReport) -> None:
        """People sit the sessions open to them: the monthly exam (or its make-up) on a
        day of its window, follow-up checks and weekly quizzes within a few days."""
        from exams.models import Attempt, ExamSession, SessionKind

        from .models import GuidancePlan, GuidanceStatus

        staff = self._active_people()
        now = self.clock.at
        sessions = list(
            ExamSession.objects.filter(published=True, opens_at__lte=now, closes_at__gt=now)
        )
        if not sessions:
            return
        finished = set(
            Attempt.objects.filter(session__in=sessions, finished_at__isnull=False).values_list(
                "session_id", "staff_id"
            )
        )
        followups = {
            plan.followup_session_id: plan
            for plan in GuidancePlan.objects.filter(
                status=GuidanceStatus.OPEN, followup_session_id__in=[s.pk for s in sessions]
            )
        }
        from exams.services import audience_staff

        # Who of the simulated people each session is for (the product's audience rule,
        # asked only about them: the whole city's audience of every open follow-up check
        # every day would cost more than the people's own work).
        people_ids = list(self.people)
        audiences = {
            session.pk: set(
                audience_staff(session=session)
                .filter(pk__in=people_ids)
                .values_list("pk", flat=True)
            )
            for session in sessions
        }
        for person in self.people.values():
            member = staff.get(person.staff_id)
            if member is None:
                continue
            for session in sessions:
                if person.staff_id not in audiences[session.pk]:
                    continue
                if (session.pk, member.pk) in finished:
                    continue
                days_left = (timezone.localtime(session.closes_at).date() - day).days
                chance = person.diligence / max(1, days_left)
                if session.kind == SessionKind.MONTHLY and self.rng.random() > 0.9:
                    continue
                if self.rng.random() > max(chance, 0.15):
                    continue
                if not session.is_open_for_start(self.clock.at):
                    # The day's sittings have run past the closing time: the page no
                    # longer offers a start, so nobody presses one.
                    continue
                plan = followups.get(session.pk)
                if plan is not None and member.pk in self.leave_checks:
                    continue
                if plan is not None and plan.staff_id == member.pk:
                    for point in _weak_ids(plan):
                        person.learn(point, 0.08)  # the mentor's and targeted practice's effect
                self._sit(session, member, person, report)

    def _sit(
        self, session, member: Staff, person: Person, report: MonthReport, *, tally: bool = True
    ) -> None:
        from exams.models import SessionKind
        from exams.services import attempt_save, attempt_start, attempt_submit

        try:
            attempt = attempt_start(session=session, staff=member)
        except (PermissionDenied, ValidationError) as refusal:
            report.refused_starts.append(f"{session.title}: {_text(refusal)}")
            return
        for item in attempt.items.order_by("position"):
            if item.type in ("short_answer", "scenario"):
                answer = "按照受理规范逐项核对材料，一次性告知，做好登记。"
            else:
                right = self.rng.random() < person.skill(item.knowledge_point_id)
                answer = _item_answer(item, right)
            attempt_save(
                attempt_id=attempt.public_id,
                user_id=person.user_id,
                position=item.position,
                answer=answer,
                seq=1,
            )
        self.clock.at += datetime.timedelta(minutes=self.rng.randint(8, 40))
        attempt_submit(attempt=attempt)
        self.clock.at -= datetime.timedelta(minutes=1)
        if not tally:
            return
        if session.kind == SessionKind.MONTHLY:
            report.exams_taken += 1
        elif attempt.session.audience_staff.count() == 1:
            report.followups_taken += 1
        else:
            report.quizzes_taken += 1

    # --- coordinators ------------------------------------------------------------

    def _coordinator_for(self, department: Department):
        ancestors = [
            department.path[:i] for i in range(len(department.path), 0, -department.steplen)
        ]
        assignment = (
            RoleAssignment.objects.filter(
                Q(role=Role.COORDINATOR, department__path__in=ancestors)
                | Q(role=Role.ADMINISTRATOR),
                user__is_active=True,
            )
            .select_related("user")
            .order_by("role", "-department__depth")
            .first()
        )
        return assignment.user if assignment else None

    def _coordinators_weekly(self, day: datetime.date, report: MonthReport) -> None:
        """Fridays: grade open answers, meet the people with open plans, assess the
        ready ones and issue certificates."""
        from exams.models import AttemptItem
        from exams.services import item_grade

        from . import services
        from .models import GuidancePlan, GuidanceStatus

        for item in AttemptItem.objects.filter(
            attempt__needs_grading=True, awarded__isnull=True
        ).select_related("attempt__staff__department")[:500]:
            grader = self._coordinator_for(item.attempt.staff.department)
            if grader is None:
                continue
            person = self.people.get(item.attempt.staff_id)
            share = person.skill(item.knowledge_point_id) if person else 0.6
            points = (item.points * Decimal(str(round(share, 1)))).quantize(Decimal("0.5"))
            item_grade(item=item, points=min(points, item.points), acting_user=grader)
            report.items_graded += 1
        plans = GuidancePlan.objects.filter(status=GuidanceStatus.OPEN).select_related(
            "staff__department", "mentor"
        )
        for plan in plans:
            if plan.sessions.exists() or self.rng.random() < 0.3:
                continue
            recorder = self._coordinator_for(plan.staff.department)
            if recorder is None:
                continue
            attendees = [plan.staff] + ([plan.mentor] if plan.mentor_id else [])
            services.mentor_session_record(
                plan=plan,
                held_on=day,
                topic=f"{plan.weak_point_names[0] if plan.weak_point_names else '综合'}专项辅导",
                attendees=attendees,
                notes="结合真实办件逐项讲解，布置针对性练习。",
                actor=recorder,
            )
            person = self.people.get(plan.staff_id)
            if person is not None:
                for point in _weak_ids(plan):
                    person.learn(point, 0.1)
            report.mentor_sessions += 1
        if day.day > 21 and self.sittings.records_elsewhere(day):
            report.certificates += self._assess(day)

    def _assess(self, day: datetime.date) -> int:
        """Where the city holds no sitting of its own (`CitySittings.records_elsewhere`):
        people who have passed a monthly exam and hold no certificate sit the skill
        assessment elsewhere (once), recorded here: theory from their best monthly exam,
        the practical score; a pass gets the certificate."""
        from certificates.models import Assessment, Certificate
        from certificates.services import (
            assessment_create,
            assessment_record_practical,
            assessment_record_theory_from_attempt,
            certificate_issue,
            certification_settings_get,
        )
        from exams.models import FINISHED_STATUSES, Attempt, SessionKind

        rules = certification_settings_get()
        level = rules.required_level
        holders = set(Certificate.objects.values_list("staff_id", flat=True))
        assessed = set(Assessment.objects.values_list("candidate_id", flat=True))
        passes: dict[int, list[Attempt]] = {}
        for attempt in Attempt.objects.filter(
            session__kind=SessionKind.MONTHLY,
            status__in=FINISHED_STATUSES,
            passed=True,
            needs_grading=False,
            staff__status=StaffStatus.ACTIVE,
        ).select_related("session", "staff__department"):
            passes.setdefault(attempt.staff_id, []).append(attempt)
        issued = 0
        for staff_id, attempts in sorted(passes.items()):
            if staff_id in holders or staff_id in assessed:
                continue
            best = max(attempts, key=lambda a: a.percent or 0)
            candidate = best.staff
            examiner = self._coordinator_for(candidate.department)
            if examiner is None:
                continue
            assessment = assessment_create(
                candidate=candidate, level=level, assessed_on=day, acting_user=examiner
            )
            assessment_record_theory_from_attempt(
                assessment=assessment, attempt=best, acting_user=examiner
            )
            person = self.people.get(staff_id)
            ability = sum(person.ability.values()) / len(person.ability) if person else 0.6
            practical = max(0, min(100, round(self.rng.gauss(ability * 100 + 8, 10))))
            assessment_record_practical(
                assessment=assessment,
                score=practical,
                source_label="操作技能考核",
                acting_user=examiner,
            )
            assessment.refresh_from_db()
            if assessment.status == "passed":
                certificate_issue(assessment=assessment, acting_user=examiner, issue_date=day)
                issued += 1
        return issued

    def _roster_change(self, day: datetime.date, report: MonthReport) -> None:
        """A coordinator uploads one township's roster again (sync mode): a new hire,
        a colleague transferred in from a sibling unit, and a leaver left out."""
        from organisation.idnumbers import make_id_number
        from roster import services as roster
        from roster.demo import _row, _workbook

        assignments = list(
            RoleAssignment.objects.filter(role=Role.COORDINATOR, user__is_active=True)
            .select_related("user", "department")
            .order_by("department__path")
        )
        options = []
        for assignment in assignments:
            units = list(
                Department.objects.filter(
                    path__startswith=assignment.department.path,
                    staff__status=StaffStatus.ACTIVE,
                )
                .distinct()
                .order_by("path")
            )
            if len(units) >= 2:
                options.append((assignment, units))
        if not options:
            return
        assignment, units = options[(day.month + day.year) % len(options)]
        unit, other = self.rng.sample(units, 2)
        present = list(
            Staff.objects.filter(department=unit, status=StaffStatus.ACTIVE).order_by(
                "staff_number"
            )
        )
        if len(present) < 3:
            return
        leaver = self.rng.choice([s for s in present if s.pk not in self.settled] or [None])
        if leaver is None:
            return
        rows = [_row(s, unit) for s in present if s.pk != leaver.pk]
        mover = (
            Staff.objects.filter(department=other, status=StaffStatus.ACTIVE)
            .exclude(pk__in=self.settled)
            .order_by("staff_number")
            .first()
        )
        if mover is not None:
            rows.append(_row(mover, unit))
        birth = datetime.date(1990, 1, 1) + datetime.timedelta(days=self.rng.randint(0, 3000))
        region = "360102"
        number = make_id_number(region, birth, self.rng.randint(0, 999))
        serial = f"SIM{day:%y%m}{self.rng.randint(0, 9999):04d}"
        rows.append(
            [
                f"新员工{serial[-4:]}",
                number,
                serial,
                unit.code,
                "综合窗口受理",
                "是",
                "",
                day.isoformat(),
            ]
        )
        from django.core.files.uploadedfile import SimpleUploadedFile

        name = f"花名册-{day:%Y%m}.xlsx"
        upload = roster.roster_upload(
            file=SimpleUploadedFile(name, _workbook(rows)),
            filename=name,
            acting_user=assignment.user,
            sync=True,
            background=False,
        )
        if upload.status == "ready":
            roster.roster_commit(
                roster_import=upload, acting_user=assignment.user, confirm_transfers=True
            )
            report.roster_changes += 1


def went_live(today: datetime.date, months: int) -> datetime.date:
    """When a city that has lived `months` months on the product went live: the first of
    the month `months` back, or `months - 1` back from the 15th on. By the 15th the
    last month's exam, its make-up and its guidance are over and the plans' follow-up
    checks are open (guidance runs on about the 8th), so with two months the first
    month's cycle has always closed, in 1½ to 2½ months of history rather than 2 to 3."""
    return add_months(today, -(months if today.day < 15 else months - 1))


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The first of the month `months` after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + months
    return day.replace(year=index // 12, month=index % 12 + 1, day=1)


def _answer(question, right: bool):
    key = list(question.answer or [])
    if right:
        return key
    options = [chr(65 + i) for i in range(len(question.options or []))]
    wrong = [o for o in options if o not in key] or ["A"]
    return wrong[:1]


def _item_answer(item, right: bool):
    key = list(item.key or [])
    if item.type == "fill_blank":
        if right:
            return [str((accepted or [""])[0]) for accepted in key]
        return ["不清楚" for _ in key]
    if right:
        return key
    letters = [o["key"] for o in item.options] if item.options else ["A", "B"]
    wrong = [o for o in letters if o not in key] or letters
    return wrong[:1]


def _text(error) -> str:
    if isinstance(error, ValidationError):
        return "；".join(str(m) for m in error.messages)
    return str(error)


def _weak_ids(plan) -> list[int]:
    return [int(p["id"]) for p in plan.weak_points if p.get("id")]


# --- invariants -------------------------------------------------------------------


def city_invariants(*, today: datetime.date | None = None) -> list[str]:
    """What must hold in the city at any time; returns one line per violation."""
    today = today or timezone.localdate()
    return [
        *_sessions_startable(),
        *_plans_have_checks(),
        *_plans_match_attempts(),
        *_hours_within_time(),
        *_notices_within_bounds(today),
        *_rates_recomputed(today),
    ]


def _sessions_startable() -> list[str]:
    """Every published session not yet closed can be started by its whole audience:
    the bank fills every rule of its blueprint."""
    from exams.models import ExamSession
    from exams.services import blueprint_check

    problems = []
    for session in ExamSession.objects.filter(published=True, closes_at__gt=timezone.now()):
        for shortage in blueprint_check(session=session):
            problems.append(f"session {session.pk} {session.title}: {shortage.message()}")
    return problems


def _plans_have_checks() -> list[str]:
    from exams.models import ExamSession
    from exams.services import blueprint_check

    from .models import GuidancePlan, GuidanceStatus

    problems = []
    for plan in GuidancePlan.objects.filter(status=GuidanceStatus.OPEN):
        session = (
            ExamSession.objects.filter(pk=plan.followup_session_id).first()
            if plan.followup_session_id
            else None
        )
        if session is None or not session.published or blueprint_check(session=session):
            problems.append(f"plan {plan.pk}: no follow-up check that can be drawn")
    return problems


def _plans_match_attempts() -> list[str]:
    """A plan's score and result are those of the person's counted attempt in the
    monthly sitting (or its make-up), and its weak points were asked in that attempt."""
    from exams.models import FINISHED_STATUSES, Attempt

    from .models import GuidancePlan

    problems = []
    for plan in GuidancePlan.objects.filter(exam_score__isnull=False).select_related(
        "monthly_exam"
    ):
        exam = plan.monthly_exam
        sessions = [s for s in (exam.exam_session_id, exam.makeup_session_id) if s]
        attempts = list(
            Attempt.objects.filter(
                session_id__in=sessions, staff_id=plan.staff_id, status__in=FINISHED_STATUSES
            )
        )
        match = [
            a
            for a in attempts
            if a.percent is not None
            and Decimal(a.percent).quantize(Decimal("0.1"))
            == Decimal(plan.exam_score).quantize(Decimal("0.1"))
            and bool(a.passed) != plan.failed_exam
        ]
        if not match:
            problems.append(
                f"plan {plan.pk}: {plan.exam_score} "
                f"{'failed' if plan.failed_exam else 'passed'} matches no attempt "
                f"{[(str(a.percent), a.passed) for a in attempts]}"
            )
            continue
        asked = set(match[0].items.values_list("knowledge_point_id", flat=True))
        extra = [p for p in _weak_ids(plan) if p not in asked and not plan.previous_id]
        if extra:
            problems.append(f"plan {plan.pk}: weak points {extra} were not asked")
    return problems


def _hours_within_time() -> list[str]:
    """Lesson hours never exceed what the time really spent on lessons earns."""
    from django.db.models import Sum

    from .models import CreditSource, LessonProgress, StudyHourCredit

    problems = []
    credited = dict(
        StudyHourCredit.objects.filter(source=CreditSource.LESSON)
        .values("staff_id")
        .annotate(total=Sum("hours"))
        .values_list("staff_id", "total")
    )
    if not credited:
        return problems
    earned: dict[int, Decimal] = {}
    for progress in LessonProgress.objects.filter(staff_id__in=list(credited)).select_related(
        "lesson__module__track__programme"
    ):
        earned[progress.staff_id] = earned.get(progress.staff_id, Decimal(0)) + lesson_hours_for(
            progress
        )
    for staff_id, total in credited.items():
        if total > earned.get(staff_id, Decimal(0)):
            problems.append(
                f"staff {staff_id}: {total} lesson hours credited, time spent earns "
                f"{earned.get(staff_id, Decimal(0))}"
            )
    return problems


def lesson_hours_for(progress) -> Decimal:
    """The hours the credit table gives for the time spent on one lesson."""
    programme = progress.lesson.module.track.programme
    seconds = float(progress.watched_seconds or 0) + float(
        getattr(progress, "read_seconds", 0) or 0
    )
    table = getattr(programme, "credit_for_seconds", None)
    if table is not None:
        return Decimal(str(table(seconds)))
    blocks = int(seconds // (programme.lesson_minutes_per_credit * 60))
    return programme.lesson_credit_hours * blocks


# At most one reminder per learner and module in a week; a manager gets one digest.
def _notices_within_bounds(today: datetime.date) -> list[str]:
    from django.db.models import Count

    from .models import Notification

    since = timezone.now() - datetime.timedelta(days=7)
    problems = []
    recent = Notification.objects.filter(created_at__gt=since)
    per_module = Counter(
        (user_id, key.split(":")[1])
        for user_id, key in recent.filter(key__startswith="overdue:").values_list("user_id", "key")
    )
    for (user_id, module_id), n in sorted(per_module.items()):
        if n > 1:
            problems.append(f"user {user_id}: {n} reminders for module {module_id} in a week")
    managers = set(
        RoleAssignment.objects.filter(role=Role.MANAGER).values_list("user_id", flat=True)
    )
    for row in (
        recent.filter(user_id__in=managers)
        .filter(Q(key__startswith="escalation") | Q(key__startswith="digest"))
        .values("user_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    ):
        problems.append(f"manager {row['user_id']}: {row['n']} escalation notices in a week")
    return problems


def _rates_recomputed(today: datetime.date) -> list[str]:
    """Each unit's certified rate equals certified / window staff in post, recomputed
    from the staff and certificate rows (leavers excluded)."""
    from certificates.models import Certificate
    from certificates.rates import unit_rates
    from certificates.services import certification_settings_get

    rules = certification_settings_get()
    holders = set()
    for staff_id, revoked, expires, issued, code in Certificate.objects.values_list(
        "staff_id", "revoked_on", "expires_on", "issue_date", "level__code"
    ):
        if (
            (revoked is None or revoked > today)
            and (expires is None or expires >= today)
            and issued <= today
            and code <= rules.required_level.code
        ):
            holders.add(staff_id)
    in_post = [
        (path, pk in holders)
        for pk, path, status, left_on, hired, window in Staff.objects.values_list(
            "pk", "department__path", "status", "left_on", "hire_date", "is_window_staff"
        )
        if window
        and (hired is None or hired <= today)
        and ((status == StaffStatus.ACTIVE and left_on is None) or (left_on and left_on > today))
    ]
    problems = []
    for unit in unit_rates(root=None, day=today).values():
        staff = [held for path, held in in_post if path.startswith(unit.path)]
        if unit.window_staff != len(staff) or unit.certified != sum(staff):
            problems.append(
                f"unit {unit.code}: rate {unit.certified}/{unit.window_staff}, "
                f"recomputed {sum(staff)}/{len(staff)}"
            )
    return problems
