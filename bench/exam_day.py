"""Exam day at city scale: thousands of examinees against the real app on one machine.

    .venv/bin/python bench/exam_day.py                       # 10,000 examinees, ~8 min
    .venv/bin/python bench/exam_day.py --examinees 2000 --exam-seconds 120
    .venv/bin/python bench/exam_day.py --kill-worker-at 150 --restart-postgres-at 240

What it does, in order:

1. Builds its own PostgreSQL database (dropped and re-created; the name must contain
   "bench"): 20 units, N window staff with accounts, a bank of objective questions,
   one published monthly exam drawn from a blueprint, and every paper drawn ahead by
   the same service the background task runs. Signed-in sessions are written straight
   into the session table (hashing N passwords would only measure PBKDF2).
2. Serves the app with gunicorn (gthread workers) and runs `finalise_attempts --loop`
   beside it, as on exam day. Cache and sessions go through Redis when REDIS_URL is
   set (the default here: redis://127.0.0.1:6379/7), as in production.
3. Simulates the examinees with asyncio + aiohttp over loopback, on one event loop:
   each starts at a random moment within the start window, saves an answer every
   `--save-interval` seconds (jitter ±20 %), some reload the page mid-exam (resume),
   most submit shortly before their deadline and the rest leave it to the server.
   A failed request is retried with jittered exponential back-off, and a `503` with
   `Retry-After` (the server's admission control) after that many seconds plus
   jitter, as `static/js/exam.js` does; the time from the first failure to the next
   success is the client's recovery time.
4. Watches the database once a second for attempts past their deadline that are
   still open (the finalisation lag).
5. Afterwards checks from the database that every save the server acknowledged is
   stored (same sequence number and answer, or a newer one), that every attempt is
   closed, and that each attempt closed by the server finished at its deadline.

Prints a table per endpoint and phase and writes everything as JSON (`--json`).
It exits non-zero if an acknowledged save was lost or an attempt was left open, so
the smoke test in tests/bench/ can rely on it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import random
import resource
import secrets
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import harness  # noqa: E402

DEFAULT_DB = "wc_bench_examday"
UNITS = 20
# The paper: shares of the question types (each question one point).
PAPER_MIX = (("single", 0.5), ("multiple", 0.2), ("true_false", 0.2), ("fill_blank", 0.1))


# --- 1. the data ---------------------------------------------------------------------


def build_data(args) -> dict:
    """Create units, staff, accounts, sessions, the bank, the exam and its papers.
    Runs in this process with Django set up against the bench database."""
    from django.contrib.auth import get_user_model
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone

    from exams.models import BlueprintRule, ExamSession, KnowledgePoint, Question, SessionKind
    from exams.services import exam_session_prepare_papers
    from organisation.models import Department, Staff

    rng = random.Random(args.seed)
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    city = Department.objects.add_root({"code": "BX", "name": "基准市", "kind": "city"})
    units = []
    for u in range(UNITS):
        city = Department.objects.get(pk=city.pk)  # treebeard needs the fresh parent
        fields = {"code": f"BX{u:02d}", "name": f"第{u + 1}政务服务中心", "kind": "service_centre"}
        units.append(Department.objects.add_child(city, fields))
    User = get_user_model()
    users = User.objects.bulk_create(
        [
            User(username=f"exam{i:06d}", password=f"!{secrets.token_hex(8)}")
            for i in range(args.examinees)
        ],
        batch_size=2000,
    )
    Staff.objects.bulk_create(
        [
            Staff(
                name=f"考生{i}",
                id_number_encrypted="-",
                id_number_hash=f"{i:064d}",
                id_number_masked="-",
                staff_number=f"BX{i:06d}",
                department=units[i % UNITS],
                user=user,
            )
            for i, user in enumerate(users)
        ],
        batch_size=2000,
    )
    timings["staff_and_accounts_s"] = time.perf_counter() - t0

    points = [KnowledgePoint.objects.create(name=f"知识点{k}") for k in range(5)]
    keys = {
        "single": lambda r: [r.choice("ABCD")],
        "multiple": lambda r: sorted(r.sample("ABCD", 2)),
        "true_false": lambda r: [r.choice("AB")],
        "fill_blank": lambda r: [["一网通办", "一网 通办"]],
    }
    bank = []
    for qtype, share in PAPER_MIX:
        for n in range(max(1, round(args.questions * share)) * 3):
            options = ["正确", "错误"] if qtype == "true_false" else ["甲", "乙", "丙", "丁"]
            if qtype == "fill_blank":
                options = []
            bank.append(
                Question(
                    type=qtype,
                    stem=f"【{qtype}】第{n + 1}题：窗口人员在受理业务时应当如何处理下列情形？"
                    + "请结合政务服务规范作答。" * 3,
                    options=options,
                    answer=keys[qtype](rng),
                    knowledge_point=points[n % len(points)],
                    status="active",
                )
            )
    Question.objects.bulk_create(bank)

    now = timezone.now()
    session = ExamSession.objects.create(
        title="基准月考",
        kind=SessionKind.MONTHLY,
        department=city,
        opens_at=now - datetime.timedelta(minutes=1),
        closes_at=now + datetime.timedelta(hours=1),
        duration_minutes=math.ceil(args.exam_seconds / 60),
        published=True,
        partial_credit=True,
    )
    session.audience_departments.add(city)
    for order, (qtype, share) in enumerate(PAPER_MIX):
        BlueprintRule.objects.create(
            session=session,
            type=qtype,
            count=max(1, round(args.questions * share)),
            points=1,
            order=order,
        )
    if not args.task_workers:
        t1 = time.perf_counter()
        timings["papers_drawn"] = exam_session_prepare_papers(session=session)
        timings["papers_s"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    store = SessionStore()
    expire = now + datetime.timedelta(hours=12)
    backend = "organisation.backends.StaffNumberOrMobileBackend"
    sessions, cookies = [], []
    for user in users:
        key = secrets.token_hex(16)
        data = {
            "_auth_user_id": str(user.pk),
            "_auth_user_backend": backend,
            "_auth_user_hash": user.get_session_auth_hash(),
            "last_seen": int(time.time()),
        }
        sessions.append(
            Session(session_key=key, session_data=store.encode(data), expire_date=expire)
        )
        cookies.append(key)
    Session.objects.bulk_create(sessions, batch_size=2000)
    timings["sign_in_sessions_s"] = time.perf_counter() - t2
    closes = set_window_from_now(session.pk, args)
    return {
        "session_public_id": str(session.public_id),
        "session_pk": session.pk,
        "session_keys": cookies,
        "timings": timings,
        "closes_at": closes.isoformat(),
    }


def draw_papers_through_tasks(session_pk: int) -> dict:
    """Enqueue the paper-drawing task, as publishing an exam does, and wait for a
    `db_worker` process to run it."""
    from django.db import close_old_connections

    from exams.models import Attempt, ExamSession
    from exams.tasks import prepare_papers

    t = time.perf_counter()
    result = prepare_papers.enqueue(session_pk)
    while True:
        close_old_connections()
        if ExamSession.objects.filter(pk=session_pk, papers_prepared_at__isnull=False).exists():
            break
        if time.perf_counter() - t > 1800:
            raise RuntimeError("the papers were not drawn within 30 minutes")
        time.sleep(0.5)
    result.refresh()
    return {
        "papers_drawn": Attempt.objects.filter(session_id=session_pk).count(),
        "papers_s": time.perf_counter() - t,
        "papers_task_worker": result.worker_ids,
    }


# --- 3. the examinees ----------------------------------------------------------------


@dataclass
class Sample:
    at: float  # seconds since the load started, when the request was sent
    name: str
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class Run:
    base_urls: list[str]
    session_id: str
    t0: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    acked: dict[tuple[str, int], tuple[int, object]] = field(default_factory=dict)
    submitted: set[str] = field(default_factory=set)
    attempts: dict[int, str] = field(default_factory=dict)
    recoveries: list[tuple[float, float]] = field(default_factory=list)  # (failed at, took)
    starts_done: float = 0.0
    load_done: float = 0.0
    counter: int = 0
    gave_up: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        """Round robin over the app servers, like a load balancer without affinity:
        one examinee's requests land on every server."""
        self.counter += 1
        return self.base_urls[self.counter % len(self.base_urls)] + path

    def now(self) -> float:
        return time.monotonic() - self.t0


