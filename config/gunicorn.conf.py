"""gunicorn settings for production and the benchmarks.

    gunicorn -c config/gunicorn.conf.py config.wsgi

Workers × threads (measured with `bench/exam_day.py`; `docs/benchmarks/exam_day.md`):

    cores   workers × threads   PostgreSQL connections per server
      2        3 × 4               12
      4        5 × 4               20
      8        9 × 4               36

The app is CPU-bound (a save is ~3 ms of Python): one worker per core plus one to use
the cores while the others wait on PostgreSQL, and 4 threads per worker to cover the
database round trips.
More threads per worker do not add throughput (the GIL: a worker runs Python on one
core at a time) but make each worker's queue longer and latency worse; more workers than
cores + 1 add context switches and database connections. Override with
`GUNICORN_WORKERS` / `GUNICORN_THREADS` (or `-w` / `--threads`).

Admission control: the worker class stamps each queued request, and
`core.admission.AdmissionControlMiddleware` answers `503` + `Retry-After` to a request
that queued longer than `ADMISSION_MAX_QUEUE_MS`; `worker_connections` caps how many
connections one worker holds (the rest wait in the listen backlog, where another worker
can take them).
"""

import os

_cores = os.cpu_count() or 2

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", _cores + 1))
threads = int(os.environ.get("GUNICORN_THREADS", 4))
worker_class = "core.gunicorn.AdmissionThreadWorker"
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", 200))
backlog = int(os.environ.get("GUNICORN_BACKLOG", 2048))
timeout = 60
graceful_timeout = 20
keepalive = 15
# Recycle workers now and then (a leak cannot grow forever), not all at once.
max_requests = 20000
max_requests_jitter = 2000
