"""The training cycle: programmes, tracks, enrolment, weekly modules, lessons,
video progress, study hours, notifications, monthly exams and special guidance.

Exam-engine objects (exam sessions, practice sets, knowledge points) are referred to
by id only, through `training.exams_adapter`, so this app works before and after the
exam engine is present and never reaches into its tables directly.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from organisation.models import Department, Staff


class Programme(models.Model):
    """A year's training programme, owned by a unit (scoping) and configured with
    its study-hour rules, thresholds and reminder policy."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    year = models.PositiveSmallIntegerField(_("year"))
    department = models.ForeignKey(
        Department, verbose_name=_("owning unit"), on_delete=models.PROTECT, related_name="+"
    )
    annual_hours_target = models.DecimalField(
        _("annual study-hour target"), max_digits=6, decimal_places=1, default=Decimal("40")
    )
    # Study-hour credit table (学时), as cadre online-learning platforms do: the time
    # really spent on one lesson (video watched, or text read with the page visible)
    # earns the hours of the highest tier it reaches: `lesson_minutes_per_credit` (30)
    # minutes or more `lesson_credit_hours` (1), `lesson_short_minutes` (15) or more
    # `lesson_short_hours` (0.5), `lesson_brief_minutes` (1) or more
    # `lesson_brief_hours` (0.25); a passed weekly quiz earns `quiz_credit_hours`.
    lesson_minutes_per_credit = models.PositiveSmallIntegerField(
        _("minutes of a lesson for the full credit"), default=30, validators=[MinValueValidator(1)]
    )
    lesson_credit_hours = models.DecimalField(
        _("study hours of the full lesson credit"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("1"),
    )
    lesson_short_minutes = models.PositiveSmallIntegerField(
        _("minutes of a lesson for the middle credit"), default=15
    )
    lesson_short_hours = models.DecimalField(
        _("study hours of the middle lesson credit"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.5"),
    )
    lesson_brief_minutes = models.PositiveSmallIntegerField(
        _("minutes of a lesson for the smallest credit"), default=1
    )
    lesson_brief_hours = models.DecimalField(
        _("study hours of the smallest lesson credit"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.25"),
    )
    quiz_credit_hours = models.DecimalField(
        _("study hours per passed weekly quiz"),
        max_digits=4,
        decimal_places=1,
        default=Decimal("0.5"),
    )
    quiz_pass_score = models.PositiveSmallIntegerField(
        _("weekly quiz pass score"), default=60, validators=[MaxValueValidator(100)]
    )
    weak_point_threshold = models.PositiveSmallIntegerField(
        _("weak knowledge point below (score %)"), default=60, validators=[MaxValueValidator(100)]
    )
    monthly_exam_pass_score = models.PositiveSmallIntegerField(
        _("monthly exam pass score"), default=60, validators=[MaxValueValidator(100)]
    )
    escalate_after_days = models.PositiveSmallIntegerField(
        _("escalate to the manager after (days overdue)"), default=7
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-year", "name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        if not (
            self.lesson_minutes_per_credit > self.lesson_short_minutes > self.lesson_brief_minutes
        ) or not (self.lesson_credit_hours >= self.lesson_short_hours >= self.lesson_brief_hours):
            raise ValidationError(
                _("The credit tiers must rise: more minutes for each tier, never fewer hours.")
            )

    def credit_for_seconds(self, seconds: float) -> Decimal:
        """The study hours the credit table gives for this much time on one lesson."""
        minutes = (seconds or 0) / 60
        for tier_minutes, hours in (
            (self.lesson_minutes_per_credit, self.lesson_credit_hours),
            (self.lesson_short_minutes, self.lesson_short_hours),
            (self.lesson_brief_minutes, self.lesson_brief_hours),
        ):
            if tier_minutes and minutes >= tier_minutes:
                return Decimal(hours)
        return Decimal(0)


class Tier(models.TextChoices):
    NEW_STAFF = "new", _("New staff")
    IN_SERVICE = "in_service", _("In service")
    REFRESHER = "refresher", _("Refresher for the certified")


class LevelHeld(models.TextChoices):
    ANY = "any", _("Anyone")
    UNCERTIFIED = "uncertified", _("Not yet certified")
    CERTIFIED = "certified", _("Certified")


class Track(models.Model):
    """A tier/category of a programme, with the audience rules that decide who is in it."""

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="tracks"
    )
    name = models.CharField(_("name"), max_length=120)
    tier = models.CharField(_("tier"), max_length=16, choices=Tier.choices)
    target_level = models.PositiveSmallIntegerField(
        _("target skill level"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("5 = entry level (五级), 1 = highest (一级)."),
    )
    # Audience rules. Empty = no restriction on that dimension.
    departments = models.ManyToManyField(
        Department,
        verbose_name=_("units (with their subtrees)"),
        blank=True,
        related_name="+",
    )
    posts = models.JSONField(_("posts"), default=list, blank=True)
    window_staff_only = models.BooleanField(_("window staff only"), default=True)
    level_held = models.CharField(
        _("certificate held"), max_length=16, choices=LevelHeld.choices, default=LevelHeld.ANY
    )
    hired_within_days = models.PositiveIntegerField(
        _("hired within (days)"),
        null=True,
        blank=True,
        help_text=_("For new-staff tracks: only people hired within this many days."),
    )

    class Meta:
        verbose_name = _("track")
        verbose_name_plural = _("tracks")
        ordering = ["programme_id", "id"]

    def __str__(self) -> str:
        return f"{self.programme} · {self.name}"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "active", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Enrolment(models.Model):
    """One person in one track. Never deleted: a leaver is withdrawn, keeping history."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="enrolments")
    track = models.ForeignKey(Track, on_delete=models.CASCADE, related_name="enrolments")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ACTIVE,
    )
    enrolled_at = models.DateTimeField(_("enrolled at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_reason = models.CharField(_("reason"), max_length=120, blank=True)
    # Set when a coordinator assigned the person by hand (not by the track's audience
    # rules): the roster sync then keeps the enrolment unless the person leaves.
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["staff", "track"], name="enrolment_staff_track_unique")
        ]
        indexes = [models.Index(fields=["track", "status"])]

    def __str__(self) -> str:
        return f"{self.staff} · {self.track}"


class CompletionRule(models.TextChoices):
    LESSONS = "lessons", _("All lessons completed")
    LESSONS_AND_QUIZ = "lessons_quiz", _("All lessons completed and the quiz passed")
    QUIZ = "quiz", _("The quiz passed")


class WeeklyModule(models.Model):
    track = models.ForeignKey(
        Track, verbose_name=_("track"), on_delete=models.CASCADE, related_name="modules"
    )
    week = models.PositiveSmallIntegerField(_("week"))
    title = models.CharField(_("title"), max_length=160)
    summary = models.TextField(_("summary"), blank=True)
    starts_on = models.DateField(_("starts on"))
    due_on = models.DateField(_("due on"))
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    knowledge_points = models.JSONField(_("knowledge points"), default=list, blank=True)
    knowledge_point_ids = models.JSONField(default=list, blank=True)
    completion_rule = models.CharField(
        _("completion rule"),
        max_length=16,
        choices=CompletionRule.choices,
        default=CompletionRule.LESSONS_AND_QUIZ,
    )
    # The exam engine's practice set and weekly quiz session (ids only, see exams_adapter).
    practice_set_id = models.PositiveBigIntegerField(null=True, blank=True)
    quiz_session_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("weekly module")
        verbose_name_plural = _("weekly modules")
        ordering = ["track_id", "week"]
        constraints = [
            models.UniqueConstraint(fields=["track", "week"], name="module_track_week_unique"),
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("starts_on")),
                name="module_due_after_start",
                violation_error_message=_("The due date cannot be before the start date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.week}. {self.title}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def needs_quiz(self) -> bool:
        return self.completion_rule in (CompletionRule.LESSONS_AND_QUIZ, CompletionRule.QUIZ)

    @property
    def needs_lessons(self) -> bool:
        return self.completion_rule in (CompletionRule.LESSONS, CompletionRule.LESSONS_AND_QUIZ)


def _lesson_upload(instance, filename: str) -> str:
    return f"training/lessons/{uuid.uuid4().hex}/{filename[-80:]}"


class Lesson(models.Model):
    module = models.ForeignKey(
        WeeklyModule, verbose_name=_("module"), on_delete=models.CASCADE, related_name="lessons"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    title = models.CharField(_("title"), max_length=160)
    # Always stored sanitised (training.content.sanitise_html, in lesson_save).
    body_html = models.TextField(_("text"), blank=True)
    video = models.FileField(_("video file"), upload_to=_lesson_upload, blank=True)
    video_url = models.URLField(_("video address"), blank=True)
    video_seconds = models.PositiveIntegerField(_("video duration (seconds)"), default=0)

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")
        ordering = ["module_id", "order", "id"]

    def __str__(self) -> str:
        return self.title

    @property
    def has_video(self) -> bool:
        return bool(self.video or self.video_url) and self.video_seconds > 0

    @property
    def video_src(self) -> str:
        if self.video:
            return self.video.url
        return self.video_url

    @property
    def required_seconds(self) -> int:
        """Watched time that completes the lesson: 90% of the video."""
        return int(self.video_seconds * 0.9)


class LessonAttachment(models.Model):
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="attachments")
    title = models.CharField(_("title"), max_length=160)
    file = models.FileField(_("PDF file"), upload_to=_lesson_upload)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.title


class LessonProgress(models.Model):
    """Server-side accounting of one person's study of one lesson.

    `watched_seconds` only grows through `lesson_heartbeat`, which credits wall-clock
    time actually elapsed between heartbeats, while the page was visible and the user
    active, and only when the playback position advanced by about that time.
    """

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    watched_seconds = models.FloatField(default=0)
    last_position = models.FloatField(default=0)
    last_heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Time really spent reading a text lesson (page visible, user active), from the
    # reading heartbeats; one lesson at a time per person.
    read_seconds = models.FloatField(default=0)
    last_read_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "lesson"], name="lesson_progress_unique")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id} · {self.lesson_id}"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class ModuleCompletion(models.Model):
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="module_completions")
    module = models.ForeignKey(WeeklyModule, on_delete=models.CASCADE, related_name="completions")
    quiz_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    quiz_passed_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "module"], name="module_completion_unique")
        ]
        indexes = [models.Index(fields=["module", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.staff_id} · {self.module_id}"


class CreditSource(models.TextChoices):
    LESSON = "lesson", _("Lesson")
    QUIZ = "quiz", _("Weekly quiz")
    GUIDANCE = "guidance", _("Guidance")
    CLASS = "class", _("Class")


class StudyHourCredit(models.Model):
    """One credited portion of study hours. `source_key` makes crediting idempotent:
    the same lesson block or quiz can never be credited twice."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="study_hours")
    year = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=16, choices=CreditSource.choices)
    source_key = models.CharField(max_length=64)
    hours = models.DecimalField(max_digits=6, decimal_places=2)  # the credit table has 0.25
    credited_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "source_key"], name="study_hour_once")
        ]
        indexes = [models.Index(fields=["staff", "year"])]

    def __str__(self) -> str:
        return f"{self.staff_id} · {self.source_key} · {self.hours}"