class Gave(Exception):
    """The request kept failing until the client had to give up (deadline passed)."""


async def request(
    run: Run,
    http,
    name: str,
    method: str,
    path: str,
    headers,
    *,
    body=None,
    give_up_at: float | None = None,
    expect=(200,),
):
    """One logical request with the client's retry policy; returns (status, json)."""
    import aiohttp

    delay = 0.5
    first_failure: float | None = None
    while True:
        sent = run.now()
        error = ""
        retry_after = None
        try:
            async with http.request(method, run.url(path), json=body, headers=headers) as response:
                payload = await response.json(content_type=None) if response.status != 204 else {}
                status = response.status
                retry_after = response.headers.get("Retry-After")
        except (TimeoutError, aiohttp.ClientError, json.JSONDecodeError) as exc:
            status, payload, error = 0, None, type(exc).__name__
        took = run.now() - sent
        if status in expect:
            run.samples.append(Sample(sent, name, took, True))
            if first_failure is not None:
                run.recoveries.append((first_failure, run.now() - first_failure))
            return status, payload
        if status == 503 and retry_after:
            error = "HTTP 503 busy (Retry-After)"
        run.samples.append(Sample(sent, name, took, False, error or f"HTTP {status}"))
        if 400 <= status < 500 and status not in (408, 429):
            return status, payload  # the client's own fault: retrying will not help
        if first_failure is None:
            first_failure = sent
        # The server's admission control said when to come back: do, with jitter so
        # that the refused do not all return at once (as static/js/exam.js does).
        # Otherwise exponential back-off with jitter.
        if status in (429, 503) and retry_after and retry_after.isdigit():
            wait = int(retry_after) * random.uniform(1.0, 2.0)
        else:
            wait = delay * random.uniform(0.5, 1.5)
            delay = min(delay * 2, 5.0)
        if give_up_at is not None and run.now() + wait >= give_up_at:
            raise Gave(name)
        await asyncio.sleep(wait)


