"""REST routes of the exams app, mounted under /api/."""

from django.urls import path

from .api import bank as api_bank
from .api import learner as api
from .api import manage as api_manage

urlpatterns = [
    path("exams/sessions/<uuid:public_id>/start/", api.StartView.as_view(), name="api-exam-start"),
    path("exams/attempts/<uuid:public_id>/", api.AttemptView.as_view(), name="api-exam-attempt"),
    path("exams/attempts/<uuid:public_id>/save/", api.SaveView.as_view(), name="api-exam-save"),
    path(
        "exams/attempts/<uuid:public_id>/submit/", api.SubmitView.as_view(), name="api-exam-submit"
    ),
    path("exams/attempts/<uuid:public_id>/leave/", api.LeaveView.as_view(), name="api-exam-leave"),
    path("exams/attempts/<uuid:public_id>/state/", api.StateView.as_view(), name="api-exam-state"),
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

# --- coordinators and managers: sessions, results, analysis, grading --------------------
urlpatterns += [
    path("exams/manage/sessions/", api_manage.SessionListApi.as_view(), name="api-exam-sessions"),
    path(
        "exams/manage/sessions/<uuid:public_id>/",
        api_manage.SessionDetailApi.as_view(),
        name="api-exam-session",
    ),
    path(
        "exams/manage/sessions/<uuid:public_id>/results/",
        api_manage.SessionResultsApi.as_view(),
        name="api-exam-session-results",
    ),
    path(
        "exams/manage/sessions/<uuid:public_id>/integrity/",
        api_manage.SessionIntegrityApi.as_view(),
        name="api-exam-session-integrity",
    ),
    path(
        "exams/manage/sessions/<uuid:public_id>/analysis/",
        api_manage.SessionAnalysisApi.as_view(),
        name="api-exam-session-analysis",
    ),
    path(
        "exams/manage/sessions/<uuid:public_id>/grading/<int:question_id>/",
        api_manage.GradingQueueApi.as_view(),
        name="api-exam-grading-queue",
    ),
    path(
        "exams/manage/items/<int:item_id>/grade/",
        api_manage.GradeItemApi.as_view(),
        name="api-exam-grade-item",
    ),
]
