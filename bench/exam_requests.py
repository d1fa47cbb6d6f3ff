"""The cost of one exam-day request, in process: SQL statements and CPU per start, per
save and per hand-in, through the whole Django stack (middleware, views, the database) but without
gunicorn or a network, so that the figure barely depends on what else the machine runs.

    .venv/bin/python bench/exam_requests.py                 # 300 starts, 3,000 saves
    .venv/bin/python bench/exam_requests.py --learners 100 --saves 1000

Builds its own PostgreSQL database (dropped and re-created; the name must contain
"bench"), one exam with 100 questions a paper drawn ahead for every learner, signs each
learner in, then times (`time.process_time`, this process's CPU) each learner's start,
saves spread over the learners' attempts, and each learner's hand-in (the hand-in only;
its scoring and audit entry are the finaliser's, timed once for the lot at the end).
Sessions are cached_db in Redis when REDIS_URL is set (default here:
redis://127.0.0.1:6379/7), as in production.

Run with `--code-root` to measure another checkout of the project with this same
script (e.g. the code before a change).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import sys
import time
from pathlib import Path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--learners", type=int, default=300)
    parser.add_argument("--saves", type=int, default=3000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--database", default="wc_bench_exam_requests")
    parser.add_argument("--code-root", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7")
    )
    args = parser.parse_args(argv)
    if "bench" not in args.database:
        sys.exit("The database name must contain 'bench' (it is dropped and re-created).")
    root = args.code_root.resolve()
    sys.path.insert(0, str(root))
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.chdir(root)
    import harness

    db_url = harness.pg_recreate_database(args.database)
    env = harness.app_env(
        db_url,
        SESSION_ENGINE="django.contrib.sessions.backends.cached_db",
        REDIS_URL=args.redis_url,
    )
    harness.manage(["migrate", "-v0"], env)
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection, reset_queries
    from django.test import Client
    from django.utils import timezone

    from exams.models import BlueprintRule, ExamSession, KnowledgePoint, Question
    from exams.services import exam_session_prepare_papers
    from organisation.models import Department, Staff

    with __import__("contextlib").suppress(Exception):
        import redis

        redis.Redis.from_url(args.redis_url).flushdb()
    city = Department.objects.add_root({"code": "RQ", "name": "基准市", "kind": "city"})
    fields = {"code": "RQ1", "name": "中心", "kind": "service_centre"}
    unit = Department.objects.add_child(Department.objects.get(pk=city.pk), fields)
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"rq{i:05d}", password="!") for i in range(args.learners)]
    )
    Staff.objects.bulk_create(
        [
            Staff(
                name=f"考生{i}",
                id_number_encrypted="-",
                id_number_hash=f"{i:064d}",
                id_number_masked="-",
                staff_number=f"RQ{i:05d}",
                department=unit,
                user=user,
            )
            for i, user in enumerate(users)
        ]
    )
    point = KnowledgePoint.objects.create(name="知识点")
    Question.objects.bulk_create(
        [
            Question(
                type="single",
                stem=f"第{n}题：窗口人员在受理业务时应当如何处理下列情形？" * 3,
                options=["甲", "乙", "丙", "丁"],
                answer=["A"],
                knowledge_point=point,
                status="active",
            )
            for n in range(args.questions * 2)
        ]
    )
    now = timezone.now()
    session = ExamSession.objects.create(
        title="基准月考",
        kind="monthly",
        department=city,
        opens_at=now - datetime.timedelta(minutes=1),
        closes_at=now + datetime.timedelta(hours=2),
        duration_minutes=90,
        published=True,
    )
    session.audience_departments.add(city)
    BlueprintRule.objects.create(session=session, type="single", count=args.questions, points=1)
    exam_session_prepare_papers(session=session)

    def measure(client, method, path, body=None):
        reset_queries()
        t = time.process_time()
        if body is None:
            response = getattr(client, method)(path)
        else:
            response = getattr(client, method)(
                path, data=json.dumps(body), content_type="application/json"
            )
        cpu = time.process_time() - t
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        return cpu * 1000, len(connection.queries), response

    from django.conf import settings

    settings.DEBUG = True  # count statements (connection.queries)
    settings.ALLOWED_HOSTS = ["testserver"]
    clients, attempts, starts = [], [], []
    for user in users:
        client = Client()
        client.force_login(user)
        client.get("/healthz")
        cpu, statements, response = measure(
            client, "post", f"/api/exams/sessions/{session.public_id}/start/"
        )
        starts.append((cpu, statements))
        clients.append(client)
        attempts.append(response.json()["id"])
    saves = []
    for n in range(args.saves):
        i = n % len(users)
        cpu, statements, _ = measure(
            clients[i],
            "post",
            f"/api/exams/attempts/{attempts[i]}/save/",
            {"item": 1 + n // len(users) % args.questions, "answer": ["B"], "seq": n + 1},
        )
        saves.append((cpu, statements))

    handins = []
    for i, client in enumerate(clients):
        cpu, statements, response = measure(
            client, "post", f"/api/exams/attempts/{attempts[i]}/submit/"
        )
        assert response.json()["status"] in ("handed_in", "submitted"), response.json()
        handins.append((cpu, statements))
    from exams.services import attempts_finalise_overdue

    t = time.process_time()
    attempts_finalise_overdue()
    scoring_ms = (time.process_time() - t) * 1000

    def row(name, samples):
        cpu = sorted(c for c, _ in samples)
        return {
            "request": name,
            "n": len(samples),
            "cpu_ms_median": round(statistics.median(cpu), 2),
            "cpu_ms_p90": round(cpu[int(0.9 * len(cpu))], 2),
            "sql_statements": sorted({s for _, s in samples}),
        }

    report = {
        "code": str(root),
        "load_average": os.getloadavg(),
        "rows": [
            row("start (prepared paper)", starts[10:]),
            row("save", saves[100:]),
            row("hand-in", handins[10:]),
        ],
        "finaliser_cpu_ms_per_hand_in": round(scoring_ms / len(handins), 2),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))
    harness.pg_drop_database(args.database)
    return 0


if __name__ == "__main__":
    sys.exit(main())
