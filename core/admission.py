"""Admission control: refuse work early when the server is saturated.

A request that has waited in the server's queue longer than its client will plausibly
wait is answered at once with `503 Service Unavailable` and `Retry-After`, before any
session, database or template work. Without this, a saturated server keeps working
for clients that have already timed out and retried (a retry storm: the exam-day
benchmark's city run spent most of its CPU on such requests); with it, the queue stays
short, the requests that are served are served fast, and clients come back after a
jittered pause (`static/js/exam.js`, `bench/exam_day.py`).

How long a request has queued comes from one of:

- the gunicorn worker class `core.gunicorn.AdmissionThreadWorker` (see
  `config/gunicorn.conf.py`), which stamps each connection when it is queued for a
  worker thread and hands the stamp to the thread that serves it;
- an `X-Request-Start` header set by the reverse proxy (`t=<seconds since the epoch>`,
  with a fraction, or milliseconds; nginx: `proxy_set_header X-Request-Start
  "t=${msec}";`). A client could only send it to have its own request refused.

Settings: `ADMISSION_MAX_QUEUE_MS` (default 1000; 0 switches admission control off).
"""

from __future__ import annotations

import logging
import math
import threading
import time

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import override

_local = threading.local()
logger = logging.getLogger(__name__)

# Never refused: the load balancer's health check must see the truth.
EXEMPT_PREFIXES = ("/healthz",)


def set_queued_at(monotonic: float | None) -> None:
    """Called by the server (the worker thread about to serve a request): when the
    request was queued, on the `time.monotonic()` clock; None when unknown."""
    _local.queued_at = monotonic


def queued_seconds(request) -> float:
    """How long this request waited before a thread took it (0 when unknown)."""
    queued_at = getattr(_local, "queued_at", None)
    if queued_at is not None:
        return max(0.0, time.monotonic() - queued_at)
    header = request.META.get("HTTP_X_REQUEST_START", "")
    if header:
        try:
            value = float(header.removeprefix("t="))
        except ValueError:
            return 0.0
        if value > 1e11:  # milliseconds since the epoch
            value /= 1000
        return max(0.0, time.time() - value)
    return 0.0


class _ShedLog:
    """One warning per process every LOG_EVERY seconds with the count, instead of a
    log line per refused request (a storm would otherwise log hundreds a second)."""

    LOG_EVERY = 10.0

    def __init__(self):
        self.lock = threading.Lock()
        self.count = 0
        self.since = time.monotonic()

    def add(self, waited: float) -> None:
        with self.lock:
            self.count += 1
            now = time.monotonic()
            if now - self.since < self.LOG_EVERY:
                return
            count, self.count, self.since = self.count, 0, now
        logger.warning(
            "admission control: %d request(s) refused with 503 in the last %.0f s "
            "(last one queued %.1f s)",
            count,
            self.LOG_EVERY,
            waited,
        )


_shed_log = _ShedLog()


def busy_response(request, waited: float) -> HttpResponse:
    """503 with Retry-After (whole seconds: at least 1, about as long as the queue)."""
    retry_after = max(1, min(30, math.ceil(waited)))
    with override(settings.LANGUAGE_CODE):
        message = _("The server is busy. Please try again in a moment.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "busy"}, status=503)
    else:
        response = HttpResponse(message, status=503, content_type="text/plain; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    response._has_been_logged = True  # counted by _shed_log instead of django.request
    _shed_log.add(waited)
    return response


class AdmissionControlMiddleware:
    """First in MIDDLEWARE: a request that queued too long is refused before any work."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = getattr(settings, "ADMISSION_MAX_QUEUE_MS", 1000) / 1000

    def __call__(self, request):
        if self.limit > 0 and not request.path.startswith(EXEMPT_PREFIXES):
            waited = queued_seconds(request)
            if waited > self.limit:
                return busy_response(request, waited)
        return self.get_response(request)
