"""The exam engine's pages, in three namespaces (mounted by config.urls):
`exams` at /exams/, `exams_manage` at /exams/manage/ and `exams_bank` at /exams/bank/."""

from django.urls import path

from .views import bank, learner, manage

app_name = "exams"

urlpatterns = [
    path("", learner.exam_list, name="list"),
    path("sessions/<uuid:public_id>/start/", learner.session_start, name="start"),
    path("attempts/<uuid:public_id>/", learner.attempt_page, name="attempt"),
    path("attempts/<uuid:public_id>/submit/", learner.attempt_submit, name="submit"),
    path("attempts/<uuid:public_id>/continue/", learner.attempt_take_over, name="take_over"),
    path("mistakes/", learner.mistakes, name="mistakes"),
    path("practice/", learner.practice, name="practice"),
]

manage_patterns = (
    [
        path("", manage.session_list, name="sessions"),
        path("new/", manage.session_create, name="session_create"),
        path("<uuid:public_id>/", manage.session_detail, name="session"),
        path("<uuid:public_id>/edit/", manage.session_edit, name="session_edit"),
        path("<uuid:public_id>/publish/", manage.session_publish, name="session_publish"),
        path("<uuid:public_id>/results.xlsx", manage.results_export, name="results_export"),
        path("<uuid:public_id>/analysis.xlsx", manage.analysis_export, name="analysis_export"),
        path("<uuid:public_id>/grade/<int:question_id>/", manage.grade, name="grade"),
    ],
    "exams_manage",
)

bank_patterns = (
    [
        path("", bank.question_list, name="list"),
        path("new/", bank.question_new, name="new"),
        path("<uuid:public_id>/", bank.question_edit, name="edit"),
        path("<uuid:public_id>/history/", bank.question_history, name="history"),
        path("<uuid:public_id>/restore/", bank.question_restore, name="restore"),
        path("<uuid:public_id>/approve/", bank.question_approve, name="approve"),
        path("import/", bank.import_upload, name="import"),
        path("import/confirm/", bank.import_confirm, name="import_confirm"),
        path("import/rejected.xlsx", bank.import_rejected, name="import_rejected"),
        path("export.xlsx", bank.export, name="export"),
        path("template.xlsx", bank.template, name="template"),
    ],
    "exams_bank",
)
