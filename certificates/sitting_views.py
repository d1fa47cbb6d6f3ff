"""Pages of the assessment sitting: the coordinators' sitting page, the door page and
the examiners' scoring pages (both at phone size). Thin: parse, fetch through
certificates.access, call the services, render."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.imports.workbook import XLSX_CONTENT_TYPE
from exams.models import ExamSession, SessionKind
from organisation.access import (
    departments_managed_by,
    get_department_for,
    require_coordinator,
    user_roles,
)
from organisation.models import Staff

from . import services
from .access import (
    candidates_visible_to,
    get_candidate_for,
    get_own_candidate_for,
    get_room_for,
    get_sitting_for,
    rooms_examined_by,
    sittings_visible_to,
)
from .models import Attendance, CandidateStatus, PracticalScore, Room
from .selectors import examiner_proposals
from .services.sitting_day import is_room_chief, sitting_criteria
from .services.sitting_results import issuable
from .sitting_documents import (
    results_xlsx,
    seated_candidates,
    sign_in_pdf,
    sign_in_xlsx,
    tickets_pdf,
    tickets_zip,
)
from .sitting_forms import (
    ExaminerForm,
    ProposeForm,
    ResolveForm,
    ReviewPanelForm,
    RoomForm,
    ScanForm,
    SeatForm,
    SeatingForm,
    SittingForm,
    WithdrawForm,
)
from .sitting_messages import MSG_NOT_SEATED


def _run(request, action: Callable, success: str) -> bool:
    """Call a service; its refusal becomes the page's error message."""
    try:
        action()
    except (ValidationError, PermissionDenied) as exc:
        for text in getattr(exc, "messages", None) or [str(exc)]:
            messages.error(request, text)
        return False
    messages.success(request, success)
    return True


def _is_organiser(user, sitting) -> bool:
    return departments_managed_by(user).filter(pk=sitting.department_id).exists()


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _formal_sessions(user):
    return ExamSession.objects.filter(
        kind=SessionKind.FORMAL_THEORY, department__in=departments_managed_by(user)
    ).order_by("-opens_at")


# --- coordinators ----------------------------------------------------------------------


@login_required
def sitting_list(request):
    roles = user_roles(request.user)
    if not roles.can_read_units:
        if roles.is_examiner:
            return redirect("certificates:examine")
        raise Http404
    form = None
    if roles.is_coordinator:
        form = SittingForm(request.POST or None, sessions=_formal_sessions(request.user))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            organising = departments_managed_by(request.user).order_by("depth", "path").first()
            try:
                sitting = services.sitting_create(
                    acting_user=request.user,
                    request=request,
                    department=organising,
                    create_theory=True,
                    **data,
                )
            except (ValidationError, PermissionDenied) as exc:
                if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, getattr(exc, "messages", None) or [str(exc)])
            else:
                messages.success(request, _("The sitting has been planned."))
                return redirect("certificates:sitting", public_id=sitting.public_id)
    sittings = (
        sittings_visible_to(request.user)
        .select_related("level", "department")
        .annotate(
            confirmed=Count("candidates", filter=Q(candidates__status=CandidateStatus.CONFIRMED))
        )
        .order_by("-theory_starts_at")[:100]
    )
    return render(request, "certificates/sittings/list.html", {"sittings": sittings, "form": form})


