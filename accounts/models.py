from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A sign-in account. The username is the staff number.

    Staff details (unit, ID number, mobile) live on `organisation.Staff`, linked
    one-to-one; administrators may have an account without a staff record.
    """

    must_change_password = models.BooleanField(
        _("must change password at next sign-in"), default=False
    )
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True)
    # The elder-friendly mode (适老化): larger text, stronger contrast, bigger targets.
    large_text = models.BooleanField(_("large text mode"), default=False)

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.get_full_name() or self.username
