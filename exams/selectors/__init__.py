"""Reads of the exam engine, by responsibility (none of them imports a service):

- `learner`: open and upcoming sessions (by the rule of `exams.audience`), the paper
  while taking it, what a learner may see, their results and mistakes;
- `results`: session lists, counted attempts, results and answers to grade;
- `analysis`: item analysis and reliability;
- `bank`: the question bank.
"""

from ..audience import audience_count, audience_q, audience_staff, staff_in_audience
from .analysis import ItemStats, SessionAnalysis, session_analysis
from .bank import bank_questions, point_and_below
from .learner import (
    attempt_payload,
    attempt_payload_json,
    attempts_of,
    handed_in_json,
    integrity_options,
    knowledge_point_scores,
    learner_may_see_answers,
    learner_may_see_score,
    leave_message,
    mistakes_of,
    open_sessions_for,
    prepared_start_json,
    remaining_seconds,
    start_candidate,
    upcoming_sessions_for,
)
from .results import (
    answers_to_grade,
    candidate_number,
    counted_attempts,
    grading_queue,
    integrity_report,
    session_list,
    session_results,
    sessions_for_staff_roles,
    sessions_needing_grading,
    visible_results,
)

__all__ = [
    "ItemStats",
    "SessionAnalysis",
    "answers_to_grade",
    "attempt_payload",
    "attempt_payload_json",
    "attempts_of",
    "audience_count",
    "audience_q",
    "audience_staff",
    "bank_questions",
    "candidate_number",
    "counted_attempts",
    "grading_queue",
    "handed_in_json",
    "integrity_options",
    "integrity_report",
    "knowledge_point_scores",
    "learner_may_see_answers",
    "learner_may_see_score",
    "leave_message",
    "mistakes_of",
    "open_sessions_for",
    "point_and_below",
    "prepared_start_json",
    "remaining_seconds",
    "session_analysis",
    "session_list",
    "session_results",
    "sessions_for_staff_roles",
    "sessions_needing_grading",
    "staff_in_audience",
    "start_candidate",
    "upcoming_sessions_for",
    "visible_results",
]
