"""Benchmark: grade 10,000 submitted attempts of 100 questions on PostgreSQL.

    .venv/bin/python bench/grading.py [--attempts 10000] [--questions 100]
        [--database-url postgres://postgres@127.0.0.1:5432/wc_bench_grading]

Builds (drops and re-creates) its own database: a bank of 400 objective questions, one
exam session, N attempts of Q items each with answers saved (bulk, not timed), all
past their deadline. Then times `attempts_finalise_overdue`, the server's own
deadline finaliser: it locks attempts in batches, scores every item (single,
multiple with partial credit, true/false, fill in the blank), writes the awarded
points and the attempt totals. Prints attempts/s, items/s and the SQL count.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import resource
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/wc_bench_grading"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    args = parser.parse_args()
    if "bench" not in args.database_url:
        sys.exit("The database name must contain 'bench' (it is dropped and re-created).")

    from harness import app_env, manage, pg_recreate_database

    name = args.database_url.rsplit("/", 1)[1]
    url = pg_recreate_database(name)
    env = app_env(url)
    manage(["migrate", "-v0"], env)
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_DEBUG")}
    )
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from exams.models import (
        Attempt,
        AttemptItem,
        AttemptStatus,
        ExamSession,
        KnowledgePoint,
        Question,
    )
    from exams.services import attempts_finalise_overdue
    from organisation.models import Department, Staff

    rng = random.Random(7)
    t0 = time.perf_counter()
    city = Department.objects.add_root({"code": "B", "name": "基准市", "kind": "city"})
    kp = KnowledgePoint.objects.create(name="政策法规")
    kinds = [
        ("single", ["B"]),
        ("multiple", ["A", "C"]),
        ("true_false", ["A"]),
        ("fill_blank", [["一网通办"]]),
    ]
    bank = Question.objects.bulk_create(
        [
            Question(
                type=t,
                stem=f"题{i}",
                options=["甲", "乙", "丙", "丁"],
                answer=key,
                knowledge_point=kp,
            )
            for i, (t, key) in ((i, kinds[i % 4]) for i in range(400))
        ]
    )
    now = timezone.now()
    session = ExamSession.objects.create(
        title="基准月考",
        department=city,
        opens_at=now - datetime.timedelta(hours=3),
        closes_at=now - datetime.timedelta(hours=1),
        duration_minutes=60,
        published=True,
    )
    staff = Staff.objects.bulk_create(
        [
            Staff(
                name=f"考生{i}",
                id_number_encrypted="x",
                id_number_hash=f"{i:064d}",
                id_number_masked="x",
                staff_number=f"B{i:06d}",
                department=city,
            )
            for i in range(args.attempts)
        ]
    )
    started = now - datetime.timedelta(hours=2)
    attempts = Attempt.objects.bulk_create(
        [
            Attempt(
                session=session,
                staff=s,
                number=1,
                seed=i,
                status=AttemptStatus.IN_PROGRESS,
                started_at=started,
                deadline=started + datetime.timedelta(minutes=60),
                max_score=args.questions,
            )
            for i, s in enumerate(staff)
        ],
        batch_size=2000,
    )
    answers = [["B"], ["A"], ["A", "C"], ["C"], ["A"], ["B"], ["一网通办"], ["一网"]]
    batch = []
    for attempt in attempts:
        for position, question in enumerate(rng.sample(bank, args.questions), start=1):
            batch.append(
                AttemptItem(
                    attempt=attempt,
                    position=position,
                    question=question,
                    type=question.type,
                    stem=question.stem,
                    options=[],
                    key=question.answer,
                    points=Decimal(1),
                    knowledge_point_id=kp.pk,
                    knowledge_point_name=kp.name,
                    answer=rng.choice(answers),
                    seq=1,
                )
            )
        if len(batch) >= 50_000:
            AttemptItem.objects.bulk_create(batch, batch_size=5000)
            batch = []
    AttemptItem.objects.bulk_create(batch, batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    setup = time.perf_counter() - t0

    with CaptureQueriesContext(connection) as ctx:
        t1 = time.perf_counter()
        graded = attempts_finalise_overdue(now=timezone.now(), batch_size=200)
        elapsed = time.perf_counter() - t1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    items = graded * args.questions
    done = Attempt.objects.filter(status=AttemptStatus.FINALISED).count()
    mean = Attempt.objects.filter(status=AttemptStatus.FINALISED).values_list("percent", flat=True)[
        :1
    ]
    print(f"setup (not timed): {setup:.1f} s")
    print(
        f"graded {graded} attempts x {args.questions} questions = {items} items "
        f"in {elapsed:.1f} s: {graded / elapsed:.0f} attempts/s, {items / elapsed:.0f} items/s"
    )
    print(
        f"SQL statements: {len(ctx.captured_queries)}; peak memory {peak:.0f} MB; "
        f"finalised in database: {done}; e.g. percent {list(mean)}"
    )


if __name__ == "__main__":
    main()