class Notification(models.Model):
    """An in-app notification. `key` makes each reminder or escalation happen once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_notifications"
    )
    key = models.CharField(max_length=120)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="notification_once")]

    def __str__(self) -> str:
        return self.title


class MonthlyExam(models.Model):
    """The exam session a programme created for one month (and its make-up sitting)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="monthly_exams")
    month = models.DateField(_("month"), help_text=_("First day of the month."))
    exam_session_id = models.PositiveBigIntegerField(null=True, blank=True)
    makeup_session_id = models.PositiveBigIntegerField(null=True, blank=True)
    guidance_generated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("monthly exam")
        verbose_name_plural = _("monthly exams")
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "month"], name="monthly_exam_once")
        ]

    def __str__(self) -> str:
        return f"{self.programme} · {self.month:%Y-%m}"


class GuidanceStatus(models.TextChoices):
    OPEN = "open", _("Guidance in progress")
    CLOSED = "closed", _("Closed: follow-up passed")
    CONTINUED = "continued", _("Continued into the next cycle")


class GuidancePlan(models.Model):
    """Special guidance (专项指导) for one person after one monthly exam."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="guidance_plans")
    monthly_exam = models.ForeignKey(
        MonthlyExam, on_delete=models.CASCADE, related_name="guidance_plans"
    )
    previous = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    failed_exam = models.BooleanField(_("failed the monthly exam"), default=False)
    exam_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    # [{"id": 3, "name": "政务服务平台", "score": 42.0}, ...]
    weak_points = models.JSONField(_("weak knowledge points"), default=list)
    lessons = models.ManyToManyField(Lesson, blank=True, related_name="+")
    practice_set_id = models.PositiveBigIntegerField(null=True, blank=True)
    followup_session_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Why the follow-up check could not be drawn as asked (told to the coordinator too).
    followup_note = models.TextField(_("about the follow-up check"), blank=True)
    mentor = models.ForeignKey(
        Staff,
        verbose_name=_("mentor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="mentored_plans",
    )
    mentor_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("mentor (coordinator)"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=GuidanceStatus.choices, default=GuidanceStatus.OPEN
    )
    followup_score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("guidance plan")
        verbose_name_plural = _("guidance plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "monthly_exam"], name="guidance_plan_once")
        ]

    def __str__(self) -> str:
        return f"{self.staff} · {self.monthly_exam}"

    @property
    def weak_point_names(self) -> list[str]:
        return [p.get("name", "") for p in self.weak_points]

    def open_lessons(self):
        """The plan's lessons its learner can open: in published modules of tracks they
        are actively enrolled in (a link to any other would be a dead end)."""
        return (
            self.lessons.filter(
                module__published_at__isnull=False,
                module__track__enrolments__staff_id=self.staff_id,
                module__track__enrolments__status=EnrolmentStatus.ACTIVE,
            )
            .select_related("module")
            .distinct()
            .order_by("module__starts_on", "order")
        )

    @property
    def exam_title(self) -> str:
        """The title of the exam the plan was made from, as the learner saw it."""
        from exams.models import ExamSession

        session_id = self.monthly_exam.exam_session_id
        if not session_id:
            return ""
        title = ExamSession.objects.filter(pk=session_id).values_list("title", flat=True)
        return title.first() or ""

    @property
    def mentor_label(self) -> str:
        if self.mentor_id:
            return self.mentor.name
        if self.mentor_user_id:
            return self.mentor_user.get_full_name() or self.mentor_user.get_username()
        return ""


class MentorSession(models.Model):
    plan = models.ForeignKey(GuidancePlan, on_delete=models.CASCADE, related_name="sessions")
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)
    attendees = models.ManyToManyField(Staff, verbose_name=_("attendees"), related_name="+")
    notes = models.TextField(_("notes"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mentor session")
        verbose_name_plural = _("mentor sessions")
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return f"{self.held_on} · {self.topic}"


# In-person classes and evaluations live in their own module (imported here so that
# Django registers them with the app).
from .models_classes import (  # noqa: E402, F401
    CheckInMethod,
    ClassAttendance,
    EvaluationAspect,
    EvaluationQuestion,
    EvaluationRating,
    EvaluationReceipt,
    EvaluationResponse,
    TrainingClass,
)
