"""A small city lived for four months on the real services (item 7 of the cycle): the
scheduled commands on a moving clock, simulated people, and after every month the
invariants of `training.simulation.city_invariants`. Nothing of the product is stubbed."""

import datetime

import pytest

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
