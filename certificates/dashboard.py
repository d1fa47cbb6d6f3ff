"""The managers' dashboard data, its trend chart and its exports.

`dashboard_build` reads everything a dashboard page (and its exports) shows in a
constant number of queries, whatever the size of the subtree.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from core.exports import safe_cell
from organisation.access import user_roles
from organisation.models import Department

from .rates import TrendPoint, UnitRate, gap_staff, unit_rates_with_forecast, unit_trend
from .services import certification_settings_get

LEAGUE_SIZE = 10
GAP_LIST_LIMIT = 300


@dataclass
class Dashboard:
    department: Department
    unit: UnitRate
    children: list[UnitRate]
    league: list[UnitRate]
    lagging: list[UnitRate]
    trend: list[TrendPoint]
    chart: dict
    rules: object
    today: datetime.date
    can_see_people: bool
    people: list = field(default_factory=list)
    people_truncated: bool = False
    all_units: list[UnitRate] = field(default_factory=list)
    red_units: int = 0
    yellow_units: int = 0


def trend_chart(points: list[TrendPoint], *, width: int = 640, height: int = 220) -> dict:
    """Coordinates for a small inline SVG line chart of the rate (0-100%)."""
    left, right, top, bottom = 44, 36, 12, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    usable = [p for p in points if p.percent is not None]
    n = max(len(points) - 1, 1)
    coords = []
    for i, p in enumerate(points):
        if p.percent is None:
            continue
        x = left + plot_w * i / n
        y = top + plot_h * (1 - p.percent / 100)
        coords.append(
            {
                "x": round(x, 1),
                "y": round(y, 1),
                "label": p.day.strftime("%Y-%m"),
                "percent": p.percent,
                "show_label": len(points) <= 7 or i % 2 == (len(points) - 1) % 2,
            }
        )
    grid = [
        {"y": round(top + plot_h * (1 - v / 100), 1), "label": f"{v}%"}
        for v in (0, 25, 50, 75, 100)
    ]
    return {
        "width": width,
        "height": height,
        "left": left,
        "right_x": width - right,
        "label_y": height - 12,
        "points": coords,
        "polyline": " ".join(f"{c['x']},{c['y']}" for c in coords),
        "grid": grid,
        "has_data": bool(usable),
    }


def dashboard_build(*, user, department: Department, today: datetime.date | None = None):
    """Everything on the dashboard for `department` (already checked visible)."""
    today = today or timezone.localdate()
    rules = certification_settings_get()
    units = unit_rates_with_forecast(root=department, today=today)
    unit = units[department.pk]
    children = unit.children
    staffed = [
        u for u in units.values() if u.window_staff and u.department_id != unit.department_id
    ]
    league = sorted(children, key=lambda u: (-(u.rate or 0), u.path))
    # Lagging units: the units at the bottom of the tree that hold a red or yellow card,
    # worst first. A unit without a card is not lagging, however low it ranks.
    carded = [u for u in staffed if not u.children and u.card in ("red", "yellow")]
    lagging = sorted(carded, key=lambda u: (u.rate if u.rate is not None else 1, u.path))[
        :LEAGUE_SIZE
    ]
    # The card counts describe the league table on the same page: the units directly
    # below, not every unit of the subtree.
    ranked = [u for u in children if u.window_staff]
    trend = unit_trend(department=department, current=unit, today=today)
    roles = user_roles(user)
    board = Dashboard(
        department=department,
        unit=unit,
        children=children,
        league=league,
        lagging=[u for u in lagging if u.gap],
        trend=trend,
        chart=trend_chart(trend),
        rules=rules,
        today=today,
        # Coordinators and managers (分管领导) push units by name; never ID numbers.
        can_see_people=roles.is_coordinator or roles.is_manager,
        all_units=list(units.values()),
        red_units=sum(1 for u in ranked if u.card == "red"),
        yellow_units=sum(1 for u in ranked if u.card == "yellow"),
    )
    if board.can_see_people and not children:
        people = list(gap_staff(department=department, day=today)[: GAP_LIST_LIMIT + 1])
        board.people = people[:GAP_LIST_LIMIT]
        board.people_truncated = len(people) > GAP_LIST_LIMIT
    return board


# --- exports ---------------------------------------------------------------------------


def _card_label(card: str) -> str:
    return {"red": _("Red card"), "yellow": _("Yellow card")}.get(card, "")


def dashboard_xlsx(board: Dashboard, *, people=None) -> bytes:
    """A formatted workbook: one row per unit (tree order), percentages as numbers."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    red = PatternFill("solid", fgColor="F8CBAD")
    yellow = PatternFill("solid", fgColor="FFE699")

    wb = Workbook()
    ws = wb.active
    ws.title = _("Certified rate")[:31]
    ws.append([safe_cell(f"{board.department.name} {_('Certified rate')} {board.today}")])
    ws["A1"].font = Font(bold=True, size=14)
    headers = [
        _("Code"),
        _("Unit"),
        _("Kind"),
        _("Window staff"),
        _("Certified"),
        _("Certified rate"),
        _("Gap"),
        _("Card"),
        _("Forecast 100%"),
    ]
    ws.append(headers)
    for col in range(1, len(headers) + 1):
        cell = ws.cell(row=2, column=col)
        cell.font = header_font
        cell.fill = header_fill
        cell.alignment = Alignment(horizontal="center", vertical="center")
    base_depth = board.unit.depth
    for u in board.all_units:
        ws.append(
            [
                safe_cell(u.code),
                safe_cell("  " * (u.depth - base_depth) + u.name),
                safe_cell(u.kind_label),
                u.window_staff,
                u.certified,
                u.rate,
                u.gap,
                safe_cell(_card_label(u.card)),
                u.forecast.strftime("%Y-%m") if u.forecast else "",
            ]
        )
        row = ws.max_row
        ws.cell(row=row, column=6).number_format = "0.0%"
        if u.card:
            ws.cell(row=row, column=8).fill = red if u.card == "red" else yellow
    for col, width in enumerate([16, 36, 14, 12, 12, 12, 10, 10, 14], start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.freeze_panes = "C3"
    ws.auto_filter.ref = f"A2:{get_column_letter(len(headers))}{ws.max_row}"

    trend = wb.create_sheet(_("Trend")[:31])
    trend.append([_("Month"), _("Window staff"), _("Certified"), _("Certified rate")])
    for col in range(1, 5):
        trend.cell(row=1, column=col).font = header_font
        trend.cell(row=1, column=col).fill = header_fill
    for point in board.trend:
        rate = point.certified / point.window_staff if point.window_staff else None
        trend.append([point.day, point.window_staff, point.certified, rate])
        trend.cell(row=trend.max_row, column=1).number_format = "yyyy-mm-dd"
        trend.cell(row=trend.max_row, column=4).number_format = "0.0%"
    for col, width in enumerate([14, 12, 12, 12], start=1):
        trend.column_dimensions[get_column_letter(col)].width = width

    if people is not None:
        sheet = wb.create_sheet(_("Still to certify")[:31])
        sheet.append([_("Unit"), _("Name"), _("Staff number"), _("Post")])
        for col in range(1, 5):
            sheet.cell(row=1, column=col).font = header_font
            sheet.cell(row=1, column=col).fill = header_fill
        for person in people:
            sheet.append(
                [
                    safe_cell(person.department.name),
                    safe_cell(person.name),
                    safe_cell(person.staff_number),
                    safe_cell(person.post),
                ]
            )
        for col, width in enumerate([30, 14, 16, 20], start=1):
            sheet.column_dimensions[get_column_letter(col)].width = width
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def dashboard_pdf(board: Dashboard) -> bytes:
    from django.template.loader import render_to_string

    from .pdf import render_html_pdf

    html = render_to_string("certificates/pdf/report.html", {"board": board})
    return render_html_pdf(html)
