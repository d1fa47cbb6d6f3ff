"""Close attempts whose deadline has passed (finish time = deadline), and score the
attempts handed in (a hand-in only closes the attempt; scoring runs here, in batches).

    manage.py finalise_attempts             # once
    manage.py finalise_attempts --loop 5    # every 5 s until stopped (exam day)

Several processes may run it at once: attempts are locked with SKIP LOCKED. In a loop,
a lost database connection (PostgreSQL restarting, a fail-over) is not fatal: the pass
is retried on a fresh connection at the next tick, so attempts are still closed at
their deadline once the database is back.
"""

import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections, connection

from exams.services import attempts_finalise_overdue

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Finalise every exam attempt whose deadline has passed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", type=float, default=0, help="Repeat every N seconds until stopped."
        )

    def handle(self, *args, **options):
        every = options["loop"]
        while True:
            if not every:
                done = attempts_finalise_overdue()
                self.stdout.write(f"finalised {done} attempt(s)")
                return
            try:
                close_old_connections()
                done = attempts_finalise_overdue()
            except DatabaseError as exc:
                logger.warning("finalise_attempts: database unavailable (%s); retrying", exc)
                connection.close()
            else:
                if done:
                    self.stdout.write(f"finalised {done} attempt(s)")
            time.sleep(every)
