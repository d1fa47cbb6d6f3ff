"""Administrators edit the certification configuration (levels, rules) here;
certificates are visible read-only, scoped like every other door."""

from django.contrib import admin

from audit.services import audit_record
from organisation.access import departments_visible_to, is_administrator
from organisation.admin import AdministratorOnlyMixin

from .models import Certificate, CertificationSettings, Sitting, SkillLevel


class _AuditedConfigAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            action=f"certificates.{obj._meta.model_name}_changed",
            actor=request.user,
            target=obj,
            data={name: str(form.cleaned_data.get(name)) for name in form.changed_data},
            request=request,
        )


@admin.register(SkillLevel)
class SkillLevelAdmin(_AuditedConfigAdmin):
    list_display = ["code", "name", "is_offered", "requires_review"]
    list_editable = ["is_offered", "requires_review"]
    ordering = ["-code"]

    def has_add_permission(self, request, *args):
        return False  # the five national levels are seeded


@admin.register(CertificationSettings)
class CertificationSettingsAdmin(_AuditedConfigAdmin):
    list_display = [
        "__str__",
        "pass_mark",
        "required_level",
        "validity_years",
        "red_card_below",
        "yellow_card_below",
    ]

    def has_add_permission(self, request, *args):
        return False  # one row, seeded by migration


@admin.register(Certificate)
class CertificateAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    list_display = ["number", "holder_name", "level", "issue_date", "expires_on", "revoked_on"]
    list_filter = ["level", "source"]
    search_fields = ["number", "holder_name"]
    list_select_related = ["level"]
    exclude = ["verification_code"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(staff__department__in=departments_visible_to(request.user))
        )

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "verification_code"]

    def has_change_permission(self, request, obj=None):
        # Read-only: issue and revoke through the pages (one audited service each).
        return False

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)


@admin.register(Sitting)
class SittingAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    """Read-only: sittings are run through their pages (every step an audited service)."""

    list_display = ["title", "level", "department", "theory_starts_at", "results_at"]
    list_filter = ["level"]
    search_fields = ["title"]
    list_select_related = ["level", "department"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(department__in=departments_visible_to(request.user))
        )

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + ["tasks"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)
