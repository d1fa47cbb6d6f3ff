"""Who may see which roster imports, built on organisation.access.

An import belongs to the uploader's unit; whoever manages that unit (coordinators
and administrators of it or a unit above it) sees it. Missing and forbidden answer
the same 404.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from organisation.access import (
    departments_managed_by,
    get_scoped_or_404,
    require_coordinator,
    user_roles,
    uuid_or_none,
)

from .models import RosterImport


def can_import(user) -> bool:
    """Coordinators and administrators; managers and learners may not."""
    return user_roles(user).is_coordinator


def require_importer(user) -> None:
    """Refuse (audited 404) anyone `can_import` turns away; pages and API alike."""
    require_coordinator(user)


def imports_visible_to(user) -> QuerySet[RosterImport]:
    if not can_import(user):
        return RosterImport.objects.none()
    return RosterImport.objects.filter(department__in=departments_managed_by(user))


def get_roster_import_for(user, public_id: uuid.UUID | str) -> RosterImport:
    return get_scoped_or_404(
        imports_visible_to(user).select_related("department", "created_by"),
        user=user,
        kind="roster.rosterimport",
        public_id=uuid_or_none(public_id),
    )
