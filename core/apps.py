from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Core")

    def ready(self):
        from django.contrib import admin

        from . import checks  # noqa: F401 - registers the deploy checks

        # The admin's titles, set when the apps are ready (not when the URLs are first
        # loaded, so that nothing reads Django's own titles before).
        admin.site.site_header = _("Window staff training and certification: administration")
        admin.site.site_title = _("Window staff training and certification")
        admin.site.index_title = _("Administration")
