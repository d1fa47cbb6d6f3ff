from allauth.account.adapter import DefaultAccountAdapter

from audit.services import audit_record

from .services import user_password_changed


class AccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created from the staff roster, never by self sign-up.
        return False

    def set_password(self, user, password) -> None:
        # Used by allauth for change, set and reset: every path clears the
        # first-sign-in obligation and leaves an audit entry.
        user.set_password(password)
        user_password_changed(user=user)
        audit_record(
            action="account.password_changed",
            actor=user,
            target=user,
            request=getattr(self, "request", None),
        )