def answer_for(item: dict, rng: random.Random):
    if item["type"] == "single" or item["type"] == "true_false":
        return [rng.choice(item["options"])["key"]]
    if item["type"] == "multiple":
        keys = [o["key"] for o in item["options"]]
        return sorted(rng.sample(keys, rng.randint(1, len(keys))))
    return [rng.choice(["一网通办", "一窗受理", "最多跑一次"])]


async def examinee(run: Run, http, index: int, key: str, args, rng: random.Random) -> None:
    try:
        await _examinee(run, http, index, key, args, rng)
    except Gave as exc:
        run.gave_up[str(exc)] = run.gave_up.get(str(exc), 0) + 1


async def _examinee(run: Run, http, index: int, key: str, args, rng: random.Random) -> None:
    headers = {
        "Cookie": f"sessionid={key}; csrftoken={'x' * 32}",
        "X-CSRFToken": "x" * 32,
        "Accept-Language": "zh-hans",
    }
    await asyncio.sleep(max(0.0, rng.uniform(0, args.start_window) - run.now()))
    status, paper = await request(
        run,
        http,
        "start",
        "POST",
        f"/api/exams/sessions/{run.session_id}/start/",
        headers,
        give_up_at=args.start_window + args.exam_seconds,
    )
    if status != 200:
        return
    run.starts_done = max(run.starts_done, run.now())
    attempt = paper["id"]
    run.attempts[index] = attempt
    deadline = run.now() + paper["remaining_seconds"]
    items = paper["items"]
    seq = max((item["seq"] for item in items), default=0)
    submits = rng.random() < args.submit_share
    stop_at = deadline - (rng.uniform(5, 30) if submits else rng.uniform(0.5, 2.0))
    next_save = run.now() + rng.uniform(0.2, args.save_interval)
    position = 0
    while next_save < stop_at:
        await asyncio.sleep(max(0.0, next_save - run.now()))
        if rng.random() < args.reconnect_share:
            # A reload or another device: fetch the attempt again and carry on.
            status, paper = await request(
                run,
                http,
                "resume",
                "GET",
                f"/api/exams/attempts/{attempt}/",
                headers,
                give_up_at=deadline,
            )
            if status == 200 and paper.get("items"):
                seq = max(seq, max(item["seq"] for item in paper["items"]))
        item = items[position % len(items)]
        position += 1
        seq += 1
        answer = answer_for(item, rng)
        try:
            status, result = await request(
                run,
                http,
                "save",
                "POST",
                f"/api/exams/attempts/{attempt}/save/",
                headers,
                body={"item": item["position"], "answer": answer, "seq": seq},
                give_up_at=deadline,
                expect=(200,),
            )
        except Gave:
            break
        if status == 200 and result.get("saved"):
            run.acked[(attempt, item["position"])] = (seq, answer)
        next_save += args.save_interval * rng.uniform(0.8, 1.2)
    if submits:
        with contextlib.suppress(Gave):
            status, _ = await request(
                run,
                http,
                "submit",
                "POST",
                f"/api/exams/attempts/{attempt}/submit/",
                headers,
                give_up_at=deadline + 30,
            )
            if status == 200:
                run.submitted.add(attempt)


