"""Skill levels, the certification rules, assessments, certificates and rate snapshots.

The levels offered and the rules (pass mark, required level, validity, card
thresholds, numbering prefix) are configuration rows, edited by administrators,
not code.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organisation.models import Department, Staff

OCCUPATION = "行政办事员"
WORK_TYPE = "政务服务综合窗口办事员"


class SkillLevel(models.Model):
    """A national skill level: 5 (五级/初级工, entry) up to 1 (一级/高级技师).

    A smaller `code` is a higher level.
    """

    code = models.PositiveSmallIntegerField(_("level"), unique=True)
    name = models.CharField(_("name"), max_length=32)
    is_offered = models.BooleanField(_("offered"), default=True)
    requires_review = models.BooleanField(_("comprehensive review required"), default=False)

    class Meta:
        verbose_name = _("skill level")
        verbose_name_plural = _("skill levels")
        ordering = ["-code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__gte=1, code__lte=5),
                name="skill_level_code_1_to_5",
                violation_error_message=_("A skill level is from 1 to 5."),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def is_at_least(self, other: SkillLevel) -> bool:
        return self.code <= other.code


MSG_PERCENT = _("A percentage is between 0 and 100.")
MSG_RED_ABOVE_YELLOW = _(
    "The red card line must not be above the yellow card line (red below 60%, yellow below "
    "90% for example)."
)
MSG_VALIDITY = _("Validity is at least one year; leave it empty for no expiry.")


class CertificationSettings(models.Model):
    """The one row of certification rules (pk is always 1)."""

    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=1, default=60)
    required_level = models.ForeignKey(
        SkillLevel,
        verbose_name=_("level required for the certified rate"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    validity_years = models.PositiveSmallIntegerField(
        _("validity in years"),
        null=True,
        blank=True,
        help_text=_("Leave empty for certificates that do not expire."),
    )
    red_card_below = models.DecimalField(
        _("red card below (%)"), max_digits=5, decimal_places=1, default=60
    )
    yellow_card_below = models.DecimalField(
        _("yellow card below (%)"), max_digits=5, decimal_places=1, default=90
    )
    reminder_days = models.PositiveSmallIntegerField(_("expiry reminder (days ahead)"), default=60)
    assessment_body = models.CharField(_("assessment body"), max_length=100)
    number_prefix = models.CharField(
        _("certificate number prefix"),
        max_length=12,
        help_text=_("Certificate numbers are prefix + year + level + a 6-digit sequence."),
    )
    # --- assessment sittings (认定批次) ---
    eligibility_rule = models.CharField(
        _("who may be proposed for a sitting"),
        max_length=24,
        choices=[
            (
                "exam_or_recommended",
                _("Passed a monthly exam, or recommended by their coordinator"),
            ),
            ("exam", _("Passed a monthly exam")),
            ("recommended", _("Recommended by their coordinator")),
        ],
        default="exam_or_recommended",
    )
    examiners_per_room = models.PositiveSmallIntegerField(
        _("examiners per practical room"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(9)],
    )
    score_spread_threshold = models.DecimalField(
        _("examiners' spread that needs the chief examiner (points)"),
        max_digits=5,
        decimal_places=1,
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )

    class Meta:
        verbose_name = _("certification settings")
        verbose_name_plural = _("certification settings")
        constraints = [
            models.CheckConstraint(
                condition=Q(pk=1),
                name="certification_settings_single_row",
                violation_error_message=_("There is only one set of certification rules."),
            ),
            models.CheckConstraint(
                condition=Q(pass_mark__gte=0, pass_mark__lte=100),
                name="certification_settings_pass_mark_0_100",
                violation_error_message=MSG_PERCENT,
            ),
            models.CheckConstraint(
                condition=Q(red_card_below__gte=0, yellow_card_below__lte=100),
                name="certification_settings_cards_0_100",
                violation_error_message=MSG_PERCENT,
            ),
            models.CheckConstraint(
                condition=Q(red_card_below__lte=models.F("yellow_card_below")),
                name="certification_settings_red_not_above_yellow",
                violation_error_message=MSG_RED_ABOVE_YELLOW,
            ),
            models.CheckConstraint(
                condition=Q(validity_years__isnull=True) | Q(validity_years__gte=1),
                name="certification_settings_validity_at_least_1",
                violation_error_message=MSG_VALIDITY,
            ),
        ]

    def __str__(self) -> str:
        return str(_("Certification settings"))

    def clean(self) -> None:
        """The same rules as the database constraints, each on its field, so the admin,
        a form and the API say what is wrong where it is wrong."""
        errors = {}
        for name in ("pass_mark", "red_card_below", "yellow_card_below"):
            value = getattr(self, name)
            if value is not None and not 0 <= value <= 100:
                errors[name] = ValidationError(MSG_PERCENT, code="percent_range")
        red, yellow = self.red_card_below, self.yellow_card_below
        in_range = "red_card_below" not in errors and "yellow_card_below" not in errors
        if in_range and red is not None and yellow is not None and red > yellow:
            errors["red_card_below"] = ValidationError(
                MSG_RED_ABOVE_YELLOW, code="red_above_yellow"
            )
        if self.validity_years is not None and self.validity_years < 1:
            errors["validity_years"] = ValidationError(MSG_VALIDITY, code="validity")
        if errors:
            raise ValidationError(errors)


class AssessmentStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("assessment status", "In progress")
    PASSED = "passed", _("Passed")
    FAILED = "failed", pgettext_lazy("result", "Failed")


class Assessment(models.Model):
    """One candidate's skill level assessment: theory, practical, and (levels 2 and 1)
    the comprehensive review. `status` follows from them (see services)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    candidate = models.ForeignKey(
        Staff, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="assessments"
    )
    level = models.ForeignKey(SkillLevel, verbose_name=_("level"), on_delete=models.PROTECT)
    assessed_on = models.DateField(_("assessment date"), default=datetime.date.today)
    theory_score = models.DecimalField(
        _("theory score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    theory_source = models.CharField(_("theory score source"), max_length=100, blank=True)
    # The exam engine's attempt id, once theory scores come from it.
    theory_attempt_ref = models.CharField(_("exam attempt"), max_length=64, blank=True)
    # The attempt's score changed (a key correction, a grade) after the certificate was
    # issued: the certificate stands until someone reviews it; this is the new score.
    theory_changed_to = models.DecimalField(
        _("theory score changed after issue"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
    )
    practical_score = models.DecimalField(
        _("practical score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    practical_source = models.CharField(_("practical score source"), max_length=100, blank=True)
    review_passed = models.BooleanField(_("comprehensive review passed"), null=True, blank=True)
    review_note = models.CharField(_("comprehensive review note"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=8,
        choices=AssessmentStatus.choices,
        default=AssessmentStatus.PENDING,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-assessed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(theory_score__isnull=True)
                | Q(theory_score__gte=0, theory_score__lte=100),
                name="assessment_theory_0_100",
                violation_error_message=MSG_PERCENT,
            ),
            models.CheckConstraint(
                condition=Q(practical_score__isnull=True)
                | Q(practical_score__gte=0, practical_score__lte=100),
                name="assessment_practical_0_100",
                violation_error_message=MSG_PERCENT,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate.name} · {self.level}"


class CertificateSource(models.TextChoices):
    ISSUED = "issued", _("Issued here")
    EXTERNAL = "external", _("Obtained elsewhere")


class CertificateStatus(models.TextChoices):
    VALID = "valid", _("Valid")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Certificate(models.Model):
    """A skill level certificate held by a staff member.

    `number` is public (printed); `verification_code` is the unguessable secret that,
    with the number or through the QR code, lets anyone check the certificate.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    verification_code = models.CharField(
        _("verification code"), max_length=32, unique=True, editable=False
    )
    staff = models.ForeignKey(
        Staff, verbose_name=_("holder"), on_delete=models.PROTECT, related_name="certificates"
    )
    assessment = models.OneToOneField(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="certificate"
    )
    source = models.CharField(
        _("source"),
        max_length=8,
        choices=CertificateSource.choices,
        default=CertificateSource.ISSUED,
    )
    level = models.ForeignKey(SkillLevel, verbose_name=_("level"), on_delete=models.PROTECT)
    holder_name = models.CharField(_("name"), max_length=64)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    occupation = models.CharField(_("occupation"), max_length=32, default=OCCUPATION)
    work_type = models.CharField(_("work type"), max_length=32, default=WORK_TYPE)
    issue_date = models.DateField(_("issue date"))
    expires_on = models.DateField(_("valid until"), null=True, blank=True)
    assessment_body = models.CharField(_("assessment body"), max_length=100)
    photo = models.FileField(_("photo"), upload_to="certificates/photos/", blank=True)
    evidence = models.FileField(
        _("scan of the certificate"), upload_to="certificates/evidence/", blank=True
    )
    revoked_on = models.DateField(_("revoked on"), null=True, blank=True)
    revoked_reason = models.CharField(_("reason for revocation"), max_length=200, blank=True)
    expiry_reminder_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The PDF as last rendered, and the hash of the HTML it was made from: a download
    # reads it instead of rendering again until something printed on it changes
    # (certificates.services.pdf_store).
    pdf = models.FileField(upload_to="certificates/pdf/", blank=True, editable=False)
    pdf_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issue_date", "-id"]
        indexes = [models.Index(fields=["staff", "issue_date"])]

    def __str__(self) -> str:
        return f"{self.number} · {self.holder_name}"

    def status_on(self, day: datetime.date) -> str:
        if self.revoked_on is not None and self.revoked_on <= day:
            return CertificateStatus.REVOKED
        if self.expires_on is not None and self.expires_on < day:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    @property
    def status(self) -> str:
        from django.utils import timezone

        return self.status_on(timezone.localdate())

    def get_status_display(self) -> str:
        return str(CertificateStatus(self.status).label)


class CertificateCounter(models.Model):
    """The last sequence number used for (year, level); locked while numbering."""

    year = models.PositiveSmallIntegerField()
    level_code = models.PositiveSmallIntegerField()
    last_value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["year", "level_code"], name="certificate_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year}/{self.level_code}: {self.last_value}"


class Notice(models.Model):
    """An in-app notice for one user (expiry reminders)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificate_notices"
    )
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="notices")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message


class RateSnapshot(models.Model):
    """A unit subtree's certified rate at a month end (totals, never rates, are stored)."""

    department = models.ForeignKey(
        Department, on_delete=models.CASCADE, related_name="rate_snapshots"
    )
    month_end = models.DateField()
    window_staff = models.PositiveIntegerField()
    certified = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["department_id", "month_end"]
        constraints = [
            models.UniqueConstraint(fields=["department", "month_end"], name="rate_snapshot_unique")
        ]
        indexes = [models.Index(fields=["month_end"])]

    def __str__(self) -> str:
        return f"{self.department_id} {self.month_end}: {self.certified}/{self.window_staff}"


class BundleStatus(models.TextChoices):
    PENDING = "pending", _("Being prepared")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class CertificateBundle(models.Model):
    """A ZIP of a unit's certificate PDFs, built in the background."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        max_length=8, choices=BundleStatus.choices, default=BundleStatus.PENDING
    )
    file = models.FileField(upload_to="certificates/bundles/", blank=True)
    count = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.department_id} · {self.get_status_display()}"


from .sitting_models import (  # noqa: E402  (the sitting's models, registered with this app)
    Attendance,
    Candidate,
    CandidateStatus,
    CheckIn,
    ExaminerAssignment,
    PracticalScore,
    ReviewPanelRecord,
    Room,
    Sitting,
)

__all__ = [
    "Assessment",
    "AssessmentStatus",
    "Attendance",
    "BundleStatus",
    "Candidate",
    "CandidateStatus",
    "Certificate",
    "CertificateBundle",
    "CertificateCounter",
    "CertificateSource",
    "CertificateStatus",
    "CertificationSettings",
    "CheckIn",
    "ExaminerAssignment",
    "Notice",
    "PracticalScore",
    "RateSnapshot",
    "ReviewPanelRecord",
    "Room",
    "Sitting",
    "SkillLevel",
]
