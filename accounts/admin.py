from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "first_name", "is_active", "must_change_password", "last_login"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (None, {"fields": ("must_change_password", "password_changed_at")}),
    )

    def has_module_permission(self, request):
        return request.user.is_superuser
