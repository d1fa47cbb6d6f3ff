from django.urls import path

from . import views

app_name = "training"

urlpatterns = [
    path("me/", views.my_record, name="my_record"),
    path("modules/<int:pk>/", views.module_detail, name="module"),
    path("lessons/<int:pk>/", views.lesson_detail, name="lesson"),
    path("lessons/<int:pk>/read/", views.lesson_read, name="lesson_read"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("plans/<uuid:public_id>/", views.plan_detail, name="plan"),
    path("plans/<uuid:public_id>/mentor/", views.plan_mentor, name="plan_mentor"),
    path("matrix/", views.matrix, name="matrix"),
    path("overdue/", views.overdue, name="overdue"),
    path("guidance/", views.guidance, name="guidance"),
    path("units/", views.units, name="units"),
    path("assign/", views.assign, name="assign"),
    path("records.xlsx", views.records_export, name="records_export"),
]
