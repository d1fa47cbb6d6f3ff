"""Audit entries for sign-in events.

Django reports sign-ins only through its auth signals, so this is the one place where
the project connects to signals (see STYLE.md: "no signals" is for our own follow-up
work, which is always called explicitly).
"""

from audit.services import audit_record


def on_logged_in(sender, request, user, **kwargs):
    audit_record(action="auth.login", actor=user, target=user, request=request)


def on_login_failed(sender, credentials, request=None, **kwargs):
    attempted = str(credentials.get("username") or credentials.get("login") or "")[:64]
    audit_record(
        action="auth.login_failed",
        target_type="accounts.user",
        target_id=attempted,
        request=request,
    )


def on_logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(action="auth.logout", actor=user, target=user, request=request)
