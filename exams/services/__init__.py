"""Writes of the exam engine, by responsibility; each public service is one transaction.

- `papers`: blueprint checks and papers drawn ahead of exam day;
- `taking`: start, save, leave, hand in, finalise overdue attempts; the integrity
  options (one device at a time, the limit on leaving the page);
- `grading`: scoring and grading by a person;
- `practice`: practice and the mistake book;
- `sessions`: create, change and publish sessions;
- `bank`: questions, their restore to an earlier version, answer-key corrections;
- `versions`: question versions (history, diff) and review of new questions.

The public names are re-exported here (`from exams.services import attempt_start`).
"""

from ..audience import audience_staff, staff_in_audience
from .bank import (
    QUESTION_FIELDS,
    key_correction_check,
    question_correct_key,
    question_create,
    question_restore,
    question_update,
)
from .grading import item_grade
from .papers import (
    LETTERS,
    PaperDrawer,
    Shortage,
    blueprint_check,
    exam_session_prepare_papers,
    render_paper,
)
from .practice import (
    PracticeFeedback,
    mistakes_from_attempt,
    practice_answer,
    practice_pick,
    record_mistake,
)
from .sessions import (
    FIELDS_AFTER_OPENING,
    INTEGRITY_FIELDS,
    PAPER_FIELDS,
    SESSION_FIELDS,
    exam_session_create,
    exam_session_publish,
    exam_session_update,
    exam_session_withdraw,
)
from .taking import (
    HandIn,
    LeaveResult,
    SaveResult,
    attempt_deadline,
    attempt_finalise_if_overdue,
    attempt_hand_in_lean,
    attempt_record_leave,
    attempt_save,
    attempt_score_if_waiting,
    attempt_start,
    attempt_start_prepared,
    attempt_submit,
    attempt_take_over,
    attempts_finalise_overdue,
    attempts_score_handed_in,
)
from .versions import (
    new_question_status,
    question_approve,
    question_history,
    review_required,
)

__all__ = [
    "FIELDS_AFTER_OPENING",
    "INTEGRITY_FIELDS",
    "LETTERS",
    "PAPER_FIELDS",
    "QUESTION_FIELDS",
    "SESSION_FIELDS",
    "HandIn",
    "LeaveResult",
    "PaperDrawer",
    "PracticeFeedback",
    "SaveResult",
    "Shortage",
    "attempt_deadline",
    "attempt_finalise_if_overdue",
    "attempt_hand_in_lean",
    "attempt_record_leave",
    "attempt_save",
    "attempt_score_if_waiting",
    "attempt_start",
    "attempt_start_prepared",
    "attempt_submit",
    "attempt_take_over",
    "attempts_finalise_overdue",
    "attempts_score_handed_in",
    "audience_staff",
    "blueprint_check",
    "exam_session_create",
    "exam_session_prepare_papers",
    "exam_session_publish",
    "exam_session_update",
    "exam_session_withdraw",
    "item_grade",
    "key_correction_check",
    "mistakes_from_attempt",
    "new_question_status",
    "practice_answer",
    "practice_pick",
    "question_approve",
    "question_correct_key",
    "question_create",
    "question_history",
    "question_restore",
    "question_update",
    "record_mistake",
    "render_paper",
    "review_required",
    "staff_in_audience",
]