@login_required
def sitting_detail(request, public_id):
    sitting = get_sitting_for(request.user, public_id)
    organiser = _is_organiser(request.user, sitting)
    if not organiser and not user_roles(request.user).can_read_units:
        return redirect("certificates:examine")
    people = list(
        candidates_visible_to(request.user, sitting)
        .select_related("staff__department", "room", "assessment__certificate", "review_panel")
        .order_by("status", "room__number", "seat", "pk")
    )
    managed = set(departments_managed_by(request.user).values_list("pk", flat=True))
    for person in people:
        person.can_confirm = (
            person.status == CandidateStatus.PROPOSED and person.staff.department_id in managed
        )
        person.can_withdraw = (
            person.status != CandidateStatus.WITHDRAWN
            and person.attendance != Attendance.PRESENT
            and (organiser or person.staff.department_id in managed)
        )
    # The people a coordinator proposes from: their units, or one unit's subtree.
    within = departments_managed_by(request.user)
    unit = None
    if request.GET.get("unit"):
        unit = get_department_for(request.user, request.GET["unit"], write=True)
        within = within.filter(path__startswith=unit.path)
    eligible = (
        []
        if timezone.now() >= sitting.theory_starts_at
        else list(services.eligible_staff(sitting=sitting, within=within)[:300])
    )
    rooms = list(
        sitting.rooms.annotate(
            seated=Count("candidates", filter=Q(candidates__seat__isnull=False))
        ).prefetch_related("examiners__user")
    )
    started = timezone.now() >= sitting.theory_starts_at
    context = {
        "sitting": sitting,
        "organiser": organiser,
        "started": started,
        "people": people,
        "rooms": rooms,
        "eligible": eligible,
        "propose_form": ProposeForm(choices=[(s.public_id, s.name) for s in eligible]),
        "propose_unit": unit,
        "propose_units": list(
            departments_managed_by(request.user).order_by("path").values("pk", "name")[:500]
        )
        if not started
        else [],
        "room_form": RoomForm(),
        "seating_form": SeatingForm(),
        "examiner_form": ExaminerForm(
            proposals=examiner_proposals(sitting=sitting, user=request.user)
            if organiser and not started
            else ()
        ),
        "withdraw_form": WithdrawForm(),
        "review_form": ReviewPanelForm(),
        "seat_form": SeatForm(),
        "issue_running": sitting.issue_requested_at is not None
        and sitting.issue_finished_at is None,
        "issuable": issuable(sitting).count() if organiser and sitting.results_at else 0,
        "theory_sessions": _formal_sessions(request.user)[:50]
        if organiser and sitting.results_at is None
        else [],
    }
    return render(request, "certificates/sittings/detail.html", context)


def _back(sitting):
    return redirect("certificates:sitting", public_id=sitting.public_id)


@login_required
@require_POST
def sitting_room_add(request, public_id):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    form = RoomForm(request.POST)
    if form.is_valid():
        _run(
            request,
            lambda: services.sitting_room_add(
                sitting=sitting, acting_user=request.user, request=request, **form.cleaned_data
            ),
            _("The room has been added."),
        )
    else:
        messages.error(request, _("Check the room number, place and seats."))
    return _back(sitting)


@login_required
@require_POST
def sitting_theory(request, public_id):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    session = _formal_sessions(request.user).filter(public_id=request.POST.get("session")).first()
    if session is None:
        messages.error(request, _("Choose a formal theory exam of your units."))
        return _back(sitting)
    _run(
        request,
        lambda: services.sitting_link_theory(
            sitting=sitting, session=session, acting_user=request.user, request=request
        ),
        _("The theory exam has been linked."),
    )
    return _back(sitting)


