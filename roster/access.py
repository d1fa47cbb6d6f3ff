"""Who may see which roster imports, built on organisation.access.

An import belongs to the uploader's unit; whoever manages that unit (coordinators
and administrators of it or a unit above it) sees it. Missing and forbidden answer
the same 404.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from organisation.access import departments_managed_by, record_denied, user_roles

from .models import RosterImport


def can_import(user) -> bool:
    """Coordinators and administrators; managers and learners may not."""
    return user_roles(user).is_coordinator


def imports_visible_to(user) -> QuerySet[RosterImport]:
    if not can_import(user):
        return RosterImport.objects.none()
    return RosterImport.objects.filter(department__in=departments_managed_by(user))


def get_roster_import_for(user, public_id: uuid.UUID | str) -> RosterImport:
    try:
        key = uuid.UUID(str(public_id))
    except ValueError:
        raise Http404("No such import.") from None
    try:
        return (
            imports_visible_to(user).select_related("department", "created_by").get(public_id=key)
        )
    except RosterImport.DoesNotExist:
        if RosterImport.objects.filter(public_id=key).exists():
            record_denied(user, "roster.rosterimport", key)
        raise Http404("No such import.") from None
