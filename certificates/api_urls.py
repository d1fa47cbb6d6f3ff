"""REST routes of the certificates app, mounted under /api/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api, sitting_api

router = SimpleRouter()
router.register("certificates/certificates", api.CertificateViewSet, basename="certificate")
router.register("certificates/assessments", api.AssessmentViewSet, basename="assessment")
router.register("certificates/sittings", sitting_api.SittingViewSet, basename="sitting")

urlpatterns = [
    # Public, no sign-in (the accounts middleware exempts /api/public/).
    path(
        "public/certificates/verify/", api.PublicVerifyView.as_view(), name="api-certificate-verify"
    ),
    path(
        "public/certificates/v/<str:code>/",
        api.PublicVerifyCodeView.as_view(),
        name="api-certificate-verify-code",
    ),
    path(
        "certificates/rates/<int:department_id>/",
        api.RatesView.as_view(),
        name="api-certificate-rates",
    ),
    path(
        "certificates/examiner/rooms/",
        sitting_api.ExaminerRoomsView.as_view(),
        name="api-examiner-rooms",
    ),
    path("", include(router.urls)),
]
