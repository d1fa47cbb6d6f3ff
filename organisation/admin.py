"""The Django admin for administrators, scoped like every other door."""

from django.contrib import admin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from audit.services import audit_record

from .access import departments_visible_to, is_administrator, user_roles_forget
from .models import Department, RoleAssignment, Staff


class AdministratorOnlyMixin:
    def has_module_permission(self, request):
        return is_administrator(request.user)

    def has_view_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_add_permission(self, request, *args):
        return is_administrator(request.user)

    def has_change_permission(self, request, obj=None):
        return is_administrator(request.user)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Department)
class DepartmentAdmin(AdministratorOnlyMixin, TreeAdmin):
    form = movenodeform_factory(Department)
    list_display = ["name", "code", "kind"]
    search_fields = ["name", "code"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(pk__in=departments_visible_to(request.user))


@admin.register(Staff)
class StaffAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "staff_number",
        "id_number_masked",
        "department",
        "is_window_staff",
        "status",
    ]
    list_filter = ["status", "is_window_staff"]
    search_fields = ["name", "staff_number", "mobile"]
    list_select_related = ["department"]
    raw_id_fields = ["department", "user"]
    exclude = ["id_number_encrypted"]
    readonly_fields = ["id_number_masked", "public_id"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(department__in=departments_visible_to(request.user))
        )

    def has_add_permission(self, request, *args):
        return False  # staff are created through the roster import or the staff page


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(AdministratorOnlyMixin, admin.ModelAdmin):
    list_display = ["user", "role", "department", "created_at"]
    list_filter = ["role"]
    raw_id_fields = ["user", "department"]

    def has_delete_permission(self, request, obj=None):
        return is_administrator(request.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        user_roles_forget(obj.user_id)
        audit_record(
            action="role.assigned",
            actor=request.user,
            target=obj.user,
            request=request,
            data={"role": obj.role, "department": obj.department.code, "via": "admin"},
        )

    def delete_model(self, request, obj):
        data = {"role": obj.role, "department": obj.department.code, "via": "admin"}
        user = obj.user
        super().delete_model(request, obj)
        user_roles_forget(user.pk)
        audit_record(
            action="role.revoked", actor=request.user, target=user, request=request, data=data
        )

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(department__in=departments_visible_to(request.user))
        )
