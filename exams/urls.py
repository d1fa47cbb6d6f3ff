from django.urls import path

from . import views

app_name = "exams"

urlpatterns = [
    path("", views.exam_list, name="list"),
    path("sessions/<uuid:public_id>/start/", views.session_start, name="start"),
    path("attempts/<uuid:public_id>/", views.attempt_page, name="attempt"),
    path("attempts/<uuid:public_id>/submit/", views.attempt_submit, name="submit"),
    path("mistakes/", views.mistakes, name="mistakes"),
    path("practice/", views.practice, name="practice"),
]
