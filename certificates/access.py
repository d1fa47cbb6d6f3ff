"""Who may see and change which assessments and certificates, built on
organisation.access. Missing and forbidden answer the same 404."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from organisation.access import (
    departments_above_readers,
    departments_managed_by,
    departments_visible_to,
    get_scoped_or_404,
    staff_visible_to,
    uuid_or_none,
)

from .models import Assessment, Candidate, Certificate, CertificateBundle, Room, Sitting


def certificates_visible_to(user) -> QuerySet[Certificate]:
    """Certificates of staff in the user's read subtrees, plus the user's own."""
    return Certificate.objects.filter(staff__in=staff_visible_to(user))


def certificates_managed_by(user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(staff__department__in=departments_managed_by(user))


def assessments_visible_to(user) -> QuerySet[Assessment]:
    return Assessment.objects.filter(candidate__in=staff_visible_to(user))


def assessments_managed_by(user) -> QuerySet[Assessment]:
    return Assessment.objects.filter(candidate__department__in=departments_managed_by(user))


def get_certificate_for(user, public_id, *, write: bool = False) -> Certificate:
    queryset = certificates_managed_by(user) if write else certificates_visible_to(user)
    return get_scoped_or_404(
        queryset.select_related("staff__department", "level", "assessment"),
        user=user,
        kind="certificates.certificate",
        public_id=uuid_or_none(public_id),
    )


def get_assessment_for(user, public_id, *, write: bool = False) -> Assessment:
    queryset = assessments_managed_by(user) if write else assessments_visible_to(user)
    return get_scoped_or_404(
        queryset.select_related("candidate__department", "level"),
        user=user,
        kind="certificates.assessment",
        public_id=uuid_or_none(public_id),
    )


def bundles_visible_to(user) -> QuerySet[CertificateBundle]:
    """ZIP bundles: only their requester's, while the unit is still visible to them."""
    return CertificateBundle.objects.filter(
        requested_by_id=getattr(user, "pk", None),
        department__in=departments_visible_to(user),
    )


def get_bundle_for(user, public_id) -> CertificateBundle:
    return get_scoped_or_404(
        bundles_visible_to(user).select_related("department"),
        user=user,
        kind="certificates.certificatebundle",
        public_id=uuid_or_none(public_id),
    )


# --- assessment sittings ---------------------------------------------------------------
# The organisers (coordinators of the sitting's unit) see and run the whole sitting; a
# unit's coordinator sees the sitting and only their own people in it; an examiner sees
# only the rooms they are assigned to; a learner sees only their own ticket.


def sittings_organised_by(user) -> QuerySet[Sitting]:
    return Sitting.objects.filter(department__in=departments_managed_by(user))


def sittings_visible_to(user) -> QuerySet[Sitting]:
    """Sittings a reader's subtree organises or has candidates in, sittings organised
    above it (a unit's coordinator proposes their own people to the city's sitting; they
    see only those people in it), and sittings with a room the user examines."""
    return Sitting.objects.filter(
        Q(department__in=departments_visible_to(user))
        | Q(department__in=departments_above_readers(user))
        | Q(
            pk__in=Candidate.objects.filter(
                staff__department__in=departments_visible_to(user)
            ).values("sitting_id")
        )
        | Q(pk__in=rooms_examined_by(user).values("sitting_id"))
    )


def rooms_examined_by(user) -> QuerySet[Room]:
    if user is None or not user.is_authenticated:
        return Room.objects.none()
    return Room.objects.filter(examiners__user_id=user.pk)


def candidates_visible_to(user, sitting: Sitting) -> QuerySet[Candidate]:
    """The sitting's organisers see everyone; a unit's reader their own people; an
    examiner the candidates of their rooms."""
    queryset = Candidate.objects.filter(sitting=sitting)
    if departments_managed_by(user).filter(pk=sitting.department_id).exists():
        return queryset
    return queryset.filter(
        Q(staff__department__in=departments_visible_to(user)) | Q(room__in=rooms_examined_by(user))
    )


def get_sitting_for(user, public_id, *, organise: bool = False) -> Sitting:
    queryset = sittings_organised_by(user) if organise else sittings_visible_to(user)
    return get_scoped_or_404(
        queryset.select_related("level", "department", "theory_session"),
        user=user,
        kind="certificates.sitting",
        public_id=uuid_or_none(public_id),
    )


def get_room_for(user, sitting: Sitting, number) -> Room:
    """A room of the sitting for its organisers and its own examiners."""
    queryset = Room.objects.filter(sitting=sitting)
    if not departments_managed_by(user).filter(pk=sitting.department_id).exists():
        queryset = queryset.filter(pk__in=rooms_examined_by(user).values("pk"))
    try:
        number = int(number)
    except (TypeError, ValueError):
        number = None
    return get_scoped_or_404(
        queryset.select_related("sitting__level"),
        user=user,
        kind="certificates.room",
        sitting=sitting,
        number=number,
    )


def get_candidate_for(user, sitting: Sitting, public_id) -> Candidate:
    return get_scoped_or_404(
        candidates_visible_to(user, sitting).select_related(
            "staff__department", "room", "sitting__level"
        ),
        user=user,
        kind="certificates.candidate",
        public_id=uuid_or_none(public_id),
    )


def own_tickets(user) -> QuerySet[Candidate]:
    """The signed-in person's own seated, confirmed candidacies (their tickets)."""
    if user is None or not user.is_authenticated:
        return Candidate.objects.none()
    return Candidate.objects.filter(
        staff__user_id=user.pk, status="confirmed", seat__isnull=False
    ).select_related("sitting__level", "sitting__department", "room", "staff__department")


def get_own_candidate_for(user, public_id) -> Candidate:
    return get_scoped_or_404(
        own_tickets(user),
        user=user,
        kind="certificates.candidate",
        public_id=uuid_or_none(public_id),
    )
