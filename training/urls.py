from django.urls import path

from . import views, views_classes

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
    # In-person classes and evaluations
    path("classes/", views_classes.class_list, name="classes"),
    path("classes/new/", views_classes.class_new, name="class_new"),
    path("classes/<uuid:public_id>/", views_classes.class_detail, name="class"),
    path("classes/<uuid:public_id>/code/", views_classes.class_code_screen, name="class_code"),
    path("classes/<uuid:public_id>/close/", views_classes.class_close, name="class_close"),
    path("classes/<uuid:public_id>/excuse/", views_classes.class_excuse, name="class_excuse"),
    path(
        "classes/<uuid:public_id>/sign-in.xlsx",
        views_classes.class_export,
        {"fmt": "xlsx"},
        name="class_export_xlsx",
    ),
    path(
        "classes/<uuid:public_id>/sign-in.pdf",
        views_classes.class_export,
        {"fmt": "pdf"},
        name="class_export_pdf",
    ),
    path("classes/<uuid:public_id>/mine/", views_classes.class_mine, name="class_mine"),
    path("classes/<uuid:public_id>/checkin/", views_classes.class_checkin, name="class_checkin"),
    path("classes/<uuid:public_id>/checkout/", views_classes.class_checkout, name="class_checkout"),
    path("classes/<uuid:public_id>/class.ics", views_classes.class_ics_download, name="class_ics"),
    path("classes/<uuid:public_id>/rate/", views_classes.class_rate, name="class_rate"),
    path("classes/person/<str:code>/", views_classes.scan_person, name="scan_person"),
    path("modules/<int:pk>/rate/", views_classes.module_rate, name="module_rate"),
    path("my-code/", views_classes.my_code, name="my_code"),
    path("evaluations/", views_classes.evaluations, name="evaluations"),
]
