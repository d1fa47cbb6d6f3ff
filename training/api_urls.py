"""REST routes of the training app, mounted under /api/."""

from django.urls import path

from . import api, api_reading

urlpatterns = [
    path("training/home/", api.LearnerHomeApi.as_view(), name="training-api-home"),
    path(
        "training/lessons/<int:pk>/heartbeat/",
        api.LessonHeartbeatApi.as_view(),
        name="training-api-heartbeat",
    ),
    path(
        "training/lessons/<int:pk>/reading/",
        api_reading.LessonReadingHeartbeatApi.as_view(),
        name="training-api-reading",
    ),
    path(
        "training/tracks/<int:pk>/matrix/",
        api.CompletionMatrixApi.as_view(),
        name="training-api-matrix",
    ),
]
