"""Reads of the delivery log, scoped through the access module."""

from __future__ import annotations

from django.db.models import QuerySet

from organisation.access import departments_managed_by

from .models import Delivery


def deliveries_visible_to(user, *, status: str = "", channel: str = "") -> QuerySet[Delivery]:
    """Deliveries to people of the units the user coordinates (or administers)."""
    queryset = Delivery.objects.filter(department__in=departments_managed_by(user))
    if status:
        queryset = queryset.filter(status=status)
    if channel:
        queryset = queryset.filter(channel=channel)
    return queryset.select_related("user", "department").order_by("-created_at", "-id")
