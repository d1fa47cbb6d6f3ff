from django.urls import path

from . import views_manage

app_name = "exams_manage"

urlpatterns = [
    path("", views_manage.session_list, name="sessions"),
    path("<uuid:public_id>/", views_manage.session_detail, name="session"),
    path("<uuid:public_id>/grade/<int:question_id>/", views_manage.grade, name="grade"),
]
