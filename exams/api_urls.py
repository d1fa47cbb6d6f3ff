"""REST routes of the exams app, mounted under /api/."""

from django.urls import path

from . import api

urlpatterns = [
    path("exams/sessions/<uuid:public_id>/start/", api.StartView.as_view(), name="api-exam-start"),
    path("exams/attempts/<uuid:public_id>/", api.AttemptView.as_view(), name="api-exam-attempt"),
    path("exams/attempts/<uuid:public_id>/save/", api.SaveView.as_view(), name="api-exam-save"),
    path(
        "exams/attempts/<uuid:public_id>/submit/", api.SubmitView.as_view(), name="api-exam-submit"
    ),
    path("exams/attempts/<uuid:public_id>/leave/", api.LeaveView.as_view(), name="api-exam-leave"),
]
