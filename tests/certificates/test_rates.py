"""The certified rate on a small hand-computed tree.

Day D = 2026-06-30, required level 4 (四级). Who counts:

township A1: s1 level-5 certificate (below the requirement) · s2 level 4 · s3 none
             · s4 left in January (certified, not counted) · s5 not window staff
township A2: s6 certificate expired in May · s7 revoked in June · s8 level 3
county A:    s9 level 4
township B1: s10 level 4 · s11 hired after D (not counted)

A1 1/3 · A2 1/3 · county A (subtree) 3/7 · B1 1/1 · county B 1/1 · city 4/8.
"""

import datetime

import pytest

from certificates.models import RateSnapshot
from certificates.rates import (
    forecast_month,
    gap_staff,
    month_ends_back,
    rate_snapshots_rebuild,
    rate_snapshots_take,
    unit_rates,
    unit_rates_with_forecast,
)
from organisation.models import StaffStatus

from ..factories import DepartmentFactory, StaffFactory
from .helpers import quick_certificate

D = datetime.date(2026, 6, 30)
JAN = datetime.date(2026, 1, 10)


@pytest.fixture
def tree(city, levels, rules):
    rules.required_level = levels[4]
    rules.save()
    s = {}

    def person(key, unit, **kwargs):
        s[key] = StaffFactory(department=getattr(city, unit), **kwargs)
        return s[key]

    quick_certificate(person("s1", "township_a1"), levels[5], issued=JAN)
    quick_certificate(person("s2", "township_a1"), levels[4], issued=datetime.date(2026, 4, 10))
    person("s3", "township_a1")
    quick_certificate(
        person(
            "s4",
            "township_a1",
            status=StaffStatus.LEFT,
            left_on=datetime.date(2026, 1, 20),
        ),
        levels[4],
        issued=datetime.date(2025, 1, 1),
    )
    quick_certificate(person("s5", "township_a1", is_window_staff=False), levels[4], issued=JAN)
    quick_certificate(
        person("s6", "township_a2"), levels[4], issued=JAN, expires=datetime.date(2026, 5, 1)
    )
    quick_certificate(
        person("s7", "township_a2"), levels[4], issued=JAN, revoked=datetime.date(2026, 6, 1)
    )
    quick_certificate(person("s8", "township_a2"), levels[3], issued=JAN)
    quick_certificate(person("s9", "county_a"), levels[4], issued=JAN)
    quick_certificate(person("s10", "township_b1"), levels[4], issued=JAN)
    person("s11", "township_b1", hire_date=datetime.date(2026, 7, 15))
    return s


def _figures(units, city):
    return {
        name: (units[getattr(city, name).pk].certified, units[getattr(city, name).pk].window_staff)
        for name in ("township_a1", "township_a2", "county_a", "township_b1", "county_b", "city")
    }


def test_rates_on_a_hand_computed_tree(city, tree):
    units = unit_rates(root=city.city, day=D)
    assert _figures(units, city) == {
        "township_a1": (1, 3),
        "township_a2": (1, 3),
        "county_a": (3, 7),
        "township_b1": (1, 1),
        "county_b": (1, 1),
        "city": (4, 8),
    }


def test_a_subtree_rate_is_total_over_total_not_an_average(city, tree):
    county = unit_rates(root=city.county_a, day=D)[city.county_a.pk]
    assert county.percent == 42.9  # 3/7, whereas the mean of 1/3, 1/3, 1/1 is 55.6
    assert county.gap == 4


def test_cards_follow_the_thresholds(city, tree, rules):
    units = unit_rates(root=city.city, day=D)
    assert units[city.township_a1.pk].card == "red"
    assert units[city.township_b1.pk].card == ""
    rules.red_card_below = 30
    rules.yellow_card_below = 60
    rules.save()
    units = unit_rates(root=city.city, day=D)
    assert units[city.township_a1.pk].card == "yellow"  # 33.3%
    assert units[city.city.pk].card == "yellow"  # 50%
    assert units[city.county_b.pk].card == ""


def test_a_unit_without_window_staff_has_no_rate_and_no_card(city, tree):
    empty = DepartmentFactory(parent=city.county_b)
    unit = unit_rates(root=city.county_b, day=D)[empty.pk]
    assert (unit.rate, unit.card, unit.gap) == (None, "", 0)


def test_the_gap_names_who_still_needs_a_certificate(city, tree):
    names = list(gap_staff(department=city.county_a, day=D).values_list("pk", flat=True))
    assert set(names) == {tree[k].pk for k in ("s1", "s3", "s6", "s7")}


def test_rebuilding_a_past_month_uses_history(city, tree):
    march = datetime.date(2026, 3, 31)
    rate_snapshots_take(month_end_day=march)
    snap = {s.department_id: (s.certified, s.window_staff) for s in RateSnapshot.objects.all()}
    # In March: s2 not yet certified, s6 not yet expired, s7 not yet revoked, s4 had left.
    assert snap[city.township_a1.pk] == (0, 3)
    assert snap[city.township_a2.pk] == (3, 3)
    assert snap[city.city.pk] == (5, 8)


def test_snapshots_are_safe_to_take_twice(city, tree):
    rate_snapshots_take(month_end_day=D)
    count = RateSnapshot.objects.count()
    rate_snapshots_take(month_end_day=D)
    assert RateSnapshot.objects.count() == count
    ends = rate_snapshots_rebuild(months=3, today=datetime.date(2026, 7, 15))
    assert ends == [datetime.date(2026, 4, 30), datetime.date(2026, 5, 31), D]
    assert RateSnapshot.objects.filter(month_end=D).count() == count


def test_forecast_month_at_the_current_pace():
    then, today = datetime.date(2026, 3, 31), datetime.date(2026, 6, 30)
    # Gap from 10 to 4 in three months: two a month, two more months to go.
    assert forecast_month(gap_now=4, gap_then=10, then=then, today=today) == datetime.date(
        2026, 8, 1
    )
    assert forecast_month(gap_now=0, gap_then=3, then=then, today=today) == datetime.date(
        2026, 6, 1
    )
    assert forecast_month(gap_now=4, gap_then=4, then=then, today=today) is None
    assert forecast_month(gap_now=5, gap_then=4, then=then, today=today) is None


def test_forecast_uses_the_snapshot_three_months_back(city, tree):
    today = datetime.date(2026, 9, 30)
    then = month_ends_back(today, 4)[0]
    assert then == D
    RateSnapshot.objects.create(department=city.city, month_end=then, window_staff=9, certified=0)
    RateSnapshot.objects.create(
        department=city.county_a, month_end=then, window_staff=7, certified=3
    )
    units = unit_rates_with_forecast(root=city.city, today=today)
    # In September s11 has joined: city 4/9. Gap 9 -> 5 in three months: 4/3 a
    # month, so 5 / (4/3) = 3.75 -> 4 more months -> January.
    assert (units[city.city.pk].certified, units[city.city.pk].window_staff) == (4, 9)
    assert units[city.city.pk].forecast == datetime.date(2027, 1, 1)
    assert units[city.county_a.pk].forecast is None  # the gap did not shrink
    assert units[city.township_a1.pk].forecast is None  # no snapshot to measure a pace


def test_rates_take_a_constant_number_of_queries(city, tree, django_assert_num_queries):
    for _ in range(30):
        DepartmentFactory(parent=city.township_b1)
    with django_assert_num_queries(3):  # rules, units, one grouped count
        unit_rates(root=city.city, day=D)