# --- 4. the finalisation watch -------------------------------------------------------


async def watch_finalisation(db_url: str, session_pk: int, stop: asyncio.Event, out: dict):
    """Once a second: how long has the oldest overdue attempt been left open?"""
    import psycopg

    out.update({"max_lag_s": 0.0, "series": []})
    conn = None
    while not stop.is_set():
        try:
            if conn is None or conn.closed:
                conn = await psycopg.AsyncConnection.connect(db_url, autocommit=True)
            cur = await conn.execute(
                "SELECT count(*), EXTRACT(EPOCH FROM now() - min(deadline)) FROM exams_attempt"
                " WHERE session_id = %s AND status = 'in_progress' AND deadline <= now()",
                [session_pk],
            )
            count, lag = await cur.fetchone()
            lag = float(lag or 0)
            out["max_lag_s"] = max(out["max_lag_s"], lag)
            if count:
                out["series"].append((round(time.time(), 1), count, round(lag, 1)))
        except psycopg.Error:
            conn = None  # PostgreSQL restarting: try again in a second
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
    if conn is not None:
        await conn.close()


async def progress(run: Run, every: float = 10.0) -> None:
    """A line every few seconds: what the last interval looked like."""
    seen = 0
    while True:
        await asyncio.sleep(every)
        new = run.samples[seen:]
        seen += len(new)
        parts = []
        for name in ("start", "save", "resume", "submit"):
            good = sorted(s.seconds for s in new if s.name == name and s.ok)
            bad = sum(1 for s in new if s.name == name and not s.ok)
            if good or bad:
                p99 = good[min(len(good) - 1, int(0.99 * len(good)))] * 1000 if good else 0
                parts.append(f"{name} {len(good) / every:.0f}/s p99 {p99:.0f} ms err {bad}")
        print(f"[{run.now():6.0f} s] " + (" | ".join(parts) or "idle"), flush=True)


async def load(run: Run, keys: list[str], args, db_url: str, session_pk: int, faults) -> dict:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=args.connections, ttl_dns_cache=None)
    timeout = aiohttp.ClientTimeout(total=30)
    watch: dict = {}
    stop = asyncio.Event()
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as http:
        watcher = asyncio.create_task(watch_finalisation(db_url, session_pk, stop, watch))
        fault_task = asyncio.create_task(faults(run))
        progress_task = asyncio.create_task(progress(run))
        rngs = [random.Random(args.seed * 100_003 + i) for i in range(len(keys))]
        await asyncio.gather(
            *(examinee(run, http, i, key, args, rngs[i]) for i, key in enumerate(keys))
        )
        run.load_done = run.now()
        # Wait until the server has closed everything left open and scored every hand-in
        # (or give up after 120 s).
        for _ in range(120):
            if await open_attempts(db_url, session_pk) == 0:
                break
            await asyncio.sleep(1)
        stop.set()
        await watcher
        fault_task.cancel()
        progress_task.cancel()
    return watch


