"""The completion matrix's cells: a city page has 300 rows × the track's weeks, and a
template loop per cell cost more than the rest of the page (the cells' states and
labels are computed by `selectors.completion_matrix`; this only writes them out)."""

from django import template
from django.utils.html import format_html_join

register = template.Library()


@register.filter
def matrix_cells(cells):
    """`<td class="cell cell-<state>">label</td>` for each (state, label), escaped."""
    return format_html_join("", '<td class="cell cell-{}">{}</td>', cells)
