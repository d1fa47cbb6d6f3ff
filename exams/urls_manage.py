from django.urls import path

from . import views_manage, views_sessions

app_name = "exams_manage"

urlpatterns = [
    path("", views_manage.session_list, name="sessions"),
    path("new/", views_sessions.session_create, name="session_create"),
    path("<uuid:public_id>/", views_manage.session_detail, name="session"),
    path("<uuid:public_id>/edit/", views_sessions.session_edit, name="session_edit"),
    path("<uuid:public_id>/publish/", views_sessions.session_publish, name="session_publish"),
    path("<uuid:public_id>/results.xlsx", views_sessions.results_export, name="results_export"),
    path("<uuid:public_id>/analysis.xlsx", views_sessions.analysis_export, name="analysis_export"),
    path("<uuid:public_id>/grade/<int:question_id>/", views_manage.grade, name="grade"),
]
