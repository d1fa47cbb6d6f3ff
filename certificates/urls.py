from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("", views.index, name="index"),
    # Public, no sign-in: the verification page and the QR code's link.
    path("verify/", views.verify, name="verify"),
    path("v/<str:code>/", views.verify_code, name="verify_code"),
    path("c/<uuid:public_id>/", views.certificate_detail, name="detail"),
    path("c/<uuid:public_id>/pdf/", views.certificate_pdf, name="pdf"),
    path("c/<uuid:public_id>/revoke/", views.certificate_revoke, name="revoke"),
    path("c/<uuid:public_id>/evidence/", views.evidence_download, name="evidence"),
    path("units/<int:department_id>/", views.unit_certificates, name="unit_certificates"),
    path("units/<int:department_id>/gap/", views.unit_gap, name="gap"),
    path("units/<int:department_id>/bundle/", views.bundle_request, name="bundle_request"),
    path("bundles/<uuid:public_id>/", views.bundle_detail, name="bundle"),
    path("assessments/", views.assessment_list, name="assessments"),
    path("assessments/import/", views.practical_import, name="import"),
    path(
        "assessments/import/template.xlsx",
        views.practical_import_template,
        name="import_template",
    ),
    path("assessments/<uuid:public_id>/", views.assessment_detail, name="assessment_detail"),
    path("external/new/", views.external_create, name="external_new"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/<int:department_id>/", views.dashboard_unit, name="dashboard_unit"),
    path(
        "dashboard/<int:department_id>/export.xlsx",
        views.dashboard_xlsx_export,
        name="dashboard_xlsx",
    ),
    path(
        "dashboard/<int:department_id>/report.pdf",
        views.dashboard_pdf_export,
        name="dashboard_pdf",
    ),
]
