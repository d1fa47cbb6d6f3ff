"""Server time of every main page on the demo city, per demo role.

Seeds the demo city (`manage.py seed_demo`) into its own database (PostgreSQL
`bench_pages` by default, or SQLite with --sqlite), signs in as each demo role and
requests each main page N times with Django's test Client in this process (the whole
middleware stack and view, no network, no gunicorn). Prints, per page: the first
request (cold caches of this process), p50 / p95 / max wall time, mean CPU time of
this process, the median time spent waiting for SQL, the number of SQL statements and
the response size; with the load average before and after, since the machine is
shared (on a busy machine wall time is mostly waiting for a core: CPU + SQL is the
page's own cost).

    .venv/bin/python bench/pages.py                 # seed PostgreSQL bench_pages, 20 runs
    .venv/bin/python bench/pages.py --reuse -n 30   # keep the seeded database
    .venv/bin/python bench/pages.py --sqlite /tmp/bench_pages.sqlite3
    .venv/bin/python bench/pages.py --reuse --only matrix,certificate

Figures and their history: docs/benchmarks.md ("Every page fast").
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import app_env, pg_recreate_database  # noqa: E402

BUDGET_MS = 300


def _seed(db_url: str, reuse: bool, sqlite: str | None) -> None:
    env = app_env(db_url)
    if not reuse:
        if sqlite:
            Path(sqlite).unlink(missing_ok=True)
        else:
            pg_recreate_database(db_url.rsplit("/", 1)[1])
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    if not reuse:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "manage.py", "seed_demo"],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"seed_demo: {time.perf_counter() - started:.0f} s")
    # A live database has planner statistics (autovacuum); a freshly seeded one may not
    # yet, and PostgreSQL then picks nested loops over tens of thousands of rows.
    subprocess.run(
        [sys.executable, "manage.py", "dbshell"],
        cwd=ROOT,
        env=env,
        check=True,
        input=b"ANALYZE;\n",
        stdout=subprocess.DEVNULL,
    )


def _setup_django(db_url: str) -> None:
    for key, value in app_env(db_url).items():
        os.environ[key] = value
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def _pages() -> list[tuple[str, str, str]]:
    """(role label, username, path) of every main page, found in the seeded city."""
    from certificates.models import Certificate
    from exams.models import Attempt, ExamSession
    from organisation.models import Department, Staff
    from training.models import GuidancePlan, WeeklyModule

    learner = Staff.objects.get(user__username="HZ000842")
    certificate = (
        Certificate.objects.filter(source="issued", revoked_on__isnull=True)
        .order_by("issue_date", "pk")
        .first()
    )
    own_certificate = Certificate.objects.filter(staff=learner, source="issued").first()
    session = ExamSession.objects.order_by("-opens_at").first()
    finished = (
        Attempt.objects.filter(staff=learner, status__in=["submitted", "finalised"])
        .order_by("-finished_at")
        .first()
    )
    module = WeeklyModule.objects.filter(published_at__isnull=False).order_by("-week").first()
    plan = GuidancePlan.objects.order_by("pk").first()
    city = Department.objects.get(depth=1)
    county = Department.objects.filter(depth=2).order_by("path").first()

    learner_pages = [
        ("home", "/"),
        ("training: my record", "/training/me/"),
        ("exams: list", "/exams/"),
        ("exams: mistakes", "/exams/mistakes/"),
        ("certificates: mine", "/certificates/"),
        ("notifications", "/training/notifications/"),
    ]
    if module:
        learner_pages.append(("training: module", f"/training/modules/{module.pk}/"))
    if finished:
        learner_pages.append(("exams: result", f"/exams/attempts/{finished.public_id}/"))
    if own_certificate:
        learner_pages.append(
            ("certificate: PDF", f"/certificates/c/{own_certificate.public_id}/pdf/")
        )
    coordinator_pages = [
        ("home", "/"),
        ("training: matrix", "/training/matrix/"),
        ("training: overdue", "/training/overdue/"),
        ("training: guidance", "/training/guidance/"),
        ("training: units", "/training/units/"),
        ("exams: sessions", "/exams/manage/"),
        ("exams: bank", "/exams/bank/"),
        ("roster: history", "/roster/"),
        ("org: units", "/org/units/"),
        ("org: city unit", f"/org/units/{city.pk}/"),
        ("certificates: dashboard", "/certificates/dashboard/"),
        ("certificates: city", f"/certificates/units/{city.pk}/"),
        ("certificates: gap", f"/certificates/units/{city.pk}/gap/"),
        ("certificates: assessments", "/certificates/assessments/"),
    ]
    if session:
        coordinator_pages.append(("exams: session page", f"/exams/manage/{session.public_id}/"))
    if plan:
        coordinator_pages.append(("training: plan", f"/training/plans/{plan.public_id}/"))
    if certificate:
        coordinator_pages += [
            ("certificate: page", f"/certificates/c/{certificate.public_id}/"),
            ("certificate: PDF", f"/certificates/c/{certificate.public_id}/pdf/"),
        ]
    manager_pages = [
        ("home", "/"),
        ("certificates: dashboard", "/certificates/dashboard/"),
        ("certificates: county", f"/certificates/dashboard/{county.pk}/"),
        ("training: matrix", "/training/matrix/"),
        ("training: units", "/training/units/"),
        ("exams: sessions", "/exams/manage/"),
    ]
    admin_pages = [
        ("home", "/"),
        ("org: units", "/org/units/"),
        ("exams: bank", "/exams/bank/"),
        ("audit", "/audit/"),
        ("certificates: dashboard", "/certificates/dashboard/"),
        ("training: matrix", "/training/matrix/"),
    ]
    rows = []
    for role, username, pages in (
        ("learner", "HZ000842", learner_pages),
        ("coordinator (city)", "HZ000856", coordinator_pages),
        ("coordinator (county)", "HZ001262", coordinator_pages[:8]),
        ("manager (city)", "HZ000001", manager_pages),
        ("administrator", "admin", admin_pages),
    ):
        rows += [(role, username, name, path) for name, path in pages]
    return rows


def _client_for(username: str):
    from allauth.mfa.models import Authenticator
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.get(username=username)
    if user.is_staff and not Authenticator.objects.filter(user=user).exists():
        # The benchmark's own database: the administrator has set up two-factor.
        Authenticator.objects.create(
            user=user, type=Authenticator.Type.TOTP, data={"secret": "JBSWY3DPEHPK3PXP"}
        )
    if user.must_change_password:
        user.must_change_password = False
        user.save(update_fields=["must_change_password"])
    client = Client(HTTP_HOST="127.0.0.1", HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _measure(client, path: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def one():
        cpu, wall = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        return (
            (time.perf_counter() - wall) * 1000,
            (time.process_time() - cpu) * 1000,
            len(queries.captured_queries),
            sql,
            response,
        )

    first, _cpu, _q, _sql, response = one()
    walls, cpus, counts, sqls = [], [], [], []
    for _ in range(runs):
        wall, cpu, count, sql, response = one()
        walls.append(wall)
        cpus.append(cpu)
        counts.append(count)
        sqls.append(sql)
    walls.sort()
    size = len(response.content) if not response.streaming else 0
    return {
        "status": response.status_code,
        "first": first,
        "p50": statistics.median(walls),
        "p95": walls[min(len(walls) - 1, round(0.95 * (len(walls) - 1)))],
        "max": walls[-1],
        "cpu": statistics.mean(cpus),
        "sql": statistics.median(sqls),
        "queries": max(counts),
        "kb": size / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=20)
    parser.add_argument("--database", default="bench_pages", help="PostgreSQL database name")
    parser.add_argument("--sqlite", help="use this SQLite file instead of PostgreSQL")
    parser.add_argument("--reuse", action="store_true", help="keep the seeded database")
    parser.add_argument("--only", default="", help="comma-separated words a page name contains")
    args = parser.parse_args()
    if args.sqlite:
        db_url = f"sqlite:///{Path(args.sqlite).resolve()}"
    else:
        from harness import database_url

        db_url = database_url(args.database)
    _seed(db_url, args.reuse, args.sqlite)
    _setup_django(db_url)
    from django.db import connection

    load_before = os.getloadavg()
    cpu_before = time.process_time()
    wall_before = time.perf_counter()
    only = [w.strip() for w in args.only.split(",") if w.strip()]
    print(
        f"database: {connection.vendor}; runs per page: {args.runs}; "
        f"load average before: {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}; "
        f"{os.cpu_count()} CPUs"
    )
    header = (
        "| role | page | status | first ms | p50 ms | p95 ms | max ms | CPU ms | SQL ms "
        "| queries | KB |"
    )
    print(header)
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    over = []
    clients: dict[str, object] = {}
    for role, username, name, path in _pages():
        if only and not any(w in name for w in only):
            continue
        client = clients.get(username) or clients.setdefault(username, _client_for(username))
        m = _measure(client, path, args.runs)
        flag = " **over**" if m["p95"] > BUDGET_MS else ""
        print(
            f"| {role} | {name} | {m['status']} | {m['first']:.0f} | {m['p50']:.0f} | "
            f"{m['p95']:.0f}{flag} | {m['max']:.0f} | {m['cpu']:.0f} | {m['sql']:.0f} | "
            f"{m['queries']} | {m['kb']:.0f} |",
            flush=True,
        )
        if m["p95"] > BUDGET_MS:
            over.append((role, name, m["p95"]))
    load_after = os.getloadavg()
    print(
        f"\nload average after: {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
        f"this process: {time.process_time() - cpu_before:.1f} s CPU in "
        f"{time.perf_counter() - wall_before:.1f} s wall"
    )
    print(f"pages over {BUDGET_MS} ms at p95: {len(over)}")
    for role, name, p95 in over:
        print(f"  {role}: {name} ({p95:.0f} ms)")


if __name__ == "__main__":
    main()
