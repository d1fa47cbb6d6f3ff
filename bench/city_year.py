"""The demo city (311 units, 6,045 staff) lived through the simulated year on the real
services (training/simulation.py) on a fresh PostgreSQL database: wall time per
simulated month and peak memory (the process's maximum resident set).

    .venv/bin/python bench/city_year.py                 # this year's months so far
    .venv/bin/python bench/city_year.py --months 2      # fewer, on a slow machine
    .venv/bin/python bench/city_year.py --months 2 --people 0.05   # a share of the staff

Writes nothing; prints the figures (copied by hand into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import ROOT, pg_recreate_database

DB = "wc_bench_city_year"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--people", type=float, default=1.0)
    parser.add_argument(
        "--heartbeat-seconds",
        type=int,
        default=60,
        help="study-page heartbeat interval of the simulated city (the product's default "
        "is 15 s; 60 s credits the same time with a quarter of the calls)",
    )
    args = parser.parse_args()
    url = pg_recreate_database(DB)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",  # tasks run at once
    }
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run(
        [py, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    print(f"seed_demo: {time.perf_counter() - started:.0f} s", flush=True)
    os.environ.update(env)
    import django

    django.setup()
    from django.utils import timezone

    from training.demo import seed_programme
    from training.models import Programme
    from training.simulation import CitySimulation, _add_months

    # A programme is a calendar year: the simulated months are those of this year
    # before the current one, on a programme with a module every week of it.
    today = timezone.localdate()
    months = min(args.months, today.month - 1)
    start = _add_months(today.replace(day=1), -months)
    Programme.objects.update(is_active=False)
    seed_programme(start=start, end=today)
    marks = [time.perf_counter()]

    def month_end(day, report):
        marks.append(time.perf_counter())
        print(
            f"{report.month}: {marks[-1] - marks[-2]:.0f} s; lessons {report.lessons_read}, "
            f"exams {report.exams_taken}, quizzes {report.quizzes_taken}, follow-ups "
            f"{report.followups_taken}, certificates {report.certificates}; peak RSS "
            f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB",
            flush=True,
        )

    CitySimulation(
        months=months,
        seed=1,
        start=start,
        people_fraction=args.people,
        on_month_end=month_end,
        heartbeat_seconds=args.heartbeat_seconds,
    ).run()
    total = marks[-1] - marks[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"total: {months} months in {total:.0f} s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()
