"""The exam engine: question bank, exam sessions, attempts with a frozen copy of what
was asked, practice and the mistake book. It knows nothing of courses or certificates.
"""

import uuid

from django.conf import settings
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
                condition=Q(difficulty__gte=1, difficulty__lte=5), name="question_difficulty_1_5"
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
                condition=Q(closes_at__gt=models.F("opens_at")), name="exam_session_window_order"
            ),
        ]

    def __str__(self) -> str:
        return self.title


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
    SUBMITTED = "submitted", _("Submitted")
    FINALISED = "finalised", _("Closed at the deadline")


FINISHED_STATUSES = (AttemptStatus.SUBMITTED, AttemptStatus.FINALISED)


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
        return self.status in FINISHED_STATUSES


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