async def open_attempts(db_url: str, session_pk: int) -> int:
    import psycopg

    try:
        async with await psycopg.AsyncConnection.connect(db_url, autocommit=True) as conn:
            cur = await conn.execute(
                "SELECT count(*) FROM exams_attempt WHERE session_id = %s"
                " AND status IN ('in_progress', 'handed_in')",
                [session_pk],
            )
            return (await cur.fetchone())[0]
    except psycopg.Error:
        return -1


# --- 5. the checks -------------------------------------------------------------------


def check_database(db_url: str, run: Run, session_pk: int) -> dict:
    import psycopg

    with psycopg.connect(db_url) as conn:
        rows = conn.execute(
            "SELECT a.public_id::text, i.position, i.seq, i.answer FROM exams_attemptitem i"
            " JOIN exams_attempt a ON a.id = i.attempt_id WHERE a.session_id = %s"
            " AND i.seq > 0",
            [session_pk],
        ).fetchall()
        stored = {(pid.replace("-", ""), pos): (seq, answer) for pid, pos, seq, answer in rows}
        lost, older_kept = [], 0
        for (attempt, position), (seq, answer) in run.acked.items():
            have = stored.get((attempt.replace("-", ""), position))
            if have is None or have[0] < seq or (have[0] == seq and have[1] != answer):
                lost.append((attempt, position, seq, have))
            elif have[0] > seq:
                older_kept += 1  # a later save reached the server but its answer was lost
        by_status = dict(
            conn.execute(
                "SELECT status, count(*) FROM exams_attempt WHERE session_id = %s GROUP BY status",
                [session_pk],
            ).fetchall()
        )
        wrong_finish = conn.execute(
            "SELECT count(*) FROM exams_attempt WHERE session_id = %s AND status = 'finalised'"
            " AND finished_at <> deadline",
            [session_pk],
        ).fetchone()[0]
        not_submitted = conn.execute(
            "SELECT count(*) FROM exams_attempt WHERE session_id = %s"
            " AND public_id = ANY(%s::uuid[])"
            " AND status NOT IN ('handed_in', 'submitted', 'finalised')",
            [session_pk, list(run.submitted)],
        ).fetchone()[0]
    return {
        "acknowledged_saves": len(run.acked),
        "acknowledged_saves_lost": len(lost),
        "lost_examples": [str(x) for x in lost[:5]],
        "acknowledged_then_overwritten_by_newer": older_kept,
        "attempts_by_status": by_status,
        "finalised_with_finish_not_deadline": wrong_finish,
        "submitted_but_not_closed": not_submitted,
        # Handed in but never scored by the batched scorer.
        "handed_in_not_scored": by_status.get("handed_in", 0),
    }


# --- reporting -----------------------------------------------------------------------


def summarise(samples: list[Sample], *, since: float = 0.0, until: float = math.inf) -> list:
    rows = []
    names = sorted({s.name for s in samples})
    for name in names:
        part = [s for s in samples if s.name == name and since <= s.at < until]
        good = sorted(s.seconds for s in part if s.ok)
        errors: dict[str, int] = {}
        for s in part:
            if not s.ok:
                errors[s.error] = errors.get(s.error, 0) + 1
        span = (max(s.at for s in part) - min(s.at for s in part)) if part else 0
        n = len(good)

        def pct(p: float, good=good, n=n) -> float:
            return round(good[min(n - 1, int(p * n))] * 1000, 1) if n else float("nan")

        rows.append(
            {
                "endpoint": name,
                "ok": n,
                "errors": errors,
                "rate_per_s": round(n / span, 1) if span else float(n),
                "p50_ms": pct(0.50),
                "p95_ms": pct(0.95),
                "p99_ms": pct(0.99),
                "max_ms": round(good[-1] * 1000, 1) if n else float("nan"),
            }
        )
    return rows


