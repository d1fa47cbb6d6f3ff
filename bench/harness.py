"""Shared pieces of the benchmarks: a fresh PostgreSQL database, the app served by
gunicorn, faults (killing a worker, restarting PostgreSQL), and latency statistics.

Nothing here is imported by the application or the test suite's fast tests.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG_ADMIN_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432")


def database_url(name: str) -> str:
    return f"{PG_ADMIN_URL.rstrip('/')}/{name}"


def pg_recreate_database(name: str) -> str:
    """Drop and create `name`; returns its DATABASE_URL."""
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def pg_drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(database_url("postgres"), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def app_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.local",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": db_url,
            "DATABASE_CONN_MAX_AGE": "600",
            "LOG_LEVEL": "WARNING",
            # Generous API throttles: thousands of simulated people share one address.
            "API_ANON_RATE": "100000/min",
            "API_USER_RATE": "100000/min",
        }
    )
    env.update(extra)
    return env


def manage(args: list[str], env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, **kwargs)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """The real application under gunicorn (gthread workers)."""

    def __init__(
        self,
        env: dict[str, str],
        *,
        workers: int = 4,
        threads: int = 8,
        port: int | None = None,
        log: Path | None = None,
    ):
        self.env = env
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.log = log or ROOT / "bench" / "out" / f"gunicorn-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Gunicorn:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        logfile = self.log.open("w")
        self.proc = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "gunicorn",
                "config.wsgi:application",
                "--config",
                str(ROOT / "config" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
                "--backlog",
                "4096",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=logfile,
            stderr=subprocess.STDOUT,
        )
        self.wait_healthy()
        return self

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as r,
            ):
                if r.status == 200:
                    return
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not become healthy; see {self.log}")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def kill_one_worker(self) -> int:
        pid = self.worker_pids()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def restart_postgres() -> None:
    """Restart the local PostgreSQL cluster (needs the right to do so: root here)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
    )


@dataclass
class Stats:
    """Latencies and errors per endpoint name."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, dict[str, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    started: float = field(default_factory=time.monotonic)

    def ok(self, name: str, seconds: float) -> None:
        self.latencies[name].append(seconds)

    def error(self, name: str, kind: str) -> None:
        self.errors[name][kind] += 1

    def summary(self) -> list[dict]:
        elapsed = time.monotonic() - self.started
        rows = []
        for name in sorted(set(self.latencies) | set(self.errors)):
            values = sorted(self.latencies.get(name, []))
            n = len(values)

            def pct(p: float, values=values, n=n) -> float:
                return values[min(n - 1, int(p * n))] * 1000 if n else float("nan")

            rows.append(
                {
                    "endpoint": name,
                    "ok": n,
                    "errors": dict(self.errors.get(name, {})),
                    "rate_per_s": round(n / elapsed, 1) if elapsed else 0,
                    "p50_ms": round(pct(0.50), 1),
                    "p95_ms": round(pct(0.95), 1),
                    "p99_ms": round(pct(0.99), 1),
                    "max_ms": round(values[-1] * 1000, 1) if n else float("nan"),
                    "mean_ms": round(statistics.fmean(values) * 1000, 1) if n else float("nan"),
                }
            )
        return rows


def print_table(rows: list[dict]) -> None:
    print(
        f"{'endpoint':<14}{'ok':>8}{'err':>7}{'rate/s':>9}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}"
    )
    for r in rows:
        print(
            f"{r['endpoint']:<14}{r['ok']:>8}{sum(r['errors'].values()):>7}"
            f"{r['rate_per_s']:>9}{r['p50_ms']:>9}{r['p95_ms']:>9}{r['p99_ms']:>9}"
            f"{r['max_ms']:>9}"
        )
