"""The certified rate (持证上岗率), its gap, trend, forecast and cards.

Definition, for a unit and its whole subtree, on a day d:

    counted staff  = window staff who were in post on d
                     (hired on or before d, or hire date unknown; not left by d)
    certified      = counted staff holding, on d, a certificate at or above the
                     required level that was issued by d, not revoked by d and
                     not expired on d
    rate           = sum(certified) / sum(counted staff) over the subtree

A subtree's rate is total over total, never an average of its units' rates.

Every selector here answers for a whole subtree in a constant number of queries: one
for the units, one grouped count (GROUP BY department: staff, and certificate
holders), then the roll-up along the materialised path happens in Python. History
(rebuilding past months) uses the same queries with d in the past: hire/left dates
and issue/revoke/expiry dates.
Known limit: a person's unit and window-staff flag are taken as they are today.
"""

from __future__ import annotations

import calendar
import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from organisation.models import Department, Staff, StaffStatus

from .models import Certificate, CertificationSettings, RateSnapshot
from .services.common import certification_settings_get

FORECAST_WINDOW_MONTHS = 3


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def previous_month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=1) - datetime.timedelta(days=1)


def last_completed_month_end(today: datetime.date) -> datetime.date:
    end = month_end(today)
    return end if end == today else previous_month_end(today)


def month_ends_back(day: datetime.date, count: int) -> list[datetime.date]:
    """`count` month ends, oldest first, ending with the month end of `day`."""
    ends = [month_end(day)]
    for _ in range(count - 1):
        ends.append(previous_month_end(ends[-1]))
    return list(reversed(ends))


def counted_staff_q(day: datetime.date, prefix: str = "") -> Q:
    """Window staff in post on `day`."""
    p = prefix
    in_post = Q(**{f"{p}status": StaffStatus.ACTIVE, f"{p}left_on__isnull": True}) | Q(
        **{f"{p}left_on__gt": day}
    )
    hired = Q(**{f"{p}hire_date__isnull": True}) | Q(**{f"{p}hire_date__lte": day})
    return Q(**{f"{p}is_window_staff": True}) & hired & in_post


def valid_certificates(day: datetime.date, rules: CertificationSettings) -> QuerySet[Certificate]:
    return Certificate.objects.filter(
        Q(revoked_on__isnull=True) | Q(revoked_on__gt=day),
        Q(expires_on__isnull=True) | Q(expires_on__gte=day),
        level__code__lte=rules.required_level.code,
        issue_date__lte=day,
    )


def _has_valid_certificate(day: datetime.date, rules: CertificationSettings) -> Exists:
    return Exists(valid_certificates(day, rules).filter(staff_id=OuterRef("pk")))


@dataclass
class UnitRate:
    department_id: int
    code: str
    name: str
    kind: str
    path: str
    depth: int
    window_staff: int = 0
    certified: int = 0
    card: str = ""
    forecast: datetime.date | None = None  # first day of the month 100% is reached
    children: list[UnitRate] = field(default_factory=list)

    @property
    def rate(self) -> float | None:
        if not self.window_staff:
            return None
        return self.certified / self.window_staff

    @property
    def percent(self) -> float | None:
        rate = self.rate
        return None if rate is None else round(rate * 100, 1)

    @property
    def gap(self) -> int:
        return self.window_staff - self.certified

    @property
    def kind_label(self) -> str:
        from organisation.models import DepartmentKind

        return str(DepartmentKind(self.kind).label) if self.kind else ""


def card_for(rate: float | None, rules: CertificationSettings) -> str:
    if rate is None:
        return ""
    percent = Decimal(str(round(rate * 100, 4)))
    if percent < rules.red_card_below:
        return "red"
    if percent < rules.yellow_card_below:
        return "yellow"
    return ""


def _subtree_departments(root: Department | None) -> QuerySet[Department]:
    queryset = Department.objects.all()
    if root is not None:
        queryset = queryset.filter(path__startswith=root.path)
    return queryset.order_by("path")


def unit_rates(
    *,
    root: Department | None,
    day: datetime.date | None = None,
    rules: CertificationSettings | None = None,
) -> dict[int, UnitRate]:
    """Rates of `root` and every unit below it (all units when root is None), each
    rolled up over its own subtree. Two queries. Ordered by path (tree order)."""
    day = day or timezone.localdate()
    rules = rules or certification_settings_get()
    units: dict[int, UnitRate] = {}
    by_path: dict[str, UnitRate] = {}
    for pk, code, name, kind, path, depth in _subtree_departments(root).values_list(
        "pk", "code", "name", "kind", "path", "depth"
    ):
        unit = UnitRate(pk, code, name, kind, path, depth)
        units[pk] = unit
        by_path[path] = unit
        parent = by_path.get(path[: -Department.steplen])
        if parent is not None:
            parent.children.append(unit)
    staff = Staff.objects.filter(counted_staff_q(day))
    # One grouped count. `pk IN (SELECT staff_id ...)` is hashed once by PostgreSQL;
    # a correlated EXISTS inside an aggregate FILTER would run once per row.
    holders = valid_certificates(day, rules)
    if root is not None and not root.is_root():
        # The unit ids are already known: an IN list lets the database use the
        # staff (department, ...) index, and keeps the hashed holders small.
        ids = list(units)
        staff = staff.filter(department_id__in=ids)
        holders = holders.filter(staff__department_id__in=ids)
    holders = holders.values("staff_id")
    rows = [
        (row["department_id"], row["total"], row["certified"])
        for row in staff.order_by()
        .values("department_id")
        .annotate(total=Count("pk"), certified=Count("pk", filter=Q(pk__in=holders)))
    ]
    steplen = Department.steplen
    for department_id, total, holding in rows:
        unit = units.get(department_id)
        if unit is None:
            continue
        # Add the unit's own counts to it and every ancestor inside the subtree.
        path = unit.path
        while path:
            target = by_path.get(path)
            if target is not None:
                target.window_staff += total
                target.certified += holding
            path = path[:-steplen]
    for unit in units.values():
        unit.card = card_for(unit.rate, rules)
    return units


