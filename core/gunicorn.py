"""A gunicorn worker that tells the application how long each request queued.

gunicorn's threaded worker accepts connections as fast as they come and queues them
for its threads; a saturated worker's queue grows without bound and nothing in the
request says how long it waited. This subclass stamps a connection when it is queued
and passes the stamp to the thread that serves it, for `core.admission`.

Used through `config/gunicorn.conf.py` (`worker_class`).
"""

from __future__ import annotations

import time

from gunicorn.workers.gthread import ThreadWorker

from core import admission


class AdmissionThreadWorker(ThreadWorker):
    def enqueue_req(self, conn):
        conn.queued_at = time.monotonic()
        super().enqueue_req(conn)

    def handle(self, conn):
        admission.set_queued_at(getattr(conn, "queued_at", None))
        try:
            return super().handle(conn)
        finally:
            admission.set_queued_at(None)
