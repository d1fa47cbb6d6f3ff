"""Close attempts whose deadline has passed (finish time = deadline).

    manage.py finalise_attempts             # once
    manage.py finalise_attempts --loop 15   # every 15 s until stopped (exam day)

Several processes may run it at once: attempts are locked with SKIP LOCKED.
"""

import time

from django.core.management.base import BaseCommand

from exams.services import attempts_finalise_overdue


class Command(BaseCommand):
    help = "Finalise every exam attempt whose deadline has passed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=float, default=0, help="Repeat every N seconds until stopped."
        )

    def handle(self, *args, **options):
        while True:
            done = attempts_finalise_overdue()
            if done or not options["loop"]:
                self.stdout.write(f"finalised {done} attempt(s)")
            if not options["loop"]:
                return
            time.sleep(options["loop"])
