"""The organisation: units in a tree, the staff who work in them, and roles."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node

from .crypto import decrypt_id_number


class DepartmentKind(models.TextChoices):
    CITY = "city", _("City")
    CITY_DEPARTMENT = "city_department", _("City department")
    SERVICE_CENTRE = "service_centre", _("Service centre")
    COUNTY = "county", _("County / district")
    COUNTY_DEPARTMENT = "county_department", _("County department")
    TOWNSHIP = "township", _("Township / sub-district")


class Department(MP_Node):
    """A unit. `path` (materialised path, from django-treebeard) makes every subtree
    a single indexed prefix query: `path LIKE '<root path>%'`."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=DepartmentKind.choices)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def subtree_q(self, prefix: str = "") -> Q:
        """A filter for rows whose department is this unit or below it."""
        return Q(**{f"{prefix}path__startswith": self.path})


class StaffStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    LEFT = "left", _("Left")


class Staff(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=64)
    id_number_encrypted = models.TextField(_("ID number (encrypted)"))
    # Empty (NULL) once the person's personal data has been erased after they left
    # (roster.services.retention); the name and certificates stay.
    id_number_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    staff_number = models.CharField(_("staff number"), max_length=32, unique=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="staff"
    )
    post = models.CharField(_("post"), max_length=64, blank=True)
    is_window_staff = models.BooleanField(_("window staff"), default=True)
    status = models.CharField(
        _("status"), max_length=8, choices=StaffStatus.choices, default=StaffStatus.ACTIVE
    )
    hire_date = models.DateField(_("hire date"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    personal_data_erased_at = models.DateTimeField(
        _("personal data erased at"), null=True, blank=True, editable=False
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["department_id", "staff_number"]
        indexes = [models.Index(fields=["department", "status", "is_window_staff"])]
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"], condition=~Q(mobile=""), name="staff_mobile_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.staff_number})"

    @property
    def is_active(self) -> bool:
        return self.status == StaffStatus.ACTIVE

    def reveal_id_number(self) -> str:
        """The full number. Callers must be allowed to see it and must audit it
        (see organisation.services.staff_reveal_id_number). Empty once erased."""
        if not self.id_number_encrypted:
            return ""
        return decrypt_id_number(self.id_number_encrypted)


class Role(models.TextChoices):
    COORDINATOR = "coordinator", _("Training coordinator")
    MANAGER = "manager", _("Manager")
    ADMINISTRATOR = "administrator", _("Administrator")
    # 考评员: scores the practical part of an assessment sitting in the rooms they are
    # assigned to; the role alone reads no unit's data.
    EXAMINER = "examiner", _("Examiner")


class RoleAssignment(models.Model):
    """A role bound to a unit; it covers the unit's whole subtree."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "department"], name="role_assignment_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.department}"
