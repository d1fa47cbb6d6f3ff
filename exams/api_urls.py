"""REST routes of the exams app, mounted under /api/."""

from django.urls import path

from . import api, api_bank

urlpatterns = [
    path("exams/sessions/<uuid:public_id>/start/", api.StartView.as_view(), name="api-exam-start"),
    path("exams/attempts/<uuid:public_id>/", api.AttemptView.as_view(), name="api-exam-attempt"),
    path("exams/attempts/<uuid:public_id>/save/", api.SaveView.as_view(), name="api-exam-save"),
    path(
        "exams/attempts/<uuid:public_id>/submit/", api.SubmitView.as_view(), name="api-exam-submit"
    ),
    path("exams/attempts/<uuid:public_id>/leave/", api.LeaveView.as_view(), name="api-exam-leave"),
    # --- the question bank (coordinators and administrators; read-only) ---
    path(
        "exams/bank/questions/", api_bank.BankQuestionListView.as_view(), name="api-bank-questions"
    ),
    path(
        "exams/bank/questions/<uuid:public_id>/",
        api_bank.BankQuestionDetailView.as_view(),
        name="api-bank-question",
    ),
]
