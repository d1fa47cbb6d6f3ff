"""Fill an empty database with the demo city, by letting it live on the product.

What a city brings when it starts (its units and staff, the roster imports, the question
bank, the certificates its people already hold, the year's programme) is recorded; then
the city lives its last `--months` months on the real product (`training/simulation.py`):
the scheduled commands run on a moving clock and a share of the window staff (all of the
demo township, and the README's learners) study, practise, sit the monthly exams, get
guidance plans, meet their mentors, sit follow-up checks and the skill assessment, and
get certified; coordinators grade and mentor; a roster is uploaded again mid-month. So
every figure after go-live comes from the product having run. Thin: the seeders live in
each app.
"""

import datetime
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audit.services import audit_record
from certificates.demo import seed_certificates, seed_sitting
from exams.demo import seed_bank
from organisation.demo import seed_organisation
from organisation.models import Department, Staff, StaffStatus
from roster.demo import seed_roster
from training.demo import DEMO_TOWNSHIP, seed_classes, seed_programmes
from training.simulation import CitySimulation, went_live

# The README's learner who struggles (fails the monthly exam, gets a guidance plan whose
# follow-up check they leave for whoever walks the demo as them) and
# the share of the rest of the city's window staff that uses the system.
STRUGGLING_LEARNER = "HZ001336"
DEFAULT_PEOPLE = 0.007


class Command(BaseCommand):
    help = (
        "Create the demo city (311 units, 6,045 staff, accounts for every role) and let it "
        "live its last months on the real product."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) when the database already has units.",
        )
        parser.add_argument("--seed", type=int, default=20261123)
        parser.add_argument(
            "--months",
            type=int,
            default=2,
            help="The city went live on the first of the month this many months back, one "
            "month less from the 15th on (default 2: it has lived 1½ to 2½ months).",
        )
        parser.add_argument(
            "--people",
            type=float,
            default=DEFAULT_PEOPLE,
            help="Share of the other window staff who use it (0-1, default "
            f"{DEFAULT_PEOPLE}); all of the demo township does.",
        )

    def handle(self, *args, months, people, seed, **options):
        if Department.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data; demo data not added.")
                return
            raise CommandError(
                "The database already has units; seed_demo only fills an "
                "empty database (use a fresh database, or --if-empty)."
            )
        if months < 1:
            raise CommandError("--months must be at least 1.")
        if not 0 <= people <= 1:
            raise CommandError("--people must be between 0 and 1.")
        started = time.monotonic()
        today = timezone.localdate()
        live = went_live(today, months)
        with transaction.atomic():
            result = seed_organisation(seed=seed)
            seed_roster(rng=random.Random(seed))
            seed_bank()
            seed_certificates(rng=random.Random(seed + 6), before=live)
            seed_programmes(start=live, end=today + datetime.timedelta(days=14))
        self.stdout.write(
            f"Demo city: {result.units} units, {result.staff} staff; living from {live} "
            f"to {today} ({people:.1%} of the window staff, all of the demo township)…"
        )

        def month_end(day, report):
            self.stdout.write(
                f"  {report.month}: {report.lessons_read} lessons read, "
                f"{report.exams_taken} monthly exams, {report.followups_taken} follow-up "
                f"checks, {report.certificates} certificates "
                f"({time.monotonic() - started:.0f} s)"
            )

        CitySimulation(
            months=months,
            seed=seed,
            start=live,
            end=today,
            people_fraction=people,
            always=_always(),
            # The struggling learner's plan stays open with its check untaken, whatever
            # day the demo is built on: the README's walk takes it.
            leave_checks=frozenset(
                Staff.objects.filter(staff_number=STRUGGLING_LEARNER).values_list("pk", flat=True)
            ),
            # The README's sign-ins stay in the units it names: roster changes pass them by.
            settled=frozenset(
                Staff.objects.filter(user__isnull=False).values_list("pk", flat=True)
            ),
            # Pages post a heartbeat every 15 s; the demo credits the same time spent
            # with one every ten minutes.
            heartbeat_seconds=600,
            on_month_end=month_end,
        ).run()
        seed_classes(rng=random.Random(seed))
        seed_sitting(today=today, keep=(DEMO_TOWNSHIP,))
        audit_record(
            action="demo.seeded",
            data={"units": result.units, "staff": result.staff, "months": months},
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo city ready in {time.monotonic() - started:.0f} s: {result.units} "
                f"units, {result.staff} staff."
            )
        )
        self.stdout.write("Demo sign-ins (username / password):")
        for account in result.accounts:
            self.stdout.write(
                f"  {account.role:<14} {account.username:<10} {account.password}"
                f"  {account.unit}  {account.note}"
            )


def _always() -> dict[int, float | None]:
    """The window staff simulated whatever the share: the demo township's, and the
    README's learners (the struggling one with a low ability)."""
    township = Staff.objects.filter(
        department__code=DEMO_TOWNSHIP, status=StaffStatus.ACTIVE, is_window_staff=True
    ).values_list("pk", flat=True)
    named = Staff.objects.filter(
        user__isnull=False, is_window_staff=True, status=StaffStatus.ACTIVE
    ).values_list("pk", "staff_number")
    always: dict[int, float | None] = dict.fromkeys(township)
    for pk, number in named:
        always[pk] = 0.3 if number == STRUGGLING_LEARNER else always.get(pk)
    return always
