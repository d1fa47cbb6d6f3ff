"""Roster imports in the Django admin: read-only history for administrators, scoped."""

from django.contrib import admin

from organisation.access import departments_managed_by
from organisation.admin import AdministratorOnlyMixin

from .models import RosterImport

_HIDDEN = ("file", "initial_passwords", "report")


@admin.register(RosterImport)
class RosterImportAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    list_display = ["filename", "department", "created_by", "status", "rows_total", "created_at"]
    list_filter = ["status", "sync_mode"]
    search_fields = ["filename", "sha256"]
    list_select_related = ["department", "created_by"]
    exclude = list(_HIDDEN)
    readonly_fields = [f.name for f in RosterImport._meta.fields if f.name not in _HIDDEN]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(department__in=departments_managed_by(request.user))
        )
