"""Every sentence the exam engine says to a person (English msgids, translated through
Django's machinery). Services raise them, forms and `core.api.exception_handler`
show them, and tests compare against them."""

from django.utils.translation import gettext_lazy as _

# --- taking an exam ---
MSG_NOT_OPEN = _("This exam is not open now.")
MSG_PAPER_UNAVAILABLE = _(
    "This exam cannot be started now: its question bank is being completed. Please try "
    "again later or ask your training coordinator."
)
MSG_NOT_IN_AUDIENCE = _("You are not on the list for this exam.")
MSG_NO_ATTEMPTS_LEFT = _("You have used all your attempts for this exam.")
MSG_TIME_OVER = _("The time for this exam is over; the answer was not saved.")

# --- integrity options ---
MSG_OTHER_DEVICE = _(
    "This exam is being continued on another device; this device has stopped. To "
    "continue here instead, open the exam again on this device (the other one then stops)."
)
MSG_LEFT_WARNING = _(
    "You have left the exam page %(count)s times; you may leave it %(left)s more times."
)
MSG_LEFT_WARNING_SUBMIT = _(
    "You have left the exam page %(count)s times; you may leave it %(left)s more times. "
    "After that your exam is handed in automatically."
)
MSG_LEFT_HANDED_IN = _(
    "You left the exam page more often than allowed (%(limit)s times): your exam has been "
    "handed in."
)
MSG_LEFT_OVER = _(
    "You have left the exam page %(count)s times, more than the %(limit)s allowed; the "
    "training coordinator sees this."
)

# --- papers and grading ---
MSG_BANK_SHORT = _(
    "Needs %(count)d %(type)s questions on %(point)s (difficulty %(difficulty)s), "
    "the bank has %(available)d."
)
MSG_POINTS = _("Points must be between 0 and %(max)s.")
MSG_RUBRIC_COUNT = _("Give a score for each of the %(n)s criteria.")
MSG_RUBRIC_SUM = _("The criteria add up to %(sum)s, not to the total of %(points)s.")
MSG_SCORE = _("Enter a score from 0 to %(max)s, with one decimal place at most.")

# --- practice ---
MSG_CHOOSE_FIRST = _("Choose an answer first.")

# --- session settings ---
MSG_NO_QUESTIONS = _("The exam has no questions: add blueprint rules or a fixed paper.")
MSG_LOCKED_AFTER_OPENING = _(
    "The exam has opened: only the title, a later closing time, extra time and what "
    "learners see may still change."
)
MSG_CLOSE_NOT_EARLIER = _("Once the exam has opened, it may only close later, not earlier.")
MSG_CLOSED = _("This exam has already closed.")
MSG_PUBLISH_BLOCKED = _("Cannot publish: the question bank cannot fill the blueprint.")

# --- the question bank ---
MSG_KEY_NEEDS_CORRECTION = _(
    "This question has been asked in exams: its answer key changes only through a key "
    "correction, which re-scores the attempts."
)

MSG_KEY_OUTSIDE = _(
    "%(count)s of the attempts to re-score are in exams organised outside "
    "your units; ask an administrator to correct this key."
)

# --- the question bank's exchange (codes in exams.question_io; the file's refusals are
# the import engine's, core.imports) ---
MSG_TYPE_UNKNOWN = _(
    "“%(value)s” is not a question type. Use 单选, 多选, 判断, 填空, 简答 or 情景."
)
MSG_OPTIONS_GAP = _("Options must be filled from A onwards without gaps.")
MSG_OPTIONS_FEW = _("A choice question needs at least two options.")
MSG_ANSWER_LETTERS = _("The answer “%(value)s” must be option letters such as A or ABD.")
MSG_ANSWER_EMPTY_OPTION = _("The answer names option %(letter)s, which is empty.")
MSG_SINGLE_ONE = _("A single-choice question has exactly one answer, not “%(value)s”.")
MSG_MULTIPLE_TWO = _("A multiple-choice question has at least two answers, not “%(value)s”.")
MSG_TRUE_FALSE = _("Write 对 or 错 (true or false), not “%(value)s”.")
MSG_RUBRIC = _(
    "Write each scoring point with its points in brackets, separated by semicolons: "
    "要点1(5分);要点2(5分). “%(value)s” has no points."
)
MSG_DIFFICULTY = _("Difficulty is a whole number from 1 to 5, not “%(value)s”.")
MSG_STATUS = _("Status is 草稿, 启用 or 停用, not “%(value)s”.")
MSG_QUESTION_POINTS = _(
    "Points are a number from 0.1 to 999.9 with at most one decimal, not “%(value)s”."
)
MSG_POINT_CONFLICT = _(
    "The knowledge point “%(name)s” already exists under “%(parent)s”; write its full path."
)
MSG_DUPLICATE_BANK = _("The same question (type and text) is already in the bank; skipped.")
MSG_DUPLICATE_FILE = _("The same question (type and text) is on row %(row)s; skipped.")

MSG_NOT_ALLOWED = _("Only training coordinators and administrators can change the question bank.")
MSG_HAS_ERRORS = _("Some rows have errors; nothing was imported. Correct the file and upload it.")
MSG_REVIEW_SELF = _(
    "A question goes live after review by another coordinator or an administrator; "
    "you wrote this one."
)
MSG_NOT_DRAFT = _("Only a draft question can be approved.")
MSG_REVIEW_NEEDED = _(
    "A new question goes live after review: ask another coordinator or an administrator "
    "to approve it."
)
MSG_NO_VERSION = _("This version does not exist.")
MSG_RESTORED = _("Restored from version %(number)s")
