"""Training benchmark: the demo city (~6,000 staff, 12 weeks) on a fresh PostgreSQL
database; times the learner's home, video heartbeats, the completion matrix, the
overdue list, unit rates and the annual-record export, with their query counts.

    .venv/bin/python bench/training_cycle.py            # writes docs/benchmarks/training.md
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.harness import ROOT, pg_recreate_database

DB = "wc_bench_training"


def main() -> None:
    url = pg_recreate_database(DB)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    py = str(ROOT / ".venv" / "bin" / "python")
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    started = time.perf_counter()
    subprocess.run(
        [py, "manage.py", "seed_demo"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )
    seed_seconds = time.perf_counter() - started
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from organisation.models import Role, RoleAssignment, Staff
    from training import selectors, services
    from training.exports import annual_records_xlsx
    from training.models import Enrolment, Lesson

    def timed(label, fn, repeat=5):
        times, queries = [], 0
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                fn()
                times.append((time.perf_counter() - t) * 1000)
            queries = len(ctx)
        return label, statistics.median(times), max(times), queries

    learners = list(Staff.objects.filter(enrolments__status="active").order_by("pk")[:200])
    city = (
        RoleAssignment.objects.filter(role=Role.COORDINATOR).order_by("department__depth").first()
    )
    manager = RoleAssignment.objects.filter(role=Role.MANAGER).order_by("department__depth").first()
    track = Enrolment.objects.filter(staff__in=learners).first().track
    rows = []
    it = iter(learners * 5)
    rows.append(
        timed("learner home (selector)", lambda: selectors.learner_home(staff=next(it)), 50)
    )

    # Heartbeats: one learner watching one lesson, 200 heartbeats 15 s apart.
    lesson = Lesson.objects.filter(module__track=track, module__published_at__isnull=False).first()
    lesson.video_url = "https://example.invalid/v.mp4"
    lesson.video_seconds = 3600
    lesson.save()
    learner = Enrolment.objects.filter(track=track, status="active").first().staff
    t0 = timezone.now()
    beat = iter(range(1000))

    def heartbeat():
        i = next(beat)
        services.lesson_heartbeat(
            staff=learner,
            lesson=lesson,
            position=i * 15,
            visible=True,
            active=True,
            now=t0 + timezone.timedelta(seconds=i * 15),
        )

    rows.append(timed("lesson heartbeat (service)", heartbeat, 200))
    today = timezone.localdate()
    rows.append(
        timed(
            "completion matrix, city coordinator (all people)",
            lambda: selectors.completion_matrix(user=city.user, track=track),
            3,
        )
    )
    rows.append(
        timed(
            "overdue list, city scope",
            lambda: selectors.overdue_rows(staff_queryset=Staff.objects.all(), today=today),
            3,
        )
    )
    rows.append(
        timed(
            "unit rates, city manager",
            lambda: selectors.unit_rates(user=manager.user, year=today.year),
            3,
        )
    )
    rows.append(
        timed(
            "annual records xlsx, city manager",
            lambda: annual_records_xlsx(
                selectors.annual_records(user=manager.user, year=today.year), year=today.year
            ),
            3,
        )
    )
    rows.append(
        timed(
            "reminders, first run (all overdue reminded, emails to locmem)",
            lambda: services.reminders_send(),
            1,
        )
    )
    rows.append(
        timed("reminders (second run: nothing new to send)", lambda: services.reminders_send(), 2)
    )

    people = Enrolment.objects.filter(status="active").count()
    lines = [
        "# Training benchmarks",
        "",
        f"Demo city on PostgreSQL: {people} active enrolments, "
        f"seed_demo took {seed_seconds:.1f} s.",
        "Run: `.venv/bin/python bench/training_cycle.py` "
        "(2-core machine; median and max of repeats).",
        "",
        "| what | median ms | max ms | queries |",
        "|---|---:|---:|---:|",
        *[f"| {label} | {median:.1f} | {worst:.1f} | {q} |" for label, median, worst, q in rows],
        "",
    ]
    out = ROOT / "docs" / "benchmarks" / "training.md"
    out.write_text("\n".join(lines), encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
