"""Access to training objects, built on organisation.access. Missing and forbidden
look the same (Http404); the forbidden case is audited."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from organisation.access import (
    departments_managed_by,
    departments_visible_to,
    get_scoped_or_404,
    learner_staff,
    uuid_or_none,
)
from organisation.models import Department, Staff

from .models import (
    Enrolment,
    EnrolmentStatus,
    GuidancePlan,
    Lesson,
    Notification,
    Programme,
    Track,
    TrainingClass,
    WeeklyModule,
)


def learner_staff_or_404(user) -> Staff:
    staff = learner_staff(user)
    if staff is None:
        raise Http404("Not a learner.")
    return staff


def get_module_for_learner(user, module_id) -> tuple[Staff, WeeklyModule]:
    """A published module of a track the user is actively enrolled in."""
    staff = learner_staff_or_404(user)
    queryset = WeeklyModule.objects.select_related("track__programme").filter(
        published_at__isnull=False,
        track__enrolments__staff=staff,
        track__enrolments__status=EnrolmentStatus.ACTIVE,
    )
    module = get_scoped_or_404(
        queryset, user=user, kind="training.weeklymodule", pk=_int(module_id)
    )
    return staff, module


def get_lesson_for_learner(user, lesson_id) -> tuple[Staff, Lesson]:
    staff = learner_staff_or_404(user)
    queryset = (
        Lesson.objects.select_related("module__track__programme")
        .prefetch_related("attachments")
        .filter(
            module__published_at__isnull=False,
            module__track__enrolments__staff=staff,
            module__track__enrolments__status=EnrolmentStatus.ACTIVE,
        )
    )
    lesson = get_scoped_or_404(queryset, user=user, kind="training.lesson", pk=_int(lesson_id))
    return staff, lesson


def tracks_assignable_by(user) -> QuerySet[Track]:
    """Tracks of active programmes owned by a unit in the user's managed subtree or above
    it (a city programme is for every county): what a coordinator may assign people to."""
    managed = departments_managed_by(user)
    paths = set(managed.values_list("path", flat=True))
    owners = Department.objects.filter(
        Q(pk__in=managed.values("pk"))
        | Q(path__in={path[:n] for path in paths for n in range(1, len(path) + 1)})
    )
    return (
        Track.objects.filter(programme__is_active=True, programme__department__in=owners)
        .select_related("programme")
        .order_by("-programme__year", "programme__name", "pk")
    )


def tracks_visible_to(user) -> QuerySet[Track]:
    """Tracks of programmes owned by a unit the user can read, or above it (a city
    programme is visible to a county coordinator, who sees only their own people)."""
    visible = departments_visible_to(user)
    # EXISTS, not a join through every enrolment then DISTINCT (15 ms -> 3 ms on the
    # demo city: the city's tracks have thousands of enrolments each).
    their_people = Enrolment.objects.filter(track_id=OuterRef("pk"), staff__department__in=visible)
    return (
        Track.objects.filter(Q(programme__department__in=visible) | Q(Exists(their_people)))
        .select_related("programme")
        .order_by("-programme__year", "programme__name", "pk")
    )


def get_track_for(user, track_id) -> Track:
    return get_scoped_or_404(
        tracks_visible_to(user), user=user, kind="training.track", pk=_int(track_id)
    )


def get_notification_for(user, notification_id) -> Notification:
    """One of the user's own notifications; anybody else's is missing (and audited)."""
    return get_scoped_or_404(
        Notification.objects.filter(user_id=user.pk),
        user=user,
        kind="training.notification",
        pk=_int(notification_id),
    )


def plans_visible_to(user) -> QuerySet[GuidancePlan]:
    """Own plans, plans of people in the user's read subtrees, plans the user mentors.
    The one rule for reading guidance plans: the plan page and the coordinators' list
    (selectors.guidance_plans_visible) both start here."""
    if not user.is_authenticated:
        return GuidancePlan.objects.none()
    return GuidancePlan.objects.filter(
        Q(staff__user_id=user.pk)
        | Q(staff__department__in=departments_visible_to(user))
        | Q(mentor__user_id=user.pk)
        | Q(mentor_user_id=user.pk)
    )


def plans_recordable_by(user):
    """Plans whose mentor sessions the user may record: their coordinator subtree, or
    plans they mentor."""
    if not user.is_authenticated:
        return GuidancePlan.objects.none()
    return GuidancePlan.objects.filter(
        Q(staff__department__in=departments_managed_by(user))
        | Q(mentor__user_id=user.pk)
        | Q(mentor_user_id=user.pk)
    )


def plans_managed_by(user) -> QuerySet[GuidancePlan]:
    """Plans whose mentor the user may choose: their coordinator subtree only."""
    if not user.is_authenticated:
        return GuidancePlan.objects.none()
    return GuidancePlan.objects.filter(staff__department__in=departments_managed_by(user))


def get_plan_for(user, public_id, *, write: bool = False, manage: bool = False) -> GuidancePlan:
    """A plan the user may read; with `write`, one whose mentor sessions they may record;
    with `manage`, one whose mentor they may choose. 404 (audited) otherwise."""
    if manage:
        queryset = plans_managed_by(user)
    elif write:
        queryset = plans_recordable_by(user)
    else:
        queryset = plans_visible_to(user)
    return get_scoped_or_404(
        queryset.select_related(
            "staff__department", "mentor", "mentor_user", "monthly_exam__programme"
        ),
        user=user,
        kind="training.guidanceplan",
        public_id=uuid_or_none(public_id),
    )


# --- in-person classes --------------------------------------------------------------


def _owners_at_or_above(user) -> QuerySet[Department]:
    """The user's managed units and every unit above them (a city programme serves
    every county)."""
    managed = departments_managed_by(user)
    paths = set(managed.values_list("path", flat=True))
    return Department.objects.filter(
        Q(pk__in=managed.values("pk"))
        | Q(path__in={path[:n] for path in paths for n in range(1, len(path) + 1)})
    )


def programmes_schedulable_by(user) -> QuerySet[Programme]:
    """Active programmes whose credit table a coordinator's class may use."""
    return Programme.objects.filter(
        is_active=True, department__in=_owners_at_or_above(user)
    ).order_by("-year", "name")


