"""Every spreadsheet export neutralises formula injection: text starting with =, +, -,
@, tab or carriage return is written so that Excel shows it as text."""

import io

import pytest
from openpyxl import load_workbook

from core.exports import safe_cell
from organisation.models import Role

from .factories import DepartmentFactory, StaffFactory, add_totp, make_user_with_role

EVIL = ['=HYPERLINK("http://x")', "+1+2", "-3+4", "@SUM(A1)", "\tTAB", "\rCR"]


@pytest.mark.parametrize("value", EVIL)
def test_safe_cell_neutralises_formula_prefixes(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["普通文本", 42, 3.5, None, True])
def test_safe_cell_leaves_other_values(value):
    assert safe_cell(value) == value


def _cells(content: bytes) -> list:
    book = load_workbook(io.BytesIO(content))
    return [c for ws in book for row in ws.iter_rows(values_only=True) for c in row]


def test_dashboard_export_writes_formula_looking_unit_names_as_text(client, city):
    evil_unit = DepartmentFactory(parent=city.county_a, code="EV", name="=cmd|'/C calc'!A0")
    StaffFactory(department=evil_unit, name="@SUM(1+1)")
    admin = make_user_with_role(Role.ADMINISTRATOR, city.city)
    add_totp(admin)
    client.force_login(admin)
    response = client.get(f"/certificates/dashboard/{city.county_a.pk}/export.xlsx")
    assert response.status_code == 200
    cells = [c for c in _cells(response.content) if isinstance(c, str)]
    assert not any(c.startswith(("=", "+", "@")) for c in cells), cells
    assert "'=cmd|'/C calc'!A0" in cells
