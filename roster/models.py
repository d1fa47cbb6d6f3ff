"""One uploaded roster file and what became of it (the import history)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from organisation.models import Department


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting to be checked")
    CHECKING = "checking", _("Checking")
    REFUSED = "refused", _("File refused")
    INVALID = "invalid", _("Rows have errors")
    READY = "ready", _("Checked, ready to import")
    COMMITTING = "committing", _("Importing")
    COMMITTED = "committed", _("Imported")
    FAILED = "failed", _("Failed")


RUNNING_STATUSES = (ImportStatus.QUEUED, ImportStatus.CHECKING, ImportStatus.COMMITTING)


class RosterImport(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("unit"),
        help_text=_("The uploader's unit: the import is visible to whoever manages it."),
        on_delete=models.PROTECT,
        related_name="+",
    )
    filename = models.CharField(_("file name"), max_length=255)
    # The upload, encrypted (it holds ID numbers): see roster.storage.
    file = models.FileField(_("file"), upload_to="roster/", blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    sync_mode = models.BooleanField(_("sync mode"), default=False)
    confirm_transfers = models.BooleanField(_("transfers confirmed"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    error_code = models.CharField(_("error code"), max_length=40, blank=True)
    message = models.TextField(_("message"), blank=True)
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_done = models.PositiveIntegerField(_("rows done"), default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    # Fernet token of the one-time initial passwords; emptied on first download.
    initial_passwords = models.TextField(blank=True, editable=False)
    initial_passwords_downloaded_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("imported at"), null=True, blank=True)

    class Meta:
        verbose_name = _("roster import")
        verbose_name_plural = _("roster imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["department", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING_STATUSES

    @property
    def percent(self) -> int:
        if not self.rows_total:
            return 0
        return min(100, round(100 * self.rows_done / self.rows_total))

    @property
    def counts(self) -> dict:
        return (self.report or {}).get("counts", {})

    @property
    def has_initial_passwords(self) -> bool:
        return bool(self.initial_passwords)