def classes_visible_to(user) -> QuerySet[TrainingClass]:
    """Classes organised in the user's read subtrees, and classes the user gives."""
    if not user.is_authenticated:
        return TrainingClass.objects.none()
    return TrainingClass.objects.filter(
        Q(department__in=departments_visible_to(user)) | Q(trainer__user_id=user.pk)
    )


def classes_runnable_by(user) -> QuerySet[TrainingClass]:
    """Classes the user may run (show the code, scan people, close, excuse): organised
    in their coordinator subtree, or given by them."""
    if not user.is_authenticated:
        return TrainingClass.objects.none()
    return TrainingClass.objects.filter(
        Q(department__in=departments_managed_by(user)) | Q(trainer__user_id=user.pk)
    )


def get_class_for(user, public_id, *, write: bool = False) -> TrainingClass:
    queryset = classes_runnable_by(user) if write else classes_visible_to(user)
    return get_scoped_or_404(
        queryset.select_related("department", "programme", "trainer"),
        user=user,
        kind="training.trainingclass",
        public_id=uuid_or_none(public_id),
    )


def get_class_for_learner(user, public_id) -> tuple[Staff, TrainingClass]:
    """A class the signed-in person is expected at."""
    staff = learner_staff_or_404(user)
    queryset = TrainingClass.objects.filter(attendances__staff=staff).select_related(
        "department", "programme", "trainer"
    )
    training_class = get_scoped_or_404(
        queryset, user=user, kind="training.trainingclass", public_id=uuid_or_none(public_id)
    )
    return staff, training_class


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
