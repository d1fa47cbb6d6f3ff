"""Who may see which exam sessions and attempts; built on organisation.access.

- staff roles see sessions organised by a unit in their subtree, and the attempts of
  people in their subtree; coordinators and administrators may change them;
- a learner sees the published sessions they are on the list for, and their own
  attempts only;
- missing and not-yours answer the same Http404.
"""

from __future__ import annotations

import uuid

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    learner_staff,
    record_denied,
    user_roles,
)

from .models import FINISHED_STATUSES, Attempt, AttemptItem, ExamSession, Question


def _uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def sessions_visible_to(user) -> QuerySet[ExamSession]:
    """Sessions organised in the user's subtree, and sessions organised above it that
    their people sit (a county reads the city's monthly exam; the pages then show only
    its own people's results)."""
    visible = departments_visible_to(user)
    their_people = Attempt.objects.filter(session_id=OuterRef("pk"), staff__department__in=visible)
    return ExamSession.objects.filter(Q(department__in=visible) | Q(Exists(their_people)))


def sessions_managed_by(user) -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(department__in=departments_managed_by(user))


def get_session_for(user, public_id, *, write: bool = False) -> ExamSession:
    queryset = sessions_managed_by(user) if write else sessions_visible_to(user)
    key = _uuid(public_id)
    try:
        return queryset.get(public_id=key)
    except ExamSession.DoesNotExist:
        if ExamSession.objects.filter(public_id=key).exists():
            record_denied(user, "exams.examsession", key)
        raise Http404 from None


def get_session_for_learner(user, public_id) -> ExamSession:
    """A published session the signed-in learner is on the list for."""
    from .services import staff_in_audience

    staff = learner_staff(user)
    if staff is None:
        raise Http404
    try:
        session = ExamSession.objects.get(public_id=_uuid(public_id), published=True)
    except ExamSession.DoesNotExist:
        raise Http404 from None
    if (
        not staff_in_audience(session=session, staff=staff)
        and not Attempt.objects.filter(session=session, staff=staff).exists()
    ):
        raise Http404
    return session


def attempts_visible_to(user) -> QuerySet[Attempt]:
    return Attempt.objects.filter(staff__department__in=departments_visible_to(user))


def get_own_attempt(user, public_id) -> Attempt:
    key = _uuid(public_id)
    try:
        return Attempt.objects.select_related("session", "staff").get(
            public_id=key, staff__user_id=user.pk
        )
    except Attempt.DoesNotExist:
        if Attempt.objects.filter(public_id=key).exists():
            record_denied(user, "exams.attempt", key)
        raise Http404 from None


def get_attempt_for(user, public_id) -> Attempt:
    """Own attempt, or an attempt of someone in the user's read subtree."""
    key = _uuid(public_id)
    attempt = (
        Attempt.objects.select_related("session", "staff__department").filter(public_id=key).first()
    )
    if attempt is None:
        raise Http404
    if attempt.staff.user_id == user.pk:
        return attempt
    if attempts_visible_to(user).filter(pk=attempt.pk).exists():
        return attempt
    raise Http404


def get_item_for_grading(user, item_id) -> AttemptItem:
    """An answer to grade: of a finished attempt, in a session the user manages, of
    someone in their subtree (an attempt still being written cannot be graded)."""
    try:
        return AttemptItem.objects.select_related("attempt__session").get(
            pk=int(item_id),
            attempt__status__in=FINISHED_STATUSES,
            attempt__session__department__in=departments_managed_by(user),
            attempt__staff__department__in=departments_managed_by(user),
        )
    except (AttemptItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# --- the question bank ---------------------------------------------------------------------
#
# The bank is city-wide: a question has no owning unit (sessions from every unit draw on
# it), so it is not scoped by department. Coordinators and administrators read and edit
# it; managers (whose remit is results) and learners do not see it, answer keys included.
# A coordinator's key correction re-scores attempts, so it is allowed only when every
# finished attempt it touches belongs to a session organised in their subtree.


def can_edit_bank(user) -> bool:
    return user_roles(user).is_coordinator


def questions_visible_to(user) -> QuerySet[Question]:
    if not can_edit_bank(user):
        return Question.objects.none()
    return Question.objects.all()


def get_question_for(user, public_id) -> Question:
    try:
        return (
            questions_visible_to(user)
            .select_related("knowledge_point")
            .get(public_id=_uuid(public_id))
        )
    except Question.DoesNotExist:
        raise Http404 from None


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