def print_rows(title: str, rows: list) -> None:
    print(f"\n{title}")
    print(
        f"{'endpoint':<10}{'ok':>9}{'errors':>8}{'rate/s':>9}{'p50':>9}{'p95':>9}"
        f"{'p99':>9}{'max':>9}  (ms)"
    )
    for r in rows:
        print(
            f"{r['endpoint']:<10}{r['ok']:>9}{sum(r['errors'].values()):>8}{r['rate_per_s']:>9}"
            f"{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}{r['max_ms']:>9}"
            + (f"  {r['errors']}" if r["errors"] else "")
        )


def await_warm(base_url: str, count: int) -> None:
    """Send a few requests through every worker thread so that none is measured cold."""
    import concurrent.futures
    import urllib.error
    import urllib.request

    def hit(_):
        with contextlib.suppress(urllib.error.URLError, OSError):
            urllib.request.urlopen(f"{base_url}/api/me/", timeout=10).read()

    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        list(pool.map(hit, range(count)))


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine so far, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]  # idle + iowait
    return (sum(values) - idle) / tick, sum(values) / tick


def _stat_cpu(pid, *, children: bool) -> float:
    """CPU seconds of a process (utime + stime), and with `children` of its children
    that have ended and been reaped (cutime + cstime): gunicorn recycles workers
    (`max_requests`) and PostgreSQL ends backends, and their CPU lands there."""
    tick = os.sysconf("SC_CLK_TCK")
    with contextlib.suppress(OSError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used = int(fields[11]) + int(fields[12])
        if children:
            used += int(fields[13]) + int(fields[14])
        return used / tick
    return 0.0


def cpu_seconds(pids: list[int], master: int | None = None) -> float:
    """The processes' CPU; with `master`, also that of its ended (recycled) workers."""
    return sum(_stat_cpu(pid, children=pid == master) for pid in pids)


def gunicorn_cpu_seconds(servers) -> float:
    return sum(
        cpu_seconds([each.proc.pid, *each.worker_pids()], master=each.proc.pid) for each in servers
    )


def postgres_cpu_seconds() -> float:
    """CPU of every PostgreSQL process on this machine (all databases: other work on
    the machine counts too), ended backends included through the postmaster."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if "(postgres)" not in stat[:64]:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            # The postmaster's parent is not PostgreSQL; its reaped backends count.
            total += _stat_cpu(entry.name, children=not _is_postgres(ppid))
    return total


def _is_postgres(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return "(postgres)" in Path(f"/proc/{pid}/stat").read_text()[:64]
    return False


def set_window_from_now(session_pk: int, args) -> datetime.datetime:
    """Close the session's window relative to now. Called after the set-up and again
    once the servers are warm, just before the load starts: on a busy machine starting
    gunicorn can take longer than a short run's whole window."""
    from django.utils import timezone

    from exams.models import ExamSession

    if args.exam_seconds % 60 == 0:
        # Each deadline is start + duration: spread over the start window.
        closes = timezone.now() + datetime.timedelta(
            seconds=args.start_window + args.exam_seconds + 600
        )
    else:
        # A short run: the window's close is everyone's deadline.
        closes = timezone.now() + datetime.timedelta(seconds=args.start_window + args.exam_seconds)
    ExamSession.objects.filter(pk=session_pk).update(closes_at=closes)
    return closes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examinees", type=int, default=10_000)
    parser.add_argument("--questions", type=int, default=100, help="questions per paper")
    parser.add_argument("--start-window", type=float, default=60, help="seconds")
    parser.add_argument(
        "--exam-seconds",
        type=int,
        default=360,
        help="exam length; a multiple of 60 is a duration (deadlines spread over the start "
        "window), anything else is the window's close (one deadline for all)",
    )
    parser.add_argument("--save-interval", type=float, default=30)
    parser.add_argument("--submit-share", type=float, default=0.7)
    parser.add_argument(
        "--reconnect-share",
        type=float,
        default=0.01,
        help="chance per save of a reload (resume) first",
    )
    parser.add_argument("--servers", type=int, default=1, help="gunicorn app servers")
    parser.add_argument(
        "--finalisers", type=int, default=1, help="`finalise_attempts --loop` processes"
    )
    parser.add_argument(
        "--task-workers",
        type=int,
        default=0,
        help="draw the papers through the task queue with N `db_worker` processes "
        "(0: draw them in this process)",
    )
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--connections", type=int, default=256)
    parser.add_argument("--finalise-every", type=float, default=5)
    parser.add_argument(
        "--admission-ms",
        type=int,
        default=1000,
        help="ADMISSION_MAX_QUEUE_MS of the app: a request queued longer gets 503 + "
        "Retry-After (0: off)",
    )
    parser.add_argument("--kill-worker-at", type=float, default=None, help="seconds into the load")
    parser.add_argument("--restart-postgres-at", type=float, default=None)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7")
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--drop-database", action="store_true", help="drop it afterwards")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "out" / "exam_day.json")
    args = parser.parse_args(argv)
    if "bench" not in args.database:
        sys.exit("The database name must contain 'bench' (it is dropped and re-created).")

    print(
        f"== exam day: {args.examinees} examinees, {args.questions} questions, "
        f"start window {args.start_window:.0f} s, exam {args.exam_seconds} s, "
        f"saves every {args.save_interval:.0f} s",
        flush=True,
    )
    db_url = harness.pg_recreate_database(args.database)
    extra = {
        "SESSION_ENGINE": "django.contrib.sessions.backends.cached_db",
        "ADMISSION_MAX_QUEUE_MS": str(args.admission_ms),
    }
    if args.redis_url:
        extra["REDIS_URL"] = args.redis_url
        with contextlib.suppress(Exception):
            import redis

            redis.Redis.from_url(args.redis_url).flushdb()
    env = harness.app_env(db_url, **extra)
    harness.manage(["migrate", "-v0"], env)
    os.environ.update(
        {k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL", "DJANGO_DEBUG")}
    )
    import django

    django.setup()
    from django.db import connections

    t = time.perf_counter()
    data = build_data(args)
    connections.close_all()
    print(f"setup: {time.perf_counter() - t:.1f} s {data['timings']}", flush=True)

    report: dict = {"args": {k: str(v) for k, v in vars(args).items()}, "setup": data["timings"]}
    with contextlib.ExitStack() as stack:
        task_workers = [
            stack.enter_context(
                subprocess.Popen(
                    [harness.PYTHON, "manage.py", "db_worker", "--queue-name", "*"],
                    cwd=ROOT,
                    env=env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
            for _ in range(args.task_workers)
        ]
        stack.callback(lambda: [w.terminate() for w in task_workers])
        if task_workers:
            data["timings"].update(draw_papers_through_tasks(data["session_pk"]))
            print(f"papers drawn by a task worker: {data['timings']}", flush=True)
        servers = [
            stack.enter_context(harness.Gunicorn(env, workers=args.workers, threads=args.threads))
            for _ in range(args.servers)
        ]
        server = servers[0]
        finalisers = [
            subprocess.Popen(
                [
                    harness.PYTHON,
                    "manage.py",
                    "finalise_attempts",
                    "--loop",
                    str(args.finalise_every),
                ],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(args.finalisers)
        ]
        run = Run([s.url for s in servers], data["session_public_id"])
        fault_log: list[dict] = []

        async def faults(run: Run) -> None:
            plan = sorted(
                (at, name)
                for at, name in (
                    (args.kill_worker_at, "kill_worker"),
                    (args.restart_postgres_at, "restart_postgres"),
                )
                if at is not None
            )
            for at, name in plan:
                await asyncio.sleep(max(0.0, at - run.now()))
                began = run.now()
                if name == "kill_worker":
                    pid = server.kill_one_worker()
                    fault_log.append({"fault": name, "at_s": round(began, 1), "pid": pid})
                else:
                    await asyncio.to_thread(harness.restart_postgres)
                    fault_log.append(
                        {
                            "fault": name,
                            "at_s": round(began, 1),
                            "restart_took_s": round(run.now() - began, 1),
                        }
                    )
                print(f"fault: {fault_log[-1]}", flush=True)

        for each in servers:
            await_warm(each.url, args.workers * args.threads * 2)
        server_cpu0 = gunicorn_cpu_seconds(servers)
        postgres0 = postgres_cpu_seconds()
        machine0 = machine_cpu()
        own0 = resource.getrusage(resource.RUSAGE_SELF)
        data["closes_at"] = set_window_from_now(data["session_pk"], args).isoformat()
        run.t0 = time.monotonic()
        try:
            watch = asyncio.run(
                load(run, data["session_keys"], args, db_url, data["session_pk"], faults)
            )
        finally:
            for finaliser in finalisers:
                finaliser.terminate()
                finaliser.wait(10)
        elapsed = run.now()
        own1 = resource.getrusage(resource.RUSAGE_SELF)
        machine1 = machine_cpu()
        generator = own1.ru_utime + own1.ru_stime - own0.ru_utime - own0.ru_stime
        busy, total = machine1[0] - machine0[0], machine1[1] - machine0[1]
        report["cpu"] = {
            "wall_s": round(elapsed, 1),
            "machine_busy_share": round(busy / total, 3) if total else None,
            "load_generator_s": round(generator, 1),
            "load_generator_share_of_machine": round(generator / total, 3) if total else None,
            # Recycled and killed workers included (their master reaped them).
            "gunicorn_s": round(gunicorn_cpu_seconds(servers) - server_cpu0, 1),
            "postgres_all_databases_s": round(postgres_cpu_seconds() - postgres0, 1),
        }

    starts_end = run.starts_done
    steady_from = starts_end + 5
    steady_until = min((s.at for s in run.samples if s.name == "submit"), default=run.load_done)
    report["phases"] = {
        "all": summarise(run.samples),
        "mass_start": summarise(run.samples, until=starts_end + 0.001),
        "steady_state": summarise(run.samples, since=steady_from, until=steady_until),
        "steady_window_s": [round(steady_from, 1), round(steady_until, 1)],
    }
    report["faults"] = fault_log
    report["gave_up"] = run.gave_up
    report["recovery_s"] = {
        "count": len(run.recoveries),
        "max": round(max((took for _, took in run.recoveries), default=0), 2),
    }
    report["finalisation"] = {
        "max_lag_s": round(watch.get("max_lag_s", 0), 1),
        "still_open_at_end": None,
    }
    report["checks"] = check_database(db_url, run, data["session_pk"])
    report["finalisation"]["still_open_at_end"] = report["checks"]["attempts_by_status"].get(
        "in_progress", 0
    )

    print_rows("all requests", report["phases"]["all"])
    print_rows("mass start (until the last start)", report["phases"]["mass_start"])
    print_rows(
        f"steady state ({steady_from:.0f}-{steady_until:.0f} s)", report["phases"]["steady_state"]
    )
    print(f"\nfinalisation: worst lag after a deadline {report['finalisation']['max_lag_s']} s")
    print(f"faults: {fault_log}  recovery: {report['recovery_s']}  gave up: {run.gave_up}")
    print(f"cpu: {report['cpu']}")
    print(f"checks: {json.dumps(report['checks'], ensure_ascii=False)}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))
    print(f"report: {args.json}")
    checks = report["checks"]
    ok = (
        checks["acknowledged_saves_lost"] == 0
        and report["finalisation"]["still_open_at_end"] == 0
        and checks["finalised_with_finish_not_deadline"] == 0
        and checks["submitted_but_not_closed"] == 0
        and checks["handed_in_not_scored"] == 0
        and len(run.attempts) == args.examinees
        and not run.gave_up
    )
    if args.drop_database:
        harness.pg_drop_database(args.database)
    print("RESULT:", "OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
