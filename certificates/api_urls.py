"""REST routes of the certificates app, mounted under /api/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from . import api

router = SimpleRouter()
router.register("certificates/certificates", api.CertificateViewSet, basename="certificate")
router.register("certificates/assessments", api.AssessmentViewSet, basename="assessment")

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
    path("", include(router.urls)),
]
