"""The assessment sitting (认定批次): rooms and seats, candidates and their admission
tickets (准考证), check-in at the door, examiners scoring the practical per rubric
criterion, the chief examiner's sign-off and the review panel of levels 2 and 1.

Imported by `certificates.models`, so these are models of the certificates app. The
rules live in `certificates.services.sittings`; these classes only state facts.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from exams.models import ExamSession, Question
from organisation.models import Department, Staff


class Sitting(models.Model):
    """One sitting for one level: the theory part (a computer-based exam session of the
    exam engine) and the practical part (scenario tasks scored by examiners)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    level = models.ForeignKey(
        "certificates.SkillLevel", verbose_name=_("level"), on_delete=models.PROTECT
    )
    department = models.ForeignKey(
        Department, verbose_name=_("organised by"), on_delete=models.PROTECT, related_name="+"
    )
    theory_starts_at = models.DateTimeField(_("theory starts"))
    theory_ends_at = models.DateTimeField(_("theory ends"))
    practical_starts_at = models.DateTimeField(_("practical starts"))
    practical_ends_at = models.DateTimeField(_("practical ends"))
    confirm_by = models.DateField(_("units confirm their candidates by"))
    theory_session = models.ForeignKey(
        ExamSession,
        verbose_name=_("theory exam"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tasks = models.ManyToManyField(
        Question, verbose_name=_("practical tasks"), blank=True, related_name="+"
    )
    seating_seed = models.BigIntegerField(null=True, blank=True, editable=False)
    seated_at = models.DateTimeField(null=True, blank=True)
    results_at = models.DateTimeField(_("results reviewed"), null=True, blank=True)
    issue_requested_at = models.DateTimeField(null=True, blank=True)
    issue_finished_at = models.DateTimeField(null=True, blank=True)
    issue_total = models.PositiveIntegerField(default=0)
    issue_done = models.PositiveIntegerField(default=0)
    issue_errors = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("assessment sitting")
        verbose_name_plural = _("assessment sittings")
        ordering = ["-theory_starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(theory_ends_at__gt=models.F("theory_starts_at"))
                & Q(practical_ends_at__gt=models.F("practical_starts_at")),
                name="sitting_times_in_order",
                violation_error_message=_("Each part must end after it starts."),
            )
        ]

    def __str__(self) -> str:
        return self.title


class Room(models.Model):
    """A room (考场) of a sitting with its seats 1..capacity."""

    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="rooms")
    number = models.PositiveSmallIntegerField(_("room number"))
    name = models.CharField(_("place"), max_length=100)
    capacity = models.PositiveSmallIntegerField(_("seats"))
    signed_off_at = models.DateTimeField(_("signed off"), null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["sitting_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "number"], name="room_number_unique"),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=500),
                name="room_capacity_1_500",
                violation_error_message=_("A room has from 1 to 500 seats."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number:02d} {self.name}"

    @property
    def is_signed_off(self) -> bool:
        return self.signed_off_at is not None


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    CONFIRMED = "confirmed", _("Confirmed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Attendance(models.TextChoices):
    UNKNOWN = "", pgettext_lazy("attendance", "Not yet")
    PRESENT = "present", _("Present")
    ABSENT = "absent", _("Absent")


class Candidate(models.Model):
    """A person registered for a sitting, with their seat and admission ticket."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    sitting = models.ForeignKey(Sitting, on_delete=models.CASCADE, related_name="candidates")
    staff = models.ForeignKey(
        Staff, verbose_name=_("candidate"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.PROPOSED,
    )
    recommended = models.BooleanField(_("recommended by their coordinator"), default=False)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason for withdrawal"), max_length=200, blank=True)
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidates",
    )
    seat = models.PositiveSmallIntegerField(_("seat"), null=True, blank=True)
    ticket_number = models.CharField(
        _("ticket number"), max_length=20, null=True, blank=True, unique=True
    )
    attendance = models.CharField(
        _("attendance"), max_length=8, choices=Attendance.choices, default="", blank=True
    )
    # The examiners' mean (out of 100) once every examiner of the room has scored.
    practical_score = models.DecimalField(
        _("practical score"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    spread = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    flagged = models.BooleanField(_("needs the chief examiner"), default=False)
    flag_note = models.CharField(_("chief examiner's note"), max_length=200, blank=True)
    flag_resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessment = models.OneToOneField(
        "certificates.Assessment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sitting_candidate",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["sitting_id", "room__number", "seat", "id"]
        constraints = [
            models.UniqueConstraint(fields=["sitting", "staff"], name="candidate_once_per_sitting"),
            models.UniqueConstraint(fields=["room", "seat"], name="candidate_seat_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.staff.name} · {self.ticket_number or '-'}"

    @property
    def is_resolved(self) -> bool:
        return not self.flagged or self.flag_resolved_by_id is not None


class ExaminerAssignment(models.Model):
    """An examiner (考评员) in a room; one of them is the chief examiner (考评组长)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="examiners")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="examiner_assignments"
    )
    is_chief = models.BooleanField(_("chief examiner"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("examiner assignment")
        verbose_name_plural = _("examiner assignments")
        ordering = ["room_id", "-is_chief", "id"]
        constraints = [
            models.UniqueConstraint(fields=["room", "user"], name="examiner_once_per_room"),
            models.UniqueConstraint(
                fields=["room"], condition=Q(is_chief=True), name="one_chief_per_room"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room} · {self.user}"


class PracticalScore(models.Model):
    """One examiner's points for one rubric criterion of one task for one candidate."""

    candidate = models.ForeignKey(Candidate, on_delete=models.CASCADE, related_name="scores")
    examiner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    task = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    criterion = models.PositiveSmallIntegerField()
    points = models.DecimalField(max_digits=5, decimal_places=1)
    max_points = models.DecimalField(max_digits=5, decimal_places=1)
    scored_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["candidate_id", "examiner_id", "task_id", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "examiner", "task", "criterion"],
                name="practical_score_once",
            ),
            models.CheckConstraint(
                condition=Q(points__gte=0, points__lte=models.F("max_points")),
                name="practical_score_within_rubric",
                violation_error_message=_("A score is outside the rubric."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id}/{self.examiner_id}/{self.task_id}#{self.criterion}"


class CheckIn(models.Model):
    """A candidate let in at the door (by scanning the ticket or typing its number)."""

    candidate = models.OneToOneField(Candidate, on_delete=models.CASCADE, related_name="check_in")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    at = models.DateTimeField()
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    method = models.CharField(max_length=8, default="scan")

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")

    def __str__(self) -> str:
        return f"{self.candidate_id} @ {self.at:%H:%M}"


class ReviewPanelRecord(models.Model):
    """The comprehensive review (综合评审) of a level 2 or 1 candidate by a panel."""

    candidate = models.OneToOneField(
        Candidate, on_delete=models.CASCADE, related_name="review_panel"
    )
    panel = models.CharField(_("panel members"), max_length=200)
    passed = models.BooleanField(_("passed"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review panel record")
        verbose_name_plural = _("review panel records")

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.passed}"
