from django.urls import path

from . import views

app_name = "organisation"

urlpatterns = [
    path("units/", views.unit_list, name="unit_list"),
    path("units/<int:department_id>/", views.unit_detail, name="unit_detail"),
    path("units/<int:department_id>/staff/new/", views.staff_create, name="staff_create"),
    path("staff/<uuid:public_id>/", views.staff_detail, name="staff_detail"),
    path("staff/<uuid:public_id>/reveal/", views.staff_reveal_id_number, name="staff_reveal"),
    path(
        "staff/<uuid:public_id>/password/", views.staff_issue_password, name="staff_issue_password"
    ),
]
