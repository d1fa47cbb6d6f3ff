"""In-person classes (集中授课) with QR check-in, and the learners' evaluation of training
(培训满意度). Imported by `training.models`, so Django sees these as the app's models.

Evaluations are anonymous by construction: `EvaluationReceipt` says who answered what
(one answer per person), `EvaluationResponse` holds the answers with no link to the
person, only their unit (for per-unit results, shown from a minimum number of answers).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organisation.models import Department, Staff


class TrainingClass(models.Model):
    """A class given in a room: trainer, venue, time, capacity and who is expected."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    department = models.ForeignKey(
        Department, verbose_name=_("organising unit"), on_delete=models.PROTECT, related_name="+"
    )
    programme = models.ForeignKey(
        "training.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="classes",
    )
    title = models.CharField(_("title"), max_length=160)
    trainer = models.ForeignKey(
        Staff,
        verbose_name=_("trainer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="classes_given",
    )
    trainer_name = models.CharField(_("trainer (outside name)"), max_length=64, blank=True)
    venue = models.CharField(_("venue"), max_length=160)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    knowledge_points = models.JSONField(_("knowledge points"), default=list, blank=True)
    knowledge_point_ids = models.JSONField(default=list, blank=True)
    # The study hours the full class is worth by the programme's credit table.
    hours = models.DecimalField(_("study hours"), max_digits=5, decimal_places=2)
    # Who was asked (kept for the record; the invitations are the attendance rows).
    audience_departments = models.ManyToManyField(
        Department, verbose_name=_("units (with their subtrees)"), blank=True, related_name="+"
    )
    audience_posts = models.JSONField(_("posts"), default=list, blank=True)
    audience_track = models.ForeignKey(
        "training.Track",
        verbose_name=_("track"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("class")
        verbose_name_plural = _("classes")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="class_ends_after_start",
                violation_error_message=_("The class must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1),
                name="class_capacity_positive",
                violation_error_message=_("The capacity must be at least 1."),
            ),
        ]
        indexes = [models.Index(fields=["department", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def trainer_label(self) -> str:
        return self.trainer.name if self.trainer_id else self.trainer_name

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


class CheckInMethod(models.TextChoices):
    QR = "qr", _("Scanned the class code")
    TRAINER = "trainer", _("Scanned by the trainer")


class ClassAttendance(models.Model):
    """One expected person of a class and what they did: check-in, check-out, excuse,
    the seconds present and the hours credited for them."""

    training_class = models.ForeignKey(
        TrainingClass, on_delete=models.CASCADE, related_name="attendances"
    )
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="class_attendances")
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    check_in_method = models.CharField(max_length=8, choices=CheckInMethod.choices, blank=True)
    checked_out_at = models.DateTimeField(_("checked out at"), null=True, blank=True)
    excuse_reason = models.CharField(_("reason for the absence"), max_length=200, blank=True)
    excused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seconds_present = models.PositiveIntegerField(default=0)
    hours_credited = models.DecimalField(max_digits=5, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("class attendance")
        verbose_name_plural = _("class attendances")
        constraints = [
            models.UniqueConstraint(
                fields=["training_class", "staff"], name="class_attendance_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.training_class_id} · {self.staff_id}"


class EvaluationAspect(models.TextChoices):
    CONTENT = "content", _("Content")
    TRAINER = "trainer", _("Trainer")
    ORGANISATION = "organisation", pgettext_lazy("evaluation aspect", "Organisation")
    USEFULNESS = "usefulness", _("Usefulness")
    OTHER = "other", _("Other")


class EvaluationQuestion(models.Model):
    """A 1-5 rating question of the satisfaction questionnaire, kept by the
    administrator. The questionnaire also always has one free-text comment."""

    text = models.CharField(_("question"), max_length=200)
    aspect = models.CharField(
        _("aspect"), max_length=16, choices=EvaluationAspect.choices, default=EvaluationAspect.OTHER
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("evaluation question")
        verbose_name_plural = _("evaluation questions")
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.text


class EvaluationReceipt(models.Model):
    """That a person has answered the questionnaire of a class or a module (not what)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    training_class = models.ForeignKey(
        TrainingClass, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    module = models.ForeignKey(
        "training.WeeklyModule", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    submitted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "training_class"],
                condition=Q(training_class__isnull=False),
                name="evaluation_once_per_class",
            ),
            models.UniqueConstraint(
                fields=["staff", "module"],
                condition=Q(module__isnull=False),
                name="evaluation_once_per_module",
            ),
            models.CheckConstraint(
                condition=Q(training_class__isnull=True) ^ Q(module__isnull=True),
                name="evaluation_receipt_one_target",
                violation_error_message=_("An evaluation is of one class or of one weekly module."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} · {self.training_class_id or self.module_id}"


class EvaluationResponse(models.Model):
    """One anonymous answer: the ratings and the comment, the unit of the person who
    answered and (for a class) its trainer, but not the person."""

    training_class = models.ForeignKey(
        TrainingClass,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    module = models.ForeignKey(
        "training.WeeklyModule",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    trainer_label = models.CharField(max_length=64, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    # The month only: the exact time would pair an answer with its receipt.
    month = models.DateField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(training_class__isnull=True) ^ Q(module__isnull=True),
                name="evaluation_response_one_target",
                violation_error_message=_("An evaluation is of one class or of one weekly module."),
            )
        ]
        indexes = [models.Index(fields=["month"])]

    def __str__(self) -> str:
        return f"{self.training_class_id or self.module_id} · {self.month:%Y-%m}"


class EvaluationRating(models.Model):
    response = models.ForeignKey(
        EvaluationResponse, on_delete=models.CASCADE, related_name="ratings"
    )
    question = models.ForeignKey(EvaluationQuestion, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(5)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="rating_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5),
                name="rating_one_to_five",
                violation_error_message=_("A rating is from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.question_id}: {self.rating}"
