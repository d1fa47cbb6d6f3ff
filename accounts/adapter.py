import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from django.urls import reverse

from audit.services import audit_record
from core.clientip import client_ip
from core.mail import mail_enqueue

from .lockout import (
    SigninLocked,
    remember_device,
    signin_attempt_start,
    signin_attempt_succeeded,
    signin_lock_clear,
)
from .services import user_password_changed


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created from the staff roster, never by self sign-up.
        return False

    def get_client_ip(self, request) -> str:
        # One notion of the client's address for allauth's limits and ours.
        return client_ip(request) or "unknown"

    def pre_authenticate(self, request, **credentials) -> None:
        # Replaces allauth's per-login counter by the per-person one (lockout.py).
        login = str(credentials.get("username") or credentials.get("login") or "")
        try:
            self._signin_attempt = signin_attempt_start(request, login=login)
        except SigninLocked:
            self._signin_attempt = None
            raise self.validation_error("too_many_login_attempts") from None

    def authenticate(self, request, **credentials):
        """Check a password (sign-in page, admin and API token alike)."""
        user = super().authenticate(request, **credentials)
        if user is not None and self._signin_attempt is not None:
            signin_attempt_succeeded(self._signin_attempt)
        return user

    def send_mail(self, template_prefix, email, context) -> None:
        """As allauth's, but the message leaves in the background with retries, so
        the page answers the same whether the mail server is reachable or not."""
        from allauth.core import context as allauth_context
        from django.contrib.sites.shortcuts import get_current_site

        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        mail_enqueue(self.render_mail(template_prefix, email, ctx))

    def post_login(self, request, user, **kwargs):
        response = super().post_login(request, user, **kwargs)
        remember_device(request, response, user)
        return response

    def set_password(self, user, password) -> None:
        # Used by allauth for change, set and reset: every path clears the
        # first-sign-in obligation and leaves an audit entry. A reset (a one-time
        # link to the person's mail) also lifts a sign-in lock on the account.
        user.set_password(password)
        user_password_changed(user=user)
        signin_lock_clear(user=user)
        audit_record(
            action="account.password_changed",
            actor=user,
            target=user,
            request=getattr(self, "request", None),
        )

    def get_password_change_redirect_url(self, request) -> str:
        # After a change (the first sign-in's above all) go home, not back to the form.
        return reverse("home")

    def add_message(self, request, level, message_template=None, message_context=None, **kwargs):
        # A first sign-in goes straight to the password page, which says why; a
        # "signed in as ..." banner there only confuses.
        user = (message_context or {}).get("user") or getattr(request, "user", None)
        if message_template == "account/messages/logged_in.txt" and getattr(
            user, "must_change_password", False
        ):
            return
        super().add_message(request, level, message_template, message_context, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        # allauth counts only an explicit "confirm access" as recent, so an administrator
        # setting up two-factor right after signing in typed the password twice in a row.
        # A password sign-in within the same window counts as confirmation.
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = getattr(self, "request", None)
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return True
        now = time.time()
        return not any(
            record.get("method") == "password"
            and now - record.get("at", 0) < account_settings.REAUTHENTICATION_TIMEOUT
            for record in get_authentication_records(request, user)
        )
