"""Fill an empty database with the demo city. Thin: the seeders live in each app."""

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from audit.services import audit_record
from certificates.demo import seed_certificates
from exams.demo import seed_exams
from organisation.demo import seed_organisation
from organisation.models import Department
from roster.demo import seed_roster
from training.demo import seed_training


class Command(BaseCommand):
    help = "Create the deterministic demo city (units, staff, accounts for every role)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (successfully) when the database already has units.",
        )
        parser.add_argument("--seed", type=int, default=20261123)

    def handle(self, *args, **options):
        if Department.objects.exists():
            if options["if_empty"]:
                self.stdout.write("The database already has data; demo data not added.")
                return
            raise CommandError(
                "The database already has units; seed_demo only fills an "
                "empty database (use a fresh database, or --if-empty)."
            )
        with transaction.atomic():
            result = seed_organisation(seed=options["seed"])
            seed_roster(rng=random.Random(options["seed"]))
            seed_exams(rng=random.Random(options["seed"] + 4))
            seed_certificates(rng=random.Random(options["seed"] + 6))
            seed_training(rng=random.Random(options["seed"]))
            audit_record(action="demo.seeded", data={"units": result.units, "staff": result.staff})
        self.stdout.write(
            self.style.SUCCESS(f"Demo city: {result.units} units, {result.staff} staff.")
        )
        self.stdout.write("Demo sign-ins (username / password):")
        for account in result.accounts:
            self.stdout.write(
                f"  {account.role:<14} {account.username:<10} {account.password}"
                f"  {account.unit}  {account.note}"
            )
