from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self):
        from django.contrib.auth import signals

        from . import handlers

        signals.user_logged_in.connect(handlers.on_logged_in, dispatch_uid="audit_login")
        signals.user_login_failed.connect(handlers.on_login_failed, dispatch_uid="audit_fail")
        signals.user_logged_out.connect(handlers.on_logged_out, dispatch_uid="audit_logout")
