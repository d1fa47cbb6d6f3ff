from django.urls import path

from . import views

app_name = "roster"

urlpatterns = [
    path("", views.history, name="history"),
    path("upload/", views.upload, name="upload"),
    path("template.xlsx", views.template, name="template"),
    path("<uuid:public_id>/", views.detail, name="detail"),
    path("<uuid:public_id>/status.json", views.status, name="status"),
    path("<uuid:public_id>/commit/", views.commit, name="commit"),
    path("<uuid:public_id>/errors.xlsx", views.error_report, name="error_report"),
    path("<uuid:public_id>/rejected.xlsx", views.rejected_rows, name="rejected_rows"),
    path("<uuid:public_id>/passwords.xlsx", views.initial_passwords, name="initial_passwords"),
]