@login_required
@require_POST
def sitting_propose(request, public_id):
    require_coordinator(request.user)
    sitting = get_sitting_for(request.user, public_id)
    recommended = request.POST.get("recommended") == "on"
    chosen = Staff.objects.filter(
        department__in=departments_managed_by(request.user),
        public_id__in=[v for v in request.POST.getlist("staff") if len(v) in (32, 36)],
    ).select_related("department")
    added = 0
    for staff in chosen:
        try:
            services.candidate_propose(
                sitting=sitting,
                staff=staff,
                recommended=recommended,
                acting_user=request.user,
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            for text in getattr(exc, "messages", None) or [str(exc)]:
                messages.error(request, text)
        else:
            added += 1
    if added:
        messages.success(request, _("%(n)s candidates proposed.") % {"n": added})
    return _back(sitting)


@login_required
@require_POST
def candidate_confirm(request, public_id, candidate_id):
    sitting = get_sitting_for(request.user, public_id)
    candidate = get_candidate_for(request.user, sitting, candidate_id)
    _run(
        request,
        lambda: services.candidate_confirm(
            candidate=candidate, acting_user=request.user, request=request
        ),
        _("%(name)s is confirmed.") % {"name": candidate.staff.name},
    )
    return _back(sitting)


@login_required
@require_POST
def candidate_withdraw(request, public_id, candidate_id):
    sitting = get_sitting_for(request.user, public_id)
    candidate = get_candidate_for(request.user, sitting, candidate_id)
    _run(
        request,
        lambda: services.candidate_withdraw(
            candidate=candidate,
            reason=request.POST.get("reason", ""),
            acting_user=request.user,
            request=request,
        ),
        _("%(name)s has been withdrawn.") % {"name": candidate.staff.name},
    )
    return _back(sitting)


@login_required
@require_POST
def candidate_seat(request, public_id, candidate_id):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    candidate = get_candidate_for(request.user, sitting, candidate_id)
    form = SeatForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a room number and a seat."))
        return _back(sitting)
    room = get_room_for(request.user, sitting, form.cleaned_data["room"])
    _run(
        request,
        lambda: services.candidate_assign_seat(
            candidate=candidate,
            room=room,
            seat=form.cleaned_data["seat"],
            acting_user=request.user,
            request=request,
        ),
        _("The seat has been changed."),
    )
    return _back(sitting)


@login_required
@require_POST
def sitting_seat(request, public_id):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    form = SeatingForm(request.POST)
    seed = form.cleaned_data["seed"] if form.is_valid() else None
    _run(
        request,
        lambda: services.sitting_assign_seats(
            sitting=sitting, seed=seed, acting_user=request.user, request=request
        ),
        _("Seats and ticket numbers have been assigned."),
    )
    return _back(sitting)


@login_required
@require_POST
def sitting_examiner(request, public_id):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    form = ExaminerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the room number and the examiner's account."))
        return _back(sitting)
    room = get_room_for(request.user, sitting, form.cleaned_data["room"])
    user = get_user_model().objects.filter(username=form.cleaned_data["account"]).first()
    if user is None:
        messages.error(request, _("No account with this username."))
        return _back(sitting)
    _run(
        request,
        lambda: services.examiner_appoint(
            room=room,
            user=user,
            is_chief=form.cleaned_data["is_chief"],
            acting_user=request.user,
            request=request,
        ),
        _("The examiner has been assigned."),
    )
    return _back(sitting)


def _printable(request, sitting, build):
    try:
        return build()
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return None


@login_required
def sitting_tickets(request, public_id, fmt: str):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    people = list(seated_candidates(sitting))
    if not people:
        messages.error(request, MSG_NOT_SEATED)
        return _back(sitting)
    if fmt == "zip":
        content = _printable(request, sitting, lambda: tickets_zip(sitting, people))
        name, kind = f"tickets-{sitting.pk}.zip", "application/zip"
    else:
        content = _printable(request, sitting, lambda: tickets_pdf(sitting, people))
        name, kind = f"tickets-{sitting.pk}.pdf", "application/pdf"
    if content is None:
        return _back(sitting)
    return _file(content, kind, name)


@login_required
def candidate_ticket(request, public_id, candidate_id):
    sitting = get_sitting_for(request.user, public_id)
    candidate = get_candidate_for(request.user, sitting, candidate_id)
    if candidate.status != CandidateStatus.CONFIRMED or candidate.seat is None:
        raise Http404
    content = _printable(request, sitting, lambda: tickets_pdf(sitting, [candidate]))
    if content is None:
        return _back(sitting)
    return _file(content, "application/pdf", f"{candidate.ticket_number}.pdf")


@login_required
def my_ticket(request, candidate_id):
    """A candidate's own admission ticket (PDF)."""
    candidate = get_own_candidate_for(request.user, candidate_id)
    if candidate.status != CandidateStatus.CONFIRMED or candidate.seat is None:
        raise Http404
    content = _printable(
        request, candidate.sitting, lambda: tickets_pdf(candidate.sitting, [candidate])
    )
    if content is None:
        return redirect("certificates:index")
    return _file(content, "application/pdf", f"{candidate.ticket_number}.pdf")


@login_required
def room_sign_in(request, public_id, number, fmt: str):
    sitting = get_sitting_for(request.user, public_id)
    room = get_room_for(request.user, sitting, number)
    if fmt == "xlsx":
        return _file(sign_in_xlsx(room), XLSX_CONTENT_TYPE, f"sign-in-{room.number:02d}.xlsx")
    content = _printable(request, sitting, lambda: sign_in_pdf(room))
    if content is None:
        return _back(sitting)
    return _file(content, "application/pdf", f"sign-in-{room.number:02d}.pdf")


@login_required
@require_POST
def sitting_results(request, public_id):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    _run(
        request,
        lambda: services.sitting_results_compute(
            sitting=sitting, acting_user=request.user, request=request
        ),
        _("The results have been reviewed."),
    )
    return _back(sitting)


@login_required
def sitting_results_xlsx(request, public_id):
    sitting = get_sitting_for(request.user, public_id)
    people = list(
        candidates_visible_to(request.user, sitting)
        .filter(status=CandidateStatus.CONFIRMED)
        .select_related("staff__department", "room", "assessment")
        .order_by("room__number", "seat")
    )
    return _file(results_xlsx(sitting, people), XLSX_CONTENT_TYPE, f"results-{sitting.pk}.xlsx")


@login_required
@require_POST
def candidate_review(request, public_id, candidate_id):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    candidate = get_candidate_for(request.user, sitting, candidate_id)
    form = ReviewPanelForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Name the members of the review panel and the decision."))
        return _back(sitting)
    _run(
        request,
        lambda: services.review_panel_record(
            candidate=candidate, acting_user=request.user, request=request, **form.cleaned_data
        ),
        _("The review panel's decision has been recorded."),
    )
    return _back(sitting)


@login_required
@require_POST
def sitting_issue(request, public_id):
    sitting = get_sitting_for(request.user, public_id, organise=True)
    _run(
        request,
        lambda: services.sitting_issue_request(
            sitting=sitting, acting_user=request.user, request=request
        ),
        _("The certificates are being issued."),
    )
    return _back(sitting)


# --- examiners and the door ------------------------------------------------------------


@login_required
def examine(request):
    """The rooms the signed-in examiner is assigned to."""
    rooms = (
        rooms_examined_by(request.user)
        .select_related("sitting__level")
        .annotate(people=Count("candidates", filter=Q(candidates__seat__isnull=False)))
        .order_by("-sitting__practical_starts_at", "number")
    )
    if not rooms.exists() and not user_roles(request.user).is_examiner:
        raise Http404
    return render(request, "certificates/sittings/examine.html", {"rooms": rooms})


def _room_people(room: Room):
    return seated_candidates(room.sitting, room=room).select_related("check_in")


@login_required
def door(request, public_id, number):
    """Check-in at the room's door: scan the ticket's QR code or type its number."""
    sitting = get_sitting_for(request.user, public_id)
    room = get_room_for(request.user, sitting, number)
    form = ScanForm(request.POST or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            person = services.check_in(
                room=room,
                scanned=form.cleaned_data["ticket"],
                method="typed" if form.cleaned_data["method"] == "typed" else "scan",
                acting_user=request.user,
                request=request,
            )
        except (ValidationError, PermissionDenied) as exc:
            result = {"ok": False, "text": " ".join(getattr(exc, "messages", [str(exc)]))}
        else:
            result = {
                "ok": True,
                "text": _("%(name)s checked in: seat %(seat)s.")
                % {"name": person.staff.name, "seat": person.seat},
            }
        form = ScanForm()
    people = list(_room_people(room))
    present = sum(1 for p in people if p.attendance == Attendance.PRESENT)
    return render(
        request,
        "certificates/sittings/door.html",
        {
            "sitting": sitting,
            "room": room,
            "form": form,
            "result": result,
            "people": people,
            "present": present,
        },
        status=200 if result is None or result["ok"] else 422,
    )


@login_required
@require_POST
def door_absences(request, public_id, number):
    sitting = get_sitting_for(request.user, public_id)
    room = get_room_for(request.user, sitting, number)
    _run(
        request,
        lambda: services.room_record_absences(room=room, acting_user=request.user, request=request),
        _("Absences have been recorded."),
    )
    return redirect("certificates:door", public_id=sitting.public_id, number=room.number)


@login_required
def score_room(request, public_id, number):
    sitting = get_sitting_for(request.user, public_id)
    room = get_room_for(request.user, sitting, number)
    people = list(_room_people(room))
    mine = set(
        PracticalScore.objects.filter(candidate__room=room, examiner=request.user)
        .values_list("candidate_id", flat=True)
        .distinct()
    )
    for person in people:
        person.scored_by_me = person.pk in mine
    return render(
        request,
        "certificates/sittings/score_room.html",
        {
            "sitting": sitting,
            "room": room,
            "people": people,
            "is_chief": is_room_chief(request.user, room),
            "resolve_form": ResolveForm(),
        },
    )


@login_required
def score_candidate(request, public_id, number, candidate_id):
    sitting = get_sitting_for(request.user, public_id)
    room = get_room_for(request.user, sitting, number)
    candidate = get_candidate_for(request.user, sitting, candidate_id)
    if candidate.room_id != room.pk:
        raise Http404
    criteria = sitting_criteria(sitting)
    mine = {
        f"{s.task_id}-{s.criterion}": s.points
        for s in PracticalScore.objects.filter(candidate=candidate, examiner=request.user)
    }
    values = dict(mine)
    error = None
    if request.method == "POST":
        values = {c.key: request.POST.get(f"c-{c.key}", "") for c in criteria}
        try:
            services.practical_score_record(
                candidate=candidate, scores=values, acting_user=request.user, request=request
            )
        except (ValidationError, PermissionDenied) as exc:
            error = " ".join(getattr(exc, "messages", [str(exc)]))
        else:
            messages.success(
                request, _("Scores for %(name)s saved.") % {"name": candidate.staff.name}
            )
            return redirect(
                "certificates:score_room", public_id=sitting.public_id, number=room.number
            )
    tasks = {t.pk: t for t in sitting.tasks.all()}
    rows = [
        {
            "criterion": c,
            "task": tasks.get(c.task_id),
            "name": f"c-{c.key}",
            "value": values.get(c.key, ""),
        }
        for c in criteria
    ]
    return render(
        request,
        "certificates/sittings/score_candidate.html",
        {
            "sitting": sitting,
            "room": room,
            "candidate": candidate,
            "rows": rows,
            "error": error,
        },
        status=422 if error else 200,
    )


@login_required
@require_POST
def flag_resolve(request, public_id, number, candidate_id):
    sitting = get_sitting_for(request.user, public_id)
    room = get_room_for(request.user, sitting, number)
    candidate = get_candidate_for(request.user, sitting, candidate_id)
    _run(
        request,
        lambda: services.practical_flag_resolve(
            candidate=candidate,
            note=request.POST.get("note", ""),
            acting_user=request.user,
            request=request,
        ),
        _("The second look has been recorded."),
    )
    return redirect("certificates:score_room", public_id=sitting.public_id, number=room.number)


@login_required
@require_POST
def room_sign_off(request, public_id, number):
    sitting = get_sitting_for(request.user, public_id)
    room = get_room_for(request.user, sitting, number)
    _run(
        request,
        lambda: services.room_sign_off(room=room, acting_user=request.user, request=request),
        _("The room has been signed off; its scores are locked."),
    )
    return redirect("certificates:score_room", public_id=sitting.public_id, number=room.number)
