"""Benchmark: certificate PDFs (one warm render, its size; a batch of 1,000).

    .venv/bin/python bench/certificates_pdf.py
    BENCH_BATCH=200 .venv/bin/python bench/certificates_pdf.py

Uses a throwaway SQLite database in bench/out/. The batch renders the certificates
one PDF each, as the ZIP bundle task does, and reports time per certificate and the
process's peak memory.
"""

from __future__ import annotations

import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / "bench" / "out"
OUT.mkdir(parents=True, exist_ok=True)
DB = OUT / "certificates_pdf.sqlite3"
for suffix in ("", "-wal", "-shm"):
    Path(str(DB) + suffix).unlink(missing_ok=True)
os.environ["DATABASE_URL"] = f"sqlite:///{DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

BATCH = int(os.environ.get("BENCH_BATCH", "1000"))


def main() -> None:
    import django

    django.setup()
    import datetime
    import random

    from django.core.management import call_command

    from certificates.models import Certificate, SkillLevel
    from certificates.pdf import render_certificate_pdf
    from certificates.services import new_verification_code
    from organisation.demo import GIVEN, SURNAMES
    from organisation.models import Department, Staff

    call_command("migrate", verbosity=0)
    rng = random.Random(1)
    unit = Department.objects.add_root({"code": "B", "name": "基准单位", "kind": "township"})
    level = SkillLevel.objects.get(code=4)
    staff = Staff.objects.bulk_create(
        [
            Staff(
                name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                id_number_encrypted="x",
                id_number_hash=f"h{i}",
                id_number_masked="360***********0000",
                staff_number=f"B{i:06d}",
                department=unit,
            )
            for i in range(BATCH)
        ]
    )
    Certificate.objects.bulk_create(
        [
            Certificate(
                number=f"ZC20264{i:06d}",
                verification_code=new_verification_code(),
                staff=s,
                level=level,
                holder_name=s.name,
                id_number_masked=s.id_number_masked,
                issue_date=datetime.date(2026, 11, 1),
                assessment_body="政务服务职业技能等级认定评价机构",
            )
            for i, s in enumerate(staff, start=1)
        ]
    )
    certificates = list(Certificate.objects.select_related("level").order_by("pk"))

    t = time.perf_counter()
    first = render_certificate_pdf(certificates[0])
    cold = (time.perf_counter() - t) * 1000
    warm = []
    for certificate in certificates[1:21]:
        t = time.perf_counter()
        pdf = render_certificate_pdf(certificate)
        warm.append((time.perf_counter() - t) * 1000)
    (OUT / "certificate.pdf").write_bytes(pdf)
    print(f"first (cold) render   {cold:7.0f} ms  {len(first) / 1024:.0f} KB")
    print(
        f"warm render           median {statistics.median(warm):5.0f} ms"
        f"  max {max(warm):5.0f} ms  size {len(pdf) / 1024:.0f} KB  (20 renders)"
    )

    t = time.perf_counter()
    total = 0
    for certificate in certificates:
        total += len(render_certificate_pdf(certificate))
    elapsed = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"batch of {len(certificates):,}         {elapsed:7.1f} s  "
        f"{elapsed / len(certificates) * 1000:.0f} ms each  "
        f"{total / 1024 / 1024:.0f} MB of PDF  peak RSS {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
