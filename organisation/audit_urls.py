"""The audit log pages (namespace `audit`); see audit_views."""

from django.urls import path

from . import audit_views as views

app_name = "audit"

urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("export.xlsx", views.entry_export, name="entry_export"),
]
