"""The exam engine: question bank, exam sessions, attempts with a frozen copy of what
was asked, practice and the mistake book. It knows nothing of courses or certificates.
"""

import datetime
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from organisation.models import Department, Staff


class KnowledgePoint(models.Model):
    """A topic questions are tagged with (知识点); a simple tree by parent."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )

    class Meta:
        verbose_name = _("knowledge point")
        verbose_name_plural = _("knowledge points")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class QuestionType(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    TRUE_FALSE = "true_false", _("True or false")
    FILL_BLANK = "fill_blank", _("Fill in the blank")
    SHORT_ANSWER = "short_answer", _("Short answer")
    SCENARIO = "scenario", _("Scenario task")


OBJECTIVE_TYPES = {
    QuestionType.SINGLE,
    QuestionType.MULTIPLE,
    QuestionType.TRUE_FALSE,
    QuestionType.FILL_BLANK,
}
CHOICE_TYPES = {QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUE_FALSE}


class QuestionStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("question status", "Draft")
    ACTIVE = "active", pgettext_lazy("question status", "Active")
    RETIRED = "retired", pgettext_lazy("question status", "Retired")


class Question(models.Model):
    """One question of the bank.

    `options` is a list of option texts (A, B, C... by position); `answer` is the key:
    a list of option letters for choice questions ("A" / "T" or "F" for true/false), a
    list of blanks, each a list of accepted answers, for fill in the blank; empty for
    questions graded by a person. `rubric` lists {"item", "points"} for scenario tasks.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    type = models.CharField(_("type"), max_length=16, choices=QuestionType.choices)
    stem = models.TextField(_("question"))
    options = models.JSONField(_("options"), default=list, blank=True)
    answer = models.JSONField(_("answer"), default=list, blank=True)
    rubric = models.JSONField(_("rubric"), default=list, blank=True)
    explanation = models.TextField(_("explanation"), blank=True)
    # Short answers and scenario tasks: what a good answer says, shown to graders (a
    # rubric is optional).
    reference_answer = models.TextField(_("reference answer"), blank=True)
    # The question's own points (the 分值 column of an imported bank); empty: the paper
    # (blueprint rule or fixed paper) decides.
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1, null=True, blank=True)
    knowledge_point = models.ForeignKey(
        KnowledgePoint,
        verbose_name=_("knowledge point"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=3)
    status = models.CharField(
        _("status"), max_length=8, choices=QuestionStatus.choices, default=QuestionStatus.ACTIVE
    )
    # The current version's number (see QuestionVersion).
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who let a draft go live (review by a second coordinator or an administrator).
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["knowledge_point_id", "type", "id"]
        indexes = [models.Index(fields=["status", "type", "knowledge_point", "difficulty"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(difficulty__gte=1, difficulty__lte=5),
                name="question_difficulty_1_5",
                violation_error_message=_("Difficulty is from 1 to 5."),
            ),
        ]

    def __str__(self) -> str:
        return self.stem[:40]


class QuestionVersion(models.Model):
    """One version of a question: what it said, who wrote it and when. A question's
    history is its versions; restoring an old one makes a new version with its
    content. Attempts keep their own frozen copy (AttemptItem), so a new version never
    changes what someone was asked."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    content = models.JSONField(default=dict)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("question version")
        verbose_name_plural = _("question versions")
        ordering = ["question_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["question", "number"], name="question_version_number_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.question_id} v{self.number}"


class BankSettings(models.Model):
    """The city's question-bank rules (one row; without it, the defaults)."""

    review_required = models.BooleanField(
        _("new questions need review"),
        default=True,
        help_text=_(
            "New and imported questions start as drafts and go live after a second "
            "coordinator or an administrator has reviewed them."
        ),
    )

    class Meta:
        verbose_name = _("question bank settings")
        verbose_name_plural = _("question bank settings")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)


class SessionKind(models.TextChoices):
    PRACTICE = "practice", _("Practice")
    WEEKLY_QUIZ = "weekly_quiz", _("Weekly quiz")
    MONTHLY = "monthly", _("Monthly exam")
    MOCK = "mock", _("Mock assessment")
    FORMAL_THEORY = "formal_theory", _("Formal theory exam")


class Counting(models.TextChoices):
    BEST = "best", _("Best attempt")
    LAST = "last", _("Last attempt")


class Visibility(models.TextChoices):
    NEVER = "never", _("Never")
    AFTER_SUBMIT = "after_submit", _("After submitting")
    AFTER_CLOSE = "after_close", _("After the exam closes")


DOORS_OPEN_MAX_MINUTES = 240
DOORS_OPEN_MAX = datetime.timedelta(minutes=DOORS_OPEN_MAX_MINUTES)
LEAVE_LIMIT_MAX = 99


class ExamSession(models.Model):
    """One sitting of an exam for an audience, within a window."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(
        _("kind"), max_length=16, choices=SessionKind.choices, default=SessionKind.MONTHLY
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("organised by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    audience_departments = models.ManyToManyField(
        Department,
        verbose_name=_("units (with the units below)"),
        blank=True,
        related_name="+",
    )
    audience_staff = models.ManyToManyField(
        Staff, verbose_name=_("named staff"), blank=True, related_name="+"
    )
    window_staff_only = models.BooleanField(_("window staff only"), default=True)
    opens_at = models.DateTimeField(_("opens"))
    closes_at = models.DateTimeField(_("closes"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    # Doors open early: people may start this many minutes before `opens_at`, each with
    # their full duration, so that a city's start spreads out.
    doors_open_minutes = models.PositiveSmallIntegerField(
        _("doors open early (minutes)"),
        default=0,
        validators=[MaxValueValidator(DOORS_OPEN_MAX_MINUTES)],
        help_text=_(
            "People may start this many minutes before the opening time, each with the "
            "full duration (spreads a large exam's start)."
        ),
    )
    attempts_allowed = models.PositiveSmallIntegerField(_("attempts allowed"), default=1)
    counting = models.CharField(
        _("attempt that counts"), max_length=8, choices=Counting.choices, default=Counting.BEST
    )
    pass_mark = models.DecimalField(_("pass mark (%)"), max_digits=5, decimal_places=1, default=60)
    partial_credit = models.BooleanField(
        _("half marks for a correct subset in multiple choice"), default=True
    )
    shuffle_questions = models.BooleanField(_("shuffle questions"), default=True)
    shuffle_options = models.BooleanField(_("shuffle options"), default=True)
    show_score = models.CharField(
        _("learners see their score"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.AFTER_SUBMIT,
    )
    show_answers = models.CharField(
        _("learners see answers and explanations"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.AFTER_CLOSE,
    )
    # Integrity options (anti-cheating), all off by default; see exams/services/integrity.py.
    one_device = models.BooleanField(
        _("one device at a time"),
        default=False,
        help_text=_(
            "Opening the exam on a second device takes it over; the first device can no "
            "longer save or hand in. Each switch is shown on the exam's page."
        ),
    )
    leave_limit = models.PositiveSmallIntegerField(
        _("times the page may be left"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(LEAVE_LIMIT_MAX)],
        help_text=_(
            "Switching to another app, tab or window counts as leaving; the learner is "
            "warned each time. Empty: no limit."
        ),
    )
    leave_auto_submit = models.BooleanField(
        _("hand in automatically when the limit is passed"), default=False
    )
    no_copy = models.BooleanField(
        _("copy and paste disabled"),
        default=False,
        help_text=_("The question text cannot be selected or copied; answers cannot be pasted."),
    )
    published = models.BooleanField(_("published"), default=False)
    papers_prepared_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("exam session")
        verbose_name_plural = _("exam sessions")
        ordering = ["-opens_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="exam_session_window_order",
                violation_error_code="window_order",
                violation_error_message=_("The closing time must be later than the opening time."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def doors_open_at(self) -> datetime.datetime:
        """From when a start is allowed: the opening time, or earlier (doors open)."""
        return self.opens_at - datetime.timedelta(minutes=self.doors_open_minutes)

    def is_open_for_start(self, now) -> bool:
        return self.published and self.doors_open_at <= now < self.closes_at


class BlueprintRule(models.Model):
    """Draw `count` questions of a type (optionally of a knowledge point and its
    sub-points, and of a difficulty), worth `points` each."""

    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="rules")
    type = models.CharField(_("type"), max_length=16, choices=QuestionType.choices)
    knowledge_point = models.ForeignKey(
        KnowledgePoint,
        verbose_name=_("knowledge point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("count"))
    points = models.DecimalField(_("points each"), max_digits=5, decimal_places=1)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.count} × {self.get_type_display()}"


class FixedQuestion(models.Model):
    """A fixed paper: these questions, in this order (used when a session has no rules)."""

    session = models.ForeignKey(
        ExamSession, on_delete=models.CASCADE, related_name="fixed_questions"
    )
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField()
    points = models.DecimalField(max_digits=5, decimal_places=1)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "position"], name="fixed_question_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.question}"


class ExtraTime(models.Model):
    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="extra_times")
    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="+")
    minutes = models.PositiveSmallIntegerField(_("extra minutes"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "staff"], name="extra_time_unique")
        ]

    def __str__(self) -> str:
        return f"{self.staff} +{self.minutes}"


class AttemptStatus(models.TextChoices):
    PREPARED = "prepared", _("Paper ready")
    IN_PROGRESS = "in_progress", _("In progress")
    HANDED_IN = "handed_in", _("Handed in, being scored")
    SUBMITTED = "submitted", _("Submitted")
    FINALISED = "finalised", _("Closed at the deadline")


# Closed and scored: what results, exports, grading and other apps read.
FINISHED_STATUSES = (AttemptStatus.SUBMITTED, AttemptStatus.FINALISED)
# Closed to answers: handed in and waiting for the batched scorer, or finished.
CLOSED_STATUSES = (AttemptStatus.HANDED_IN, *FINISHED_STATUSES)


class AttemptManager(models.Manager):
    def get_queryset(self):
        # The prepared paper (tens of KB) is read by a start only (`defer(None)` there).
        return super().get_queryset().defer("paper")


class Attempt(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(ExamSession, on_delete=models.CASCADE, related_name="attempts")
    staff = models.ForeignKey(Staff, on_delete=models.PROTECT, related_name="exam_attempts")
    number = models.PositiveSmallIntegerField(default=1)
    seed = models.BigIntegerField()
    status = models.CharField(
        max_length=12, choices=AttemptStatus.choices, default=AttemptStatus.PREPARED
    )
    started_at = models.DateTimeField(null=True, blank=True)
    deadline = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    max_score = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    percent = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    passed = models.BooleanField(null=True)
    needs_grading = models.BooleanField(default=False)
    leave_count = models.PositiveIntegerField(_("times the page was left"), default=0)
    # Handed in automatically for leaving the page more often than the session allows.
    leave_handed_in = models.BooleanField(default=False)
    # One device at a time: the device that holds the attempt (a random identifier the
    # browser keeps in a cookie, or the X-Exam-Device header of an API client), checked
    # in the save's UPDATE itself; "" while the session does not ask for it.
    device = models.CharField(max_length=64, blank=True, default="", editable=False)
    switch_count = models.PositiveSmallIntegerField(_("device switches"), default=0)
    # The paper as the start sends it (JSON, no key), written when papers are drawn
    # ahead; emptied once the attempt is closed.
    paper = models.TextField(blank=True, default="", editable=False)

    objects = AttemptManager()

    class Meta:
        ordering = ["session_id", "staff_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "staff", "number"], name="attempt_number_unique"
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self) -> str:
        return f"{self.session} · {self.staff} #{self.number}"

    @property
    def is_finished(self) -> bool:
        """Closed to answers (handed in and being scored, or scored)."""
        return self.status in CLOSED_STATUSES

    @property
    def is_scoring(self) -> bool:
        """Handed in; the batched scorer has not scored it yet (正在评分)."""
        return self.status == AttemptStatus.HANDED_IN

    def held_elsewhere(self, device: str) -> bool:
        """One device at a time: another device has taken this attempt over."""
        return bool(self.device) and self.device != device


class DeviceSwitch(models.Model):
    """The attempt moved to another device (one device at a time): when, from what
    browser, from which network (the address masked)."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="device_switches")
    at = models.DateTimeField()
    user_agent = models.CharField(max_length=300, blank=True)
    ip_masked = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["attempt_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.attempt_id} @ {self.at:%H:%M:%S}"


class AttemptItem(models.Model):
    """One question of one attempt: a frozen copy of what was asked (so editing the
    bank never changes a past attempt), and the answer, saved in place."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    question = models.ForeignKey(
        Question, null=True, on_delete=models.SET_NULL, related_name="attempt_items"
    )
    type = models.CharField(max_length=16, choices=QuestionType.choices)
    stem = models.TextField()
    options = models.JSONField(default=list)  # [{"key": "A", "text": ...}] in shown order
    key = models.JSONField(default=list)
    rubric = models.JSONField(default=list)
    reference_answer = models.TextField(blank=True)  # shown to graders
    explanation = models.TextField(blank=True)
    points = models.DecimalField(max_digits=5, decimal_places=1)
    knowledge_point_id = models.IntegerField(null=True)
    knowledge_point_name = models.CharField(max_length=100, blank=True)
    answer = models.JSONField(null=True, blank=True)
    seq = models.PositiveIntegerField(default=0)
    answered_at = models.DateTimeField(null=True, blank=True)
    awarded = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rubric_scores = models.JSONField(default=list, blank=True)
    # The grader's comment on an open answer, shown to the learner with the result.
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["attempt_id", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="attempt_item_position_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}:{self.position}"

    @property
    def is_objective(self) -> bool:
        return self.type in OBJECTIVE_TYPES


class PracticeSet(models.Model):
    """A named practice set drawn from the bank by knowledge points (used by training
    for weekly practice and guidance)."""

    title = models.CharField(_("title"), max_length=200)
    knowledge_points = models.ManyToManyField(KnowledgePoint, blank=True, related_name="+")
    size = models.PositiveSmallIntegerField(default=10)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.title


class MistakeEntry(models.Model):
    """The personal mistake book (错题本): a question leaves it after two correct answers
    in a row."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="mistakes")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    correct_streak = models.PositiveSmallIntegerField(default=0)
    wrong_count = models.PositiveIntegerField(default=1)
    active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "question"], name="mistake_unique")]

    def __str__(self) -> str:
        return f"{self.staff} · {self.question}"
