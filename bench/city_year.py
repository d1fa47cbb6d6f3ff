"""The demo city (311 units, 6,045 staff) living its months on the real services: the
wall time of each simulated month and the peak memory (maximum resident set), measured
on `seed_demo` itself, which builds the demo city by running the simulation
(training/simulation.py) on a fresh database.

    .venv/bin/python bench/city_year.py                          # a year, every clerk
    .venv/bin/python bench/city_year.py --months 12 --people 0.007    # a year, the demo's share
    .venv/bin/python bench/city_year.py --months 2 --people 0.007 --sqlite  # the demo

The city lives from the first of the month `--months` back until today, one month less
from the 15th on (`training.simulation.went_live`: `--months 12` is eleven or twelve
months and the days of this one).

PostgreSQL by default (a database `wc_bench_city_year` is dropped and created on the
server of `DATABASE_URL` / 127.0.0.1); `--sqlite` uses a file under /tmp. Writes
nothing else; prints the figures (copied by hand into docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import ROOT, pg_recreate_database

DB = "wc_bench_city_year"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument(
        "--people", type=float, default=1.0, help="share of the window staff who use it"
    )
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    if args.sqlite:
        path = Path(tempfile.mkdtemp()) / "city_year.sqlite3"
        url = f"sqlite:///{path}"
    else:
        url = pg_recreate_database(DB)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",  # tasks run at once
    }
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    command = [
        py,
        "manage.py",
        "seed_demo",
        "--months",
        str(args.months),
        "--people",
        str(args.people),
    ]
    with subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as process:
        for line in process.stdout:
            if line.startswith(("Demo city", "  20")):
                print(f"{time.perf_counter() - started:7.0f} s  {line.rstrip()}", flush=True)
    if process.returncode:
        raise SystemExit(f"seed_demo failed ({process.returncode})")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"total: {args.months} months, {args.people:.1%} of the window staff, "
        f"{'SQLite' if args.sqlite else 'PostgreSQL'}: {time.perf_counter() - started:.0f} s, "
        f"peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