def forecast_month(
    *,
    gap_now: int,
    gap_then: int,
    then: datetime.date,
    today: datetime.date,
) -> datetime.date | None:
    """The month in which the gap reaches zero at the pace since `then`.

    None when the gap is not shrinking. The current month when there is no gap.
    """
    if gap_now <= 0:
        return today.replace(day=1)
    # Whole calendar months between the two month positions, plus the part of
    # today's month not yet run (exact on month ends: 31 March -> 30 June = 3).
    days_in_month = calendar.monthrange(today.year, today.month)[1]
    months = (
        (today.year - then.year) * 12
        + (today.month - then.month)
        - (days_in_month - today.day) / days_in_month
    )
    if months <= 0:
        return None
    pace = (gap_then - gap_now) / months
    if pace <= 0:
        return None
    ahead = math.ceil(gap_now / pace)
    if ahead > 1200:
        return None
    index = today.year * 12 + (today.month - 1) + ahead
    return datetime.date(index // 12, index % 12 + 1, 1)


def unit_rates_with_forecast(
    *, root: Department | None, today: datetime.date | None = None
) -> dict[int, UnitRate]:
    """`unit_rates` for today plus each unit's forecast (one more query: the
    snapshots FORECAST_WINDOW_MONTHS month ends ago)."""
    today = today or timezone.localdate()
    rules = certification_settings_get()
    units = unit_rates(root=root, day=today, rules=rules)
    then = month_ends_back(today, FORECAST_WINDOW_MONTHS + 1)[0]
    snapshots = RateSnapshot.objects.filter(month_end=then, department_id__in=list(units))
    past = {s.department_id: s for s in snapshots}
    for unit in units.values():
        snapshot = past.get(unit.department_id)
        if unit.window_staff and (snapshot is not None or unit.gap == 0):
            unit.forecast = forecast_month(
                gap_now=unit.gap,
                gap_then=(snapshot.window_staff - snapshot.certified) if snapshot else unit.gap,
                then=then,
                today=today,
            )
    return units


@dataclass(frozen=True)
class TrendPoint:
    day: datetime.date
    window_staff: int
    certified: int

    @property
    def percent(self) -> float | None:
        if not self.window_staff:
            return None
        return round(self.certified / self.window_staff * 100, 1)


def unit_trend(
    *, department: Department, current: UnitRate, months: int = 12, today=None
) -> list[TrendPoint]:
    """Month-end snapshots of the last `months` months, then today's figure."""
    today = today or timezone.localdate()
    start = month_ends_back(today, months)[0]
    points = [
        TrendPoint(s.month_end, s.window_staff, s.certified)
        for s in RateSnapshot.objects.filter(
            department=department, month_end__gte=start, month_end__lt=today
        ).order_by("month_end")
    ]
    points.append(TrendPoint(today, current.window_staff, current.certified))
    return points


def gap_staff(*, department: Department, day: datetime.date | None = None) -> QuerySet[Staff]:
    """Window staff in the subtree who still need a valid certificate (who the gap is).

    Callers check that the user may see these people (coordinators and administrators).
    """
    day = day or timezone.localdate()
    rules = certification_settings_get()
    return (
        Staff.objects.filter(counted_staff_q(day), department__path__startswith=department.path)
        .exclude(_has_valid_certificate(day, rules))
        .select_related("department")
        .order_by("department__path", "staff_number")
    )


def rate_snapshots_take(*, month_end_day: datetime.date) -> int:
    """Store every unit's rate at a month end. Safe to run twice (upsert), and the
    same function rebuilds a past month from history."""
    units = unit_rates(root=None, day=month_end_day)
    now = timezone.now()
    rows = [
        RateSnapshot(
            department_id=unit.department_id,
            month_end=month_end_day,
            window_staff=unit.window_staff,
            certified=unit.certified,
            created_at=now,
        )
        for unit in units.values()
    ]
    RateSnapshot.objects.bulk_create(
        rows,
        batch_size=1000,
        update_conflicts=True,
        unique_fields=["department", "month_end"],
        update_fields=["window_staff", "certified", "created_at"],
    )
    return len(rows)


def rate_snapshots_rebuild(*, months: int, today: datetime.date | None = None) -> list:
    """Recompute the last `months` completed month ends from history."""
    today = today or timezone.localdate()
    last = last_completed_month_end(today)
    ends = month_ends_back(last, months)
    for end in ends:
        rate_snapshots_take(month_end_day=end)
    return ends
