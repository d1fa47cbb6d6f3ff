"""A short run of the exam-day load harness (bench/exam_day.py), so that it cannot rot.

Thirty examinees against the real app under gunicorn on PostgreSQL (the harness makes
its own database on the local server, whatever database the suite itself uses), with
a gunicorn worker killed in the middle. The harness checks from the database that
every acknowledged save is stored and that the server closed the attempts left open
at their deadline; here we read its report and check those figures again.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def report_path(tmp_path):
    return tmp_path / "exam_day.json"


def test_exam_day_harness_smoke_run(report_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    database = f"wc_bench_smoke_{os.getpid()}"
    result = subprocess.run(  # noqa: S603 (fixed arguments)
        [
            sys.executable,
            "bench/exam_day.py",
            "--examinees=30",
            "--questions=20",
            "--start-window=2",
            "--exam-seconds=14",
            "--save-interval=1.5",
            "--reconnect-share=0.1",
            "--submit-share=0.5",
            "--workers=2",
            "--threads=4",
            "--finalise-every=1",
            # Admission control stays on, with a budget a busy shared machine keeps.
            "--admission-ms=5000",
            "--kill-worker-at=5",
            f"--database={database}",
            "--drop-database",
            f"--json={report_path}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(report_path.read_text())
    checks = report["checks"]

    assert checks["acknowledged_saves"] > 30
    assert checks["acknowledged_saves_lost"] == 0
    statuses = checks["attempts_by_status"]
    assert sum(statuses.values()) == 30
    assert statuses.get("in_progress", 0) == 0
    # Some handed in, the rest were closed by the server at their deadline.
    assert statuses.get("submitted", 0) > 0
    assert statuses.get("finalised", 0) > 0
    assert checks["finalised_with_finish_not_deadline"] == 0
    assert checks["submitted_but_not_closed"] == 0
    assert report["finalisation"]["max_lag_s"] < 30

    assert [f["fault"] for f in report["faults"]] == ["kill_worker"]
    endpoints = {row["endpoint"]: row for row in report["phases"]["all"]}
    assert endpoints["start"]["ok"] == 30
    assert endpoints["save"]["ok"] > 30
    assert endpoints["resume"]["ok"] > 0
