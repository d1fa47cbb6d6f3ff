"""The question bank pages, mounted at /exams/bank/."""

from django.urls import path

from . import views_bank

app_name = "exams_bank"

urlpatterns = [
    path("", views_bank.question_list, name="list"),
    path("new/", views_bank.question_new, name="new"),
    path("<uuid:public_id>/", views_bank.question_edit, name="edit"),
    path("import/", views_bank.import_upload, name="import"),
    path("import/confirm/", views_bank.import_confirm, name="import_confirm"),
    path("export.xlsx", views_bank.export, name="export"),
    path("template.xlsx", views_bank.template, name="template"),
]
