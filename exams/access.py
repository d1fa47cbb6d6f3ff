"""Who may see which exam sessions and attempts; built on organisation.access.

- staff roles see sessions organised by a unit in their subtree, and the attempts of
  people in their subtree; coordinators and administrators may change them;
- a learner sees the published sessions they are on the list for, and their own
  attempts only;
- missing and not-yours answer the same Http404.
"""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.http import Http404

from organisation.access import _denied, departments_managed_by, departments_visible_to

from .models import Attempt, AttemptItem, ExamSession


def _uuid(value) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


def sessions_visible_to(user) -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(department__in=departments_visible_to(user))


def sessions_managed_by(user) -> QuerySet[ExamSession]:
    return ExamSession.objects.filter(department__in=departments_managed_by(user))


def get_session_for(user, public_id, *, write: bool = False) -> ExamSession:
    queryset = sessions_managed_by(user) if write else sessions_visible_to(user)
    key = _uuid(public_id)
    try:
        return queryset.get(public_id=key)
    except ExamSession.DoesNotExist:
        if ExamSession.objects.filter(public_id=key).exists():
            _denied(user, "exams.examsession", key)
        raise Http404 from None


def get_session_for_learner(user, public_id) -> ExamSession:
    """A published session the signed-in learner is on the list for."""
    from .services import staff_in_audience

    staff = getattr(user, "staff", None) if user.is_authenticated else None
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
            _denied(user, "exams.attempt", key)
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
    """An answer to grade: in a session the user manages, of someone in their subtree."""
    try:
        return AttemptItem.objects.select_related("attempt__session").get(
            pk=int(item_id),
            attempt__session__department__in=departments_managed_by(user),
            attempt__staff__department__in=departments_managed_by(user),
        )
    except (AttemptItem.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
