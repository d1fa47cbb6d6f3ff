"""Demo certificates: a realistic, uneven certified rate across the demo city.

Each unit gets its own target rate (so red and yellow cards mean something); the
certificates are issued over the past 12 months so the trend climbs; some are earlier
paper certificates recorded from elsewhere, a few expired or revoked; month-end
snapshots are rebuilt from that history. Of the demo learners, the first is
certified and the second is not. Deterministic for a given generator and day.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from organisation.models import Department, RoleAssignment, Staff, StaffStatus

from .models import (
    OCCUPATION,
    WORK_TYPE,
    Assessment,
    AssessmentStatus,
    Certificate,
    CertificateCounter,
    CertificateSource,
    SkillLevel,
)
from .rates import rate_snapshots_rebuild
from .services import CODE_ALPHABET, CODE_LENGTH, add_years, certification_settings_get

OTHER_BODY = "江西省职业技能鉴定指导中心"


@dataclass
class DemoCertificates:
    certificates: int = 0
    assessments: int = 0
    snapshots: int = 0


def _code(rng: random.Random) -> str:
    return "".join(rng.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _level(rng: random.Random, levels: dict[int, SkillLevel]) -> SkillLevel:
    roll = rng.random()
    return levels[5] if roll < 0.7 else levels[4] if roll < 0.94 else levels[3]


def seed_certificates(*, rng: random.Random) -> DemoCertificates:
    today = timezone.localdate()
    rules = certification_settings_get()
    levels = {lv.code: lv for lv in SkillLevel.objects.all()}
    result = DemoCertificates()

    # Per-unit target rates: most units between 55% and 98%, a few far behind.
    targets: dict[int, float] = {}
    for pk in Department.objects.order_by("path").values_list("pk", flat=True):
        roll = rng.random()
        targets[pk] = (
            rng.uniform(0.2, 0.5)
            if roll < 0.12
            else rng.uniform(0.55, 0.85)
            if roll < 0.5
            else rng.uniform(0.86, 1.0)
        )

    has_role = RoleAssignment.objects.filter(user_id=OuterRef("user_id"))
    learners = list(
        Staff.objects.filter(user__isnull=False)
        .exclude(Exists(has_role))
        .order_by("staff_number")
        .values_list("pk", flat=True)
    )
    certified_learner = learners[0] if learners else None
    uncertified_learner = learners[1] if len(learners) > 1 else None

    staff_rows = list(
        Staff.objects.filter(is_window_staff=True)
        .order_by("department__path", "staff_number")
        .values_list("pk", "name", "id_number_masked", "department_id", "status")
    )
    counters: dict[tuple[int, int], int] = {}
    assessments: list[Assessment] = []
    certificates: list[Certificate] = []
    pending: list[Assessment] = []
    for pk, name, masked, department_id, status in staff_rows:
        wanted = rng.random() < targets.get(department_id, 0.8)
        if pk == certified_learner:
            wanted = True
        if pk == uncertified_learner:
            wanted = False
        if not wanted:
            if status == StaffStatus.ACTIVE and rng.random() < 0.25:
                theory = rng.randint(45, 95)
                pending.append(
                    Assessment(
                        candidate_id=pk,
                        level=levels[5],
                        assessed_on=today - datetime.timedelta(days=rng.randint(1, 40)),
                        theory_score=theory,
                        theory_source="月考试",
                        status=AssessmentStatus.PENDING
                        if theory >= rules.pass_mark
                        else AssessmentStatus.FAILED,
                    )
                )
            continue
        level = _level(rng, levels)
        external = rng.random() < 0.12
        if external:
            issued = today - datetime.timedelta(days=rng.randint(400, 1400))
            expires = add_years(issued, 3) if rng.random() < 0.25 else None
            number = f"JX{issued.year}{rng.randint(0, 999_999):06d}{len(certificates):05d}"
        else:
            # Spread over the past 12 months, a little more recently: the trend climbs.
            days = int(365 * (1 - rng.random() ** 1.3))
            issued = today - datetime.timedelta(days=max(days, 1))
            expires = None
            key = (issued.year, level.code)
            counters[key] = counters.get(key, 0) + 1
            number = f"{rules.number_prefix}{issued.year:04d}{level.code}{counters[key]:06d}"
        revoked = None
        if rng.random() < 0.008 and pk != certified_learner:
            revoked = issued + datetime.timedelta(days=rng.randint(10, 60))
            revoked = min(revoked, today)
        assessment = None
        if not external:
            assessment = Assessment(
                candidate_id=pk,
                level=level,
                assessed_on=issued - datetime.timedelta(days=rng.randint(7, 30)),
                theory_score=rng.randint(60, 98),
                theory_source="月考试",
                practical_score=rng.randint(60, 97),
                practical_source="考评员",
                status=AssessmentStatus.PASSED,
            )
            assessments.append(assessment)
        certificates.append(
            Certificate(
                number=number,
                verification_code=_code(rng),
                staff_id=pk,
                assessment=assessment,
                source=CertificateSource.EXTERNAL if external else CertificateSource.ISSUED,
                level=level,
                holder_name=name,
                id_number_masked=masked,
                occupation=OCCUPATION,
                work_type=WORK_TYPE,
                issue_date=issued,
                expires_on=expires,
                assessment_body=OTHER_BODY if external else rules.assessment_body,
                revoked_on=revoked,
                revoked_reason="认定材料不实" if revoked else "",
            )
        )
    # A few certificates close to expiry, so the reminders have something to do.
    for certificate in certificates[5::400]:
        if certificate.source == CertificateSource.EXTERNAL and certificate.revoked_on is None:
            certificate.expires_on = today + datetime.timedelta(days=rng.randint(10, 50))
    Assessment.objects.bulk_create(assessments + pending, batch_size=1000)
    for certificate in certificates:
        if certificate.assessment is not None:
            certificate.assessment_id = certificate.assessment.pk
    Certificate.objects.bulk_create(certificates, batch_size=1000)
    CertificateCounter.objects.bulk_create(
        [CertificateCounter(year=y, level_code=c, last_value=v) for (y, c), v in counters.items()]
    )
    result.certificates = len(certificates)
    result.assessments = len(assessments) + len(pending)
    result.snapshots = len(rate_snapshots_rebuild(months=12, today=today))
    return result
