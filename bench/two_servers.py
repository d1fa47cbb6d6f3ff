"""Two app servers, two task workers and two finalisers against one PostgreSQL.

    .venv/bin/python bench/two_servers.py [--examinees 2000] [any bench/exam_day.py option]

The shape of a multi-machine deployment, on loopback: each "machine" is one gunicorn
server, one `db_worker` and one `finalise_attempts --loop`; sessions live in the
database behind a shared Redis cache (cached_db), the cache is that Redis, and the
papers are drawn by whichever task worker takes the job. The load generator sends
each examinee's requests to the servers in turn, with no affinity, as a load
balancer without sticky sessions would: an attempt started on one server is saved
through the other. The checks are exam_day's: no acknowledged save lost, every
attempt closed, server-closed attempts finished at their deadline (two finalisers
at once must not close one attempt twice; SKIP LOCKED keeps them apart).

See docs/scaling.md for the deployment this stands for.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import exam_day

DEFAULTS = [
    "--servers=2",
    "--task-workers=2",
    "--finalisers=2",
    "--workers=2",
    "--examinees=2000",
    "--start-window=30",
    "--exam-seconds=120",
    "--database=wc_bench_two_servers",
    "--json=bench/out/two_servers.json",
]

if __name__ == "__main__":
    sys.exit(exam_day.main([*DEFAULTS, *sys.argv[1:]]))
