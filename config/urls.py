from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from accounts.api import ObtainTokenView
from accounts.views import large_text_toggle
from core.views import health_live, health_ready
from exams import urls as exams_urls
from organisation import api as organisation_api
from training.views import home

# The admin's own login form bypasses allauth's rate limits; send it through allauth.
admin.autodiscover()
admin.site.login = secure_admin_login(admin.site.login)

handler404 = "core.views.not_found"

router = DefaultRouter()
router.register("departments", organisation_api.DepartmentViewSet, basename="department")
router.register("staff", organisation_api.StaffViewSet, basename="staff")

urlpatterns = [
    path("", home, name="home"),
    # Answered by core.middleware.HealthCheckMiddleware; named here for reverse().
    path("healthz", health_ready, name="healthz"),
    path("healthz/live", health_live, name="healthz-live"),
    path("accounts/large-text/", large_text_toggle, name="large_text_toggle"),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("org/", include("organisation.urls")),
    path("audit/", include("organisation.audit_urls")),
    path("roster/", include("roster.urls")),
    path("exams/manage/", include(exams_urls.manage_patterns)),
    path("exams/bank/", include(exams_urls.bank_patterns)),
    path("exams/", include("exams.urls")),
    path("certificates/", include("certificates.urls")),
    path("training/", include("training.urls")),
    path("notices/", include("notices.urls")),
    path("admin/", admin.site.urls),
    path("api/me/", organisation_api.MeView.as_view(), name="api-me"),
    path("api/auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("api/", include(router.urls)),
    path("api/", include("roster.api_urls")),
    path("api/", include("exams.api_urls")),
    path("api/", include("certificates.api_urls")),
    path("api/", include("training.api_urls")),
    path("api/", include("notices.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
