"""REST routes of the notices app, mounted under /api/."""

from django.urls import path

from . import api

urlpatterns = [
    path("notices/preferences/", api.PreferenceView.as_view(), name="api-notice-preferences"),
    path("notices/deliveries/", api.DeliveryListView.as_view(), name="api-notice-deliveries"),
]
