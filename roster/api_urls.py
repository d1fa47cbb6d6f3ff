"""REST routes of the roster app, mounted under /api/."""

from django.urls import path

from . import api

urlpatterns = [
    path("roster/imports/", api.RosterImportListView.as_view(), name="api-roster-imports"),
    path(
        "roster/imports/<uuid:public_id>/",
        api.RosterImportDetailView.as_view(),
        name="api-roster-import",
    ),
    path(
        "roster/imports/<uuid:public_id>/commit/",
        api.RosterImportCommitView.as_view(),
        name="api-roster-import-commit",
    ),
]
