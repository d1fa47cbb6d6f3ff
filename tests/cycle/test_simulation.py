"""A small city lived for four months on the real services (item 7 of the cycle): the
scheduled commands on a moving clock, simulated people, and after every month the
invariants of `training.simulation.city_invariants`. Nothing of the product is stubbed."""

import datetime

import pytest
from django.utils import timezone

from exams.demo import seed_bank
from organisation.models import DepartmentKind, Role, StaffStatus
from tests.factories import DepartmentFactory, StaffFactory, add_totp, make_user_with_role
from training.demo import seed_programme
from training.simulation import CitySimulation, city_invariants

pytestmark = pytest.mark.django_db(transaction=False)

START = datetime.date(2026, 3, 1)
MONTHS = 4


def small_city():
    """A city with two counties of two townships each, ~60 window staff, a
    coordinator per county, a city manager and an administrator."""
    city = DepartmentFactory(code="C", name="模拟市", kind=DepartmentKind.CITY)
    units = []
    for c in "AB":
        county = DepartmentFactory(parent=city, code=c, name=f"{c}县", kind=DepartmentKind.COUNTY)
        make_user_with_role(Role.COORDINATOR, county)
        for t in (1, 2):
            units.append(DepartmentFactory(parent=county, code=f"{c}{t}", name=f"{c}县{t}镇"))
        units.append(county)
    for i in range(60):
        StaffFactory(
            department=units[i % len(units)],
            hire_date=datetime.date(2018, 1, 1) + datetime.timedelta(days=i * 20),
        )
    make_user_with_role(Role.MANAGER, city)
    add_totp(make_user_with_role(Role.ADMINISTRATOR, city))
    seed_bank()
    seed_programme(start=START, end=datetime.date(2026, 7, 31))
    return city


def test_a_small_city_keeps_its_invariants_every_month(settings):
    # Reading heartbeats every five minutes keep the simulated reading cheap; the rules
    # are the same at any interval.
    settings.TRAINING_HEARTBEAT_SECONDS = 300
    small_city()
    violations = {}

    def check(day, report):
        found = city_invariants(today=day)
        if found:
            violations[report.month] = found[:10]

    reports = CitySimulation(months=MONTHS, seed=7, start=START, on_month_end=check).run()

    assert violations == {}
    assert len(reports) == MONTHS
    assert all(not r.refused_starts for r in reports), [r.refused_starts for r in reports]
    # The city really lived: people studied, sat exams, got and closed plans, were
    # certified, and the roster changed.
    assert sum(r.lessons_read for r in reports) > 200
    assert sum(r.exams_taken for r in reports) > 100
    assert sum(r.quizzes_taken for r in reports) > 20
    assert sum(r.followups_taken for r in reports) > 0
    assert sum(r.mentor_sessions for r in reports) > 0
    assert sum(r.certificates for r in reports) > 0
    assert sum(r.roster_changes for r in reports) >= 3
    from certificates.models import Certificate
    from organisation.models import Staff
    from training.models import GuidancePlan, GuidanceStatus

    assert GuidancePlan.objects.filter(status=GuidanceStatus.CLOSED).exists()
    assert Certificate.objects.exists()
    assert Staff.objects.filter(status=StaffStatus.LEFT).exists()


def test_a_city_with_a_coordinator_at_the_top_holds_a_sitting_a_month(settings):
    """The month's assessment through the real sitting services: planned by the city's
    coordinator, candidates proposed and confirmed by their units' coordinators, seated,
    examined by certified people of the other county, signed off, reviewed, certified."""
    from certificates.models import (
        OCCUPATION,
        WORK_TYPE,
        Assessment,
        Certificate,
        CertificateSource,
        Sitting,
    )
    from certificates.services import certification_settings_get
    from organisation.models import Department, RoleAssignment, Staff

    settings.TRAINING_HEARTBEAT_SECONDS = 300
    city = small_city()
    make_user_with_role(Role.COORDINATOR, city)
    county_b = Department.objects.get(code="B")
    level = certification_settings_get().required_level
    for i, staff in enumerate(Staff.objects.filter(county_b.subtree_q("department__"))):
        Certificate.objects.create(  # held before the city went live
            number=f"JX2025{i:06d}",
            verification_code=f"CODE{i:08d}",
            staff=staff,
            source=CertificateSource.EXTERNAL,
            level=level,
            holder_name=staff.name,
            id_number_masked=staff.id_number_masked,
            occupation=OCCUPATION,
            work_type=WORK_TYPE,
            issue_date=START - datetime.timedelta(days=400),
            assessment_body="江西省职业技能鉴定指导中心",
        )
    violations = {}

    def check(day, report):
        found = city_invariants(today=day)
        if found:
            violations[report.month] = found[:10]

    [report] = CitySimulation(months=1, seed=7, start=START, on_month_end=check).run()

    assert violations == {}
    assert not report.refused_starts, report.refused_starts
    sitting = Sitting.objects.get()
    assert sitting.department == city
    assert timezone.localtime(sitting.theory_starts_at).date() == datetime.date(2026, 3, 28)
    people = list(sitting.candidates.select_related("staff__department", "assessment"))
    assert people
    county_a = Department.objects.get(code="A")
    assert all(p.staff.department.path.startswith(county_a.path) for p in people)
    for room in sitting.rooms.all():
        assert room.signed_off_at is not None
        examiners = list(room.examiners.select_related("user"))
        assert len(examiners) == certification_settings_get().examiners_per_room
        assert sum(e.is_chief for e in examiners) == 1
        for examiner in examiners:
            staff = Staff.objects.get(user=examiner.user)
            assert examiner.user.get_full_name() == staff.name  # the page shows names
            assert staff.department.path.startswith(county_b.path)
            assert RoleAssignment.objects.filter(user=examiner.user, role=Role.EXAMINER).exists()
    assert sitting.results_at is not None
    present = [p for p in people if p.attendance == "present"]
    assert present and all(p.assessment is not None for p in present)
    assert all(p.assessment.theory_score is not None for p in present)
    assert all(p.assessment.practical_score == p.practical_score for p in present)
    issued = Certificate.objects.filter(assessment__sitting_candidate__sitting=sitting)
    passed = [p for p in present if p.assessment.status == "passed"]
    assert issued.count() == len(passed) == sitting.issue_done == report.certificates > 0
    # Nothing was recorded as held elsewhere.
    assert not Assessment.objects.filter(sitting_candidate__isnull=True).exists()


def test_a_sitting_nobody_can_examine_falls_back_to_the_assessment_held_elsewhere(settings):
    """No certified person away from the candidates' units: the month's assessment is
    recorded as held elsewhere (on the 27th), and the sitting is not held."""
    from certificates.models import Assessment, Certificate, Sitting

    settings.TRAINING_HEARTBEAT_SECONDS = 300
    city = small_city()
    make_user_with_role(Role.COORDINATOR, city)
    [report] = CitySimulation(months=1, seed=7, start=START).run()

    sitting = Sitting.objects.get()
    assert not sitting.rooms.filter(examiners__isnull=False).exists()
    assert sitting.results_at is None
    assert not report.refused_starts, report.refused_starts
    recorded = Assessment.objects.filter(sitting_candidate__isnull=True)
    assert recorded.exists() and all(a.assessed_on.day == 27 for a in recorded)
    assert Certificate.objects.filter(assessment__in=recorded).count() == report.certificates > 0
    assert city_invariants(today=datetime.date(2026, 3, 31)) == []
