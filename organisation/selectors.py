"""Reads on the organisation, always scoped through organisation.access."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from .access import departments_visible_to, staff_visible_to
from .models import Department, Staff, StaffStatus


def department_list(*, user, root: Department | None = None) -> QuerySet[Department]:
    """Visible units (optionally below `root`), with active staff counts, in tree order."""
    queryset = departments_visible_to(user)
    if root is not None:
        queryset = queryset.filter(root.subtree_q())
    return queryset.order_by("path")


def department_children(*, user, parent: Department) -> QuerySet[Department]:
    return (
        departments_visible_to(user)
        .filter(path__startswith=parent.path, depth=parent.depth + 1)
        .order_by("path")
    )


def department_roots_for(*, user) -> QuerySet[Department]:
    """The topmost visible units: visible units whose parent is not visible."""
    visible = departments_visible_to(user)
    rows = list(visible.order_by("path").values_list("pk", "path"))
    roots: list[int] = []
    last_root_path = None
    for pk, path in rows:
        if last_root_path is None or not path.startswith(last_root_path):
            roots.append(pk)
            last_root_path = path
    return Department.objects.filter(pk__in=roots).order_by("path")


def department_subtree_counts(*, department: Department) -> dict[str, int]:
    """Active staff and window staff below (and in) a unit, in one query."""
    return Staff.objects.filter(
        department__path__startswith=department.path, status=StaffStatus.ACTIVE
    ).aggregate(
        staff=Count("pk"),
        window_staff=Count("pk", filter=Q(is_window_staff=True)),
    )


def staff_list(
    *,
    user,
    department: Department | None = None,
    search: str = "",
    status: str = "",
    window_only: bool = False,
) -> QuerySet[Staff]:
    queryset = staff_visible_to(user).select_related("department")
    if department is not None:
        queryset = queryset.filter(department.subtree_q("department__"))
    if search:
        queryset = queryset.filter(
            Q(name__contains=search) | Q(staff_number__contains=search) | Q(mobile=search)
        )
    if status:
        queryset = queryset.filter(status=status)
    if window_only:
        queryset = queryset.filter(is_window_staff=True)
    return queryset.order_by("department__path", "staff_number")
