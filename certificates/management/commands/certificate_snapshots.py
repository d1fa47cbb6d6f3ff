from django.core.management.base import BaseCommand
from django.utils import timezone

from certificates.rates import last_completed_month_end, rate_snapshots_rebuild, rate_snapshots_take


class Command(BaseCommand):
    help = (
        "Store every unit's certified rate at the last completed month end (safe to run "
        "twice); with --rebuild N, recompute the last N month ends from history."
    )

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", type=int, default=0, metavar="MONTHS")

    def handle(self, *args, rebuild, **options):
        if rebuild:
            ends = rate_snapshots_rebuild(months=rebuild)
            self.stdout.write(f"Rebuilt {len(ends)} month ends: {ends[0]} .. {ends[-1]}")
            return
        end = last_completed_month_end(timezone.localdate())
        count = rate_snapshots_take(month_end_day=end)
        self.stdout.write(f"{count} unit snapshots for {end}")
