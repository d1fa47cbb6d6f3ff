from django.urls import path

from . import sitting_views as sv
from . import views

S = "sittings/<uuid:public_id>/"
C = S + "candidates/<uuid:candidate_id>/"
R = S + "rooms/<int:number>/"

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
    # Assessment sittings (认定批次)
    path("sittings/", sv.sitting_list, name="sittings"),
    path("sittings/examine/", sv.examine, name="examine"),
    path("sittings/tickets/<uuid:candidate_id>.pdf", sv.my_ticket, name="my_ticket"),
    path(S, sv.sitting_detail, name="sitting"),
    path(S + "rooms/", sv.sitting_room_add, name="sitting_room_add"),
    path(S + "propose/", sv.sitting_propose, name="sitting_propose"),
    path(S + "theory/", sv.sitting_theory, name="sitting_theory"),
    path(S + "seat/", sv.sitting_seat, name="sitting_seat"),
    path(S + "examiners/", sv.sitting_examiner, name="sitting_examiner"),
    path(S + "tickets.pdf", sv.sitting_tickets, {"fmt": "pdf"}, name="sitting_tickets_pdf"),
    path(S + "tickets.zip", sv.sitting_tickets, {"fmt": "zip"}, name="sitting_tickets_zip"),
    path(S + "results/", sv.sitting_results, name="sitting_results"),
    path(S + "results.xlsx", sv.sitting_results_xlsx, name="sitting_results_xlsx"),
    path(S + "issue/", sv.sitting_issue, name="sitting_issue"),
    path(C + "confirm/", sv.candidate_confirm, name="candidate_confirm"),
    path(C + "withdraw/", sv.candidate_withdraw, name="candidate_withdraw"),
    path(C + "seat/", sv.candidate_seat, name="candidate_seat"),
    path(C + "review/", sv.candidate_review, name="candidate_review"),
    path(C + "ticket.pdf", sv.candidate_ticket, name="candidate_ticket"),
    path(R + "sign-in.xlsx", sv.room_sign_in, {"fmt": "xlsx"}, name="room_sign_in_xlsx"),
    path(R + "sign-in.pdf", sv.room_sign_in, {"fmt": "pdf"}, name="room_sign_in_pdf"),
    path(R + "door/", sv.door, name="door"),
    path(R + "door/absences/", sv.door_absences, name="door_absences"),
    path(R + "score/", sv.score_room, name="score_room"),
    path(R + "score/<uuid:candidate_id>/", sv.score_candidate, name="score_candidate"),
    path(R + "score/<uuid:candidate_id>/resolve/", sv.flag_resolve, name="flag_resolve"),
    path(R + "sign-off/", sv.room_sign_off, name="room_sign_off"),
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
