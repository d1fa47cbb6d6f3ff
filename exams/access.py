"""Who may see which exam sessions, attempts and questions; built on organisation.access.

- staff roles see sessions organised by a unit in their subtree, and the attempts of
  people in their subtree; coordinators and administrators may change them;
- a learner sees the published sessions they are on the list for, and their own
  attempts only;
- every `get_*_for` is a thin call of `organisation.access.get_scoped_or_404`: missing,
  not-yours and malformed answer the same Http404, and every refusal is audited.
"""

from __future__ import annotations

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, QuerySet
from django.http import Http404

from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    get_scoped_or_404,
    learner_staff,
    record_denied,
    require_coordinator,
    user_roles,
)
from organisation.access import uuid_or_none as _uuid
from organisation.models import Staff

from .audience import audience_q
from .models import FINISHED_STATUSES, Attempt, AttemptItem, ExamSession, Question


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def require_learner(user) -> Staff:
    """The signed-in person's staff record (with their unit); accounts without one get
    an (audited) Http404 on the learner's exam pages."""
    staff = learner_staff(user)
    if staff is None:
        record_denied(user, "role:learner", getattr(user, "pk", "") or "anonymous")
        raise Http404
    return staff


def sessions_visible_to(user) -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(department__in=departments_visible_to(user))


def sessions_managed_by(user) -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(department__in=departments_managed_by(user))


def get_session_for(user, public_id, *, write: bool = False) -> ExamSession:
    queryset = sessions_managed_by(user) if write else sessions_visible_to(user)
    return get_scoped_or_404(
        queryset, user=user, kind="exams.examsession", public_id=_uuid(public_id)
    )


def sessions_for_learner(user) -> QuerySet[ExamSession]:
    """Published sessions the signed-in learner is on the list for (by the audience
    rule) or has an attempt in; each carries `in_audience`."""
    staff = learner_staff(user)
    if staff is None:
        return ExamSession.objects.none()
    return (
        ExamSession.objects.filter(published=True)
        .annotate(in_audience=ExpressionWrapper(audience_q(staff), output_field=BooleanField()))
        .filter(
            audience_q(staff)
            | Exists(Attempt.objects.filter(session=OuterRef("pk"), staff_id=staff.pk))
        )
    )


def get_session_for_learner(user, public_id) -> ExamSession:
    session = get_scoped_or_404(
        sessions_for_learner(user), user=user, kind="exams.examsession", public_id=_uuid(public_id)
    )
    # The answer for this person is known now: `staff_in_audience` need not ask again.
    session.__dict__.setdefault("_audience_memo", {})[learner_staff(user).pk] = session.in_audience
    return session


def attempts_visible_to(user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(staff__department__in=departments_visible_to(user))


def get_own_attempt(user, public_id) -> Attempt:
    if not user.is_authenticated:
        queryset = Attempt.objects.none()
    else:
        queryset = Attempt.objects.select_related("session", "staff").filter(staff__user_id=user.pk)
    return get_scoped_or_404(queryset, user=user, kind="exams.attempt", public_id=_uuid(public_id))


def items_gradable_by(user) -> QuerySet[AttemptItem]:
    """Answers the user may grade: of a finished attempt (one still being written cannot
    be graded), in a session the user manages, of someone in their subtree."""
    managed = departments_managed_by(user)
    return AttemptItem.objects.filter(
        attempt__status__in=FINISHED_STATUSES,
        attempt__session__department__in=managed,
        attempt__staff__department__in=managed,
    )


def get_item_for_grading(user, item_id) -> AttemptItem:
    return get_scoped_or_404(
        items_gradable_by(user).select_related("attempt__session"),
        user=user,
        kind="exams.attemptitem",
        pk=_int(item_id),
    )


# --- the question bank ---------------------------------------------------------------------
#
# The bank is city-wide: a question has no owning unit (sessions from every unit draw on
# it), so it is not scoped by department. Coordinators and administrators read and edit
# it; managers (whose remit is results) and learners do not see it, answer keys included.
# A coordinator's key correction re-scores attempts, so it is allowed only when every
# finished attempt it touches belongs to a session organised in their subtree (enforced
# by `services.question_correct_key`).


def can_edit_bank(user) -> bool:
    return user_roles(user).is_coordinator


def require_bank_editor(user) -> None:
    """The pages and the API of the bank: coordinators and administrators; anyone else
    gets an (audited) Http404."""
    require_coordinator(user)


def questions_visible_to(user) -> QuerySet[Question]:
    if not can_edit_bank(user):
        return Question.objects.none()
    return Question.objects.all()


def get_question_for(user, public_id) -> Question:
    return get_scoped_or_404(
        questions_visible_to(user).select_related("knowledge_point"),
        user=user,
        kind="exams.question",
        public_id=_uuid(public_id),
    )


def attempts_rescored_by(question: Question) -> QuerySet[Attempt]:
    """The finished attempts a key correction of this question would re-score."""
    return Attempt.objects.filter(status__in=FINISHED_STATUSES, items__question=question).distinct()


def key_correction_outside(user, question: Question) -> int:
    """How many of those attempts are in sessions outside the user's subtree (an
    administrator's subtree is the whole city)."""
    return (
        attempts_rescored_by(question)
        .exclude(session__department__in=departments_managed_by(user))
        .count()
    )
