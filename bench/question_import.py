"""Benchmark: import a 5,000-question bank end to end.

    .venv/bin/python bench/question_import.py [--questions 5000] [--sqlite /tmp/bench_q.sqlite3]
    .venv/bin/python bench/question_import.py --database-url postgres://postgres@127.0.0.1:5432/wc_bench_questions

Writes a bank as another exam system exports it (a title row, the headings 试题类型 /
题目 / A-E / 正确答案 / 答案解析 / 所属知识点 / 难易程度 / 分值, every question type,
answers written in the common ways), then times in a fresh process the dry run
(`questions_preview`) and the import (`questions_import`: checked again and written in
one transaction, with the first version of each question). Reports wall time and the
process's CPU time of each step, the load average, and peak memory (maxrss).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = "sqlite:////tmp/bench_questions.sqlite3"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django

    django.setup()


def prepare(url: str, path: str, count: int) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from roster_import import recreate_database

    recreate_database(url)
    setup_django(url)
    from django.core.management import call_command
    from openpyxl import Workbook

    call_command("migrate", verbosity=0)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("题库")
    sheet.append(["2026 年度题库导出"])
    head = ["试题类型", "题目", "A", "B", "C", "D", "E", "正确答案", "答案解析"]
    sheet.append([*head, "所属知识点", "难易程度", "分值"])
    levels = ("简单", "较易", "中等", "较难", "困难")
    for n in range(count):
        point = f"政务服务/模块{n % 40}/模块{n % 40}要点{n % 7}"
        level = levels[n % 5]
        kind = n % 6
        if kind == 0:
            row = ["单选题", f"单选{n}：首问负责？", "转交", "负责到底", "拒绝", None, None, "B"]
        elif kind == 1:
            answer = ("ACD", "A,C,D", "A、C、D")[n % 3]
            row = ["多选题", f"多选{n}：告知内容？", "材料", "爱好", "时限", "流程", None, answer]
        elif kind == 2:
            row = ["判断题", f"判断{n}：应当微笑服务。", None, None, None, None, None, "√"]
        elif kind == 3:
            row = [
                "填空题",
                f"填空{n}：“____”改革。",
                None,
                None,
                None,
                None,
                None,
                "一网通办|一网通",
            ]
        elif kind == 4:
            row = [
                "简答题",
                f"简答{n}：简述首问负责制。",
                None,
                None,
                None,
                None,
                None,
                "负责到底。",
            ]
        else:
            rubric = "核验身份(5分);一次性告知(5分)"
            row = ["情景题", f"情景{n}：模拟受理。", None, None, None, None, None, rubric]
        sheet.append([*row, "解析", point, level, 2 if kind < 4 else 10])
    workbook.save(path)


def run(url: str, path: str) -> None:
    setup_django(url)
    from exams import question_io
    from exams.models import Question

    data = Path(path).read_bytes()
    load0 = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    report = question_io.questions_preview(acting_user=None, filename="bank.xlsx", data=data)
    t1, c1 = time.perf_counter(), time.process_time()
    assert report.ok, report.errors[:3] or report.refused
    report = question_io.questions_import(acting_user=None, filename="bank.xlsx", data=data)
    t2, c2 = time.perf_counter(), time.process_time()
    assert report.committed and Question.objects.count() == report.counts["new"]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{report.counts['rows']} questions: dry run {t1 - t0:.2f} s (CPU {c1 - c0:.2f} s), "
        f"import {t2 - t1:.2f} s (CPU {c2 - c1:.2f} s), total {t2 - t0:.2f} s "
        f"(CPU {c2 - c0:.2f} s); load average {load0:.1f} -> {os.getloadavg()[0]:.1f}; "
        f"peak {peak:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=5_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--sqlite", metavar="PATH", help="SQLite file (replaces --database-url)")
    parser.add_argument("--phase", choices=["prepare", "import"], default=None)
    parser.add_argument("--file", default=None)
    args = parser.parse_args()
    if args.sqlite:
        args.database_url = f"sqlite:///{Path(args.sqlite).resolve()}"
    if args.phase == "prepare":
        prepare(args.database_url, args.file, args.questions)
        return
    if args.phase == "import":
        run(args.database_url, args.file)
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "bank.xlsx")
        common = ["--database-url", args.database_url, "--file", path]
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--phase",
                "prepare",
                "--questions",
                str(args.questions),
                *common,
            ],
            check=True,
        )
        subprocess.run([sys.executable, __file__, "--phase", "import", *common], check=True)


if __name__ == "__main__":
    main()
