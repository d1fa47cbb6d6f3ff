"""Benchmark: the certified-rate dashboard for 300 units and 100,000 staff.

Builds its own database (the demo city's ~311 units, 100,000 staff, ~70% certified,
12 month-end snapshots), then times the dashboard selector and the whole page for the
city (every unit below it) and a county, and counts SQL queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/wc_bench_certificates \\
        .venv/bin/python bench/dashboard.py
    .venv/bin/python bench/dashboard.py            # SQLite file in bench/out/

The database named by DATABASE_URL is dropped and re-created (PostgreSQL) or the
SQLite file replaced.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{OUT / 'dashboard.sqlite3'}")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver")

STAFF = int(os.environ.get("BENCH_STAFF", "100000"))
RUNS = int(os.environ.get("BENCH_RUNS", "30"))


def fresh_database() -> None:
    url = os.environ["DATABASE_URL"]
    if url.startswith("sqlite"):
        path = Path(url.split("sqlite:///", 1)[1])
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        return
    import psycopg

    base, name = url.rsplit("/", 1)
    if "bench" not in name:
        sys.exit(f"refusing to drop {name!r}: the benchmark database name must contain 'bench'")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def build(rng: random.Random) -> None:
    from django.core.management import call_command

    from certificates.models import Certificate, SkillLevel
    from certificates.rates import rate_snapshots_rebuild
    from certificates.services import new_verification_code
    from organisation.demo import build_departments
    from organisation.models import Department, Staff, StaffStatus

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    departments = [d for d in build_departments() if d.depth > 1]
    weights = [400 if d.code.endswith("-SC") else 40 for d in departments]
    today = datetime.date.today()
    level5 = SkillLevel.objects.get(code=5)
    staff = []
    for i in range(STAFF):
        dept = rng.choices(departments, weights)[0]
        left = rng.random() < 0.03
        staff.append(
            Staff(
                name="测试人员",
                id_number_encrypted="x",
                id_number_hash=f"h{i:012d}",
                id_number_masked="360***********0000",
                staff_number=f"B{i:07d}",
                department_id=dept.pk,
                is_window_staff=rng.random() < 0.94,
                status=StaffStatus.LEFT if left else StaffStatus.ACTIVE,
                left_on=today - datetime.timedelta(days=rng.randint(1, 300)) if left else None,
                hire_date=today - datetime.timedelta(days=rng.randint(30, 4000)),
            )
        )
    Staff.objects.bulk_create(staff, batch_size=5000)
    ids = list(Staff.objects.values_list("pk", flat=True))
    certificates = [
        Certificate(
            number=f"BN{n:08d}",
            verification_code=new_verification_code(),
            staff_id=pk,
            level=level5,
            holder_name="测试人员",
            id_number_masked="360***********0000",
            issue_date=today - datetime.timedelta(days=int(365 * rng.random() ** 0.8)),
            assessment_body="测试评价机构",
        )
        for n, pk in enumerate(ids)
        if rng.random() < 0.7
    ]
    Certificate.objects.bulk_create(certificates, batch_size=5000)
    rate_snapshots_rebuild(months=12)
    from django.db import connection

    with connection.cursor() as cursor:  # fresh planner statistics, as autovacuum would
        cursor.execute("ANALYZE")
    print(
        f"built {Department.objects.count()} units, {len(ids):,} staff, "
        f"{len(certificates):,} certificates, snapshots in {time.perf_counter() - t0:.1f} s"
    )


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    fresh_database()
    import django

    django.setup()
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from certificates.dashboard import dashboard_build
    from organisation.models import Department, Role, RoleAssignment

    build(random.Random(2026))
    from django.contrib.auth import get_user_model

    city = Department.objects.get(depth=1)
    county = Department.objects.filter(kind="county").order_by("path").first()
    user = get_user_model().objects.create(username="bench-admin", is_superuser=False)
    RoleAssignment.objects.create(user=user, role=Role.MANAGER, department=city)

    print(f"database: {connection.vendor}, runs: {RUNS}")
    for label, unit in (("city (all units)", city), ("county", county)):
        dashboard_build(user=user, department=unit)  # warm
        samples = []
        for _ in range(RUNS):
            t = time.perf_counter()
            dashboard_build(user=user, department=unit)
            samples.append((time.perf_counter() - t) * 1000)
        with CaptureQueriesContext(connection) as ctx:
            dashboard_build(user=user, department=unit)
        print(
            f"selector  {label:<18} median {statistics.median(samples):7.1f} ms"
            f"  p95 {p95(samples):7.1f} ms  queries {len(ctx.captured_queries)}"
        )

    client = Client()
    client.force_login(user)
    for label, unit in (("city (all units)", city), ("county", county)):
        url = f"/certificates/dashboard/{unit.pk}/"
        assert client.get(url).status_code == 200
        samples = []
        for _ in range(RUNS):
            t = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        print(
            f"page      {label:<18} median {statistics.median(samples):7.1f} ms"
            f"  p95 {p95(samples):7.1f} ms  queries {len(ctx.captured_queries)}"
            f"  {len(response.content) // 1024} KB"
        )
    reset_queries()


if __name__ == "__main__":
    main()
