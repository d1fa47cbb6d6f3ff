"""Live the city for some months on the real product (see training/simulation.py)."""

import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from organisation.models import Department
from training.models import Programme


class Command(BaseCommand):
    help = (
        "Simulate the city month by month: the scheduled commands run on a moving clock "
        "and simulated people study, practise, sit exams, follow guidance and get "
        "certified through the real services. Ends at the start of the current month."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=3)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--people",
            type=float,
            default=1.0,
            help="Share of the window staff simulated as active people (0-1).",
        )
        parser.add_argument(
            "--check", action="store_true", help="Check the city's invariants every month."
        )
        parser.add_argument(
            "--heartbeat-seconds",
            type=int,
            default=None,
            help="Run the city with this study-page heartbeat interval instead of the "
            "configured one (fewer calls for the same time spent).",
        )

    def handle(self, *args, months, seed, people, check, heartbeat_seconds, **options):
        from exams.demo import seed_bank
        from exams.models import Question
        from training.demo import seed_programmes
        from training.simulation import CitySimulation, add_months, city_invariants

        if not Department.objects.exists():
            raise CommandError("The database has no units: load a roster or run seed_demo.")
        if months < 1:
            raise CommandError("--months must be at least 1.")
        today = timezone.localdate()
        start = add_months(today, -months)
        end = today.replace(day=1) - datetime.timedelta(days=1)
        if not Question.objects.exists():
            seed_bank()
        if not Programme.objects.filter(
            year__in=range(start.year, end.year + 1), is_active=True
        ).exists():
            seed_programmes(start=start, end=end)  # one a calendar year, as a city runs them
        problems = {}

        def month_end(day, report):
            self.stdout.write(
                f"{report.month}: lessons {report.lessons_read}, practice "
                f"{report.practice_answers}, exams {report.exams_taken}, quizzes "
                f"{report.quizzes_taken}, follow-ups {report.followups_taken}, mentor "
                f"sessions {report.mentor_sessions}, graded {report.items_graded}, "
                f"certificates {report.certificates}, roster changes {report.roster_changes}"
            )
            for refusal in report.refused_starts:
                self.stderr.write(f"  refused start: {refusal}")
            if check:
                found = city_invariants(today=day)
                for line in found:
                    self.stderr.write(f"  invariant: {line}")
                if found:
                    problems[report.month] = len(found)

        CitySimulation(
            months=months,
            seed=seed,
            start=start,
            people_fraction=people,
            on_month_end=month_end,
            heartbeat_seconds=heartbeat_seconds,
        ).run()
        if problems:
            raise CommandError(f"Invariants broken: {problems}")
        self.stdout.write(self.style.SUCCESS(f"simulate_city: {months} months simulated."))
