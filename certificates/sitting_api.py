"""REST endpoints of the assessment sitting, over the same access functions and
services as the pages (`certificates.sitting_views`). Refusals come back through
`core.api.exception_handler`: 400 with the Chinese sentence, 403 for a role the object
is visible to but may not act with, 404 for what is not the user's."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from core.imports.workbook import XLSX_CONTENT_TYPE
from exams.models import ExamSession, Question
from organisation.access import departments_managed_by, get_staff_for, require_coordinator

from . import services
from .access import (
    candidates_visible_to,
    get_candidate_for,
    get_room_for,
    get_sitting_for,
    rooms_examined_by,
    sittings_visible_to,
)
from .models import Candidate, CandidateStatus, Room, Sitting, SkillLevel
from .sitting_documents import (
    seated_candidates,
    sign_in_pdf,
    sign_in_xlsx,
    tickets_pdf,
    tickets_zip,
)
from .sitting_messages import MSG_NOT_SEATED

LOOKUP = "[0-9a-fA-F-]{32,36}"


class SittingSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    level = serializers.IntegerField(source="level.code")
    organised_by = serializers.CharField(source="department.code", read_only=True)
    tasks = serializers.PrimaryKeyRelatedField(many=True, queryset=Question.objects.all())
    theory_session = serializers.SlugRelatedField(
        slug_field="public_id",
        queryset=ExamSession.objects.all(),
        required=False,
        allow_null=True,
        help_text="an existing formal theory exam; without it (and with create_theory) "
        "planning creates the sitting's theory exam",
    )
    create_theory = serializers.BooleanField(
        write_only=True,
        default=True,
        help_text="create the theory exam (theory blueprint, theory times, the candidates "
        "as audience) when no theory_session is given",
    )

    class Meta:
        model = Sitting
        fields = [
            "id",
            "title",
            "level",
            "organised_by",
            "theory_starts_at",
            "theory_ends_at",
            "practical_starts_at",
            "practical_ends_at",
            "confirm_by",
            "tasks",
            "theory_session",
            "create_theory",
            "seated_at",
            "results_at",
            "issue_requested_at",
            "issue_finished_at",
            "issue_total",
            "issue_done",
        ]
        read_only_fields = [
            "seated_at",
            "results_at",
            "issue_requested_at",
            "issue_finished_at",
            "issue_total",
            "issue_done",
        ]


class RoomSerializer(serializers.ModelSerializer):
    class Meta:
        model = Room
        fields = ["number", "name", "capacity", "signed_off_at"]
        read_only_fields = ["signed_off_at"]


class CandidateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    staff = serializers.UUIDField(source="staff.public_id", read_only=True)
    name = serializers.CharField(source="staff.name", read_only=True)
    unit = serializers.CharField(source="staff.department.code", read_only=True)
    room = serializers.IntegerField(source="room.number", read_only=True, allow_null=True)
    resolved = serializers.BooleanField(source="is_resolved", read_only=True)

    class Meta:
        model = Candidate
        fields = [
            "id",
            "staff",
            "name",
            "unit",
            "status",
            "recommended",
            "withdrawn_reason",
            "room",
            "seat",
            "ticket_number",
            "attendance",
            "practical_score",
            "spread",
            "flagged",
            "resolved",
        ]


class ProposeSerializer(serializers.Serializer):
    staff = serializers.UUIDField(help_text="staff public id")
    recommended = serializers.BooleanField(default=False)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class SeatSerializer(serializers.Serializer):
    room = serializers.IntegerField(min_value=1)
    seat = serializers.IntegerField(min_value=1)


class SeatingSerializer(serializers.Serializer):
    seed = serializers.IntegerField(required=False, allow_null=True, min_value=0)


class ExaminerSerializer(serializers.Serializer):
    room = serializers.IntegerField(min_value=1)
    username = serializers.CharField(
        max_length=150,
        help_text="the examiner's account; one without the examiner role is made an examiner "
        "(a staff member of the organiser's units, bound to their own unit)",
    )
    is_chief = serializers.BooleanField(default=False)


class CheckInSerializer(serializers.Serializer):
    ticket = serializers.CharField(max_length=40)
    method = serializers.ChoiceField(choices=["scan", "typed"], default="scan")


class ScoresSerializer(serializers.Serializer):
    scores = serializers.DictField(
        child=serializers.CharField(max_length=10, allow_blank=True),
        help_text='points per rubric criterion, keyed "<task id>-<criterion index>"',
    )


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=200)


class ReviewPanelSerializer(serializers.Serializer):
    panel = serializers.CharField(max_length=200)
    passed = serializers.BooleanField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ResultsSerializer(serializers.Serializer):
    assessed = serializers.IntegerField()
    passed = serializers.IntegerField()
    failed = serializers.IntegerField()
    pending = serializers.IntegerField()
    absent = serializers.IntegerField()


class ExaminerRoomSerializer(serializers.ModelSerializer):
    sitting = serializers.UUIDField(source="sitting.public_id")
    sitting_title = serializers.CharField(source="sitting.title")

    class Meta:
        model = Room
        fields = ["sitting", "sitting_title", "number", "name", "capacity", "signed_off_at"]


def _format_parameter(*formats: str) -> OpenApiParameter:
    return OpenApiParameter("fmt", str, OpenApiParameter.PATH, enum=list(formats))


class SittingViewSet(viewsets.GenericViewSet):
    """Assessment sittings: organisers run them, unit coordinators propose and confirm
    their people, examiners check in and score in their rooms."""

    serializer_class = SittingSerializer
    lookup_field = "public_id"
    lookup_value_regex = LOOKUP

    def get_queryset(self):
        return sittings_visible_to(self.request.user).select_related("level", "department")

    def _sitting(self, *, organise: bool = False) -> Sitting:
        return get_sitting_for(self.request.user, self.kwargs["public_id"], organise=organise)

    def _candidate(self, sitting, candidate_id) -> Candidate:
        return get_candidate_for(self.request.user, sitting, candidate_id)

    @staticmethod
    def _data(serializer_class, request):
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def list(self, request):
        queryset = self.get_queryset().order_by("-theory_starts_at")
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(SittingSerializer(page, many=True).data)

    def retrieve(self, request, public_id=None):
        return Response(SittingSerializer(self._sitting()).data)

    def create(self, request):
        require_coordinator(request.user)
        data = self._data(SittingSerializer, request)
        level = SkillLevel.objects.filter(code=data.pop("level")["code"]).first()
        if level is None:
            raise Http404
        organising = departments_managed_by(request.user).order_by("depth", "path").first()
        sitting = services.sitting_create(
            department=organising, level=level, acting_user=request.user, request=request, **data
        )
        return Response(SittingSerializer(sitting).data, status=201)

    @extend_schema(request=RoomSerializer, responses={201: RoomSerializer})
    @action(detail=True, methods=["post"])
    def rooms(self, request, public_id=None):
        sitting = self._sitting(organise=True)
        room = services.sitting_room_add(
            sitting=sitting,
            acting_user=request.user,
            request=request,
            **self._data(RoomSerializer, request),
        )
        return Response(RoomSerializer(room).data, status=201)

    @extend_schema(methods=["get"], responses=CandidateSerializer(many=True), request=None)
    @extend_schema(
        methods=["post"], request=ProposeSerializer, responses={201: CandidateSerializer}
    )
    @action(detail=True, methods=["get", "post"])
    def candidates(self, request, public_id=None):
        """The candidates the user may see; POST proposes one of their staff."""
        sitting = self._sitting()
        if request.method == "GET":
            people = candidates_visible_to(request.user, sitting).select_related(
                "staff__department", "room"
            )
            return Response(CandidateSerializer(people, many=True).data)
        data = self._data(ProposeSerializer, request)
        staff = get_staff_for(request.user, data["staff"], write=True)
        candidate = services.candidate_propose(
            sitting=sitting,
            staff=staff,
            recommended=data["recommended"],
            acting_user=request.user,
            request=request,
        )
        return Response(CandidateSerializer(candidate).data, status=201)

    @extend_schema(request=None, responses=CandidateSerializer)
    @action(
        detail=True, methods=["post"], url_path=f"candidates/(?P<candidate_id>{LOOKUP})/confirm"
    )
    def confirm(self, request, public_id=None, candidate_id=None):
        sitting = self._sitting()
        candidate = services.candidate_confirm(
            candidate=self._candidate(sitting, candidate_id),
            acting_user=request.user,
            request=request,
        )
        return Response(CandidateSerializer(candidate).data)

    @extend_schema(request=ReasonSerializer, responses=CandidateSerializer)
    @action(
        detail=True, methods=["post"], url_path=f"candidates/(?P<candidate_id>{LOOKUP})/withdraw"
    )
    def withdraw(self, request, public_id=None, candidate_id=None):
        sitting = self._sitting()
        candidate = services.candidate_withdraw(
            candidate=self._candidate(sitting, candidate_id),
            reason=self._data(ReasonSerializer, request)["reason"],
            acting_user=request.user,
            request=request,
        )
        return Response(CandidateSerializer(candidate).data)

    @extend_schema(request=SeatSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"], url_path=f"candidates/(?P<candidate_id>{LOOKUP})/seat")
    def move_seat(self, request, public_id=None, candidate_id=None):
        sitting = self._sitting(organise=True)
        data = self._data(SeatSerializer, request)
        candidate = services.candidate_assign_seat(
            candidate=self._candidate(sitting, candidate_id),
            room=get_room_for(request.user, sitting, data["room"]),
            seat=data["seat"],
            acting_user=request.user,
            request=request,
        )
        return Response(CandidateSerializer(candidate).data)

    @extend_schema(request=SeatingSerializer, responses=CandidateSerializer(many=True))
    @action(detail=True, methods=["post"])
    def seat(self, request, public_id=None):
        """Seat every confirmed candidate at random (the same `seed` gives the same seats)."""
        sitting = self._sitting(organise=True)
        services.sitting_assign_seats(
            sitting=sitting,
            seed=self._data(SeatingSerializer, request).get("seed"),
            acting_user=request.user,
            request=request,
        )
        people = sitting.candidates.filter(seat__isnull=False).select_related(
            "staff__department", "room"
        )
        return Response(CandidateSerializer(people, many=True).data)

    @extend_schema(request=ExaminerSerializer, responses={201: ExaminerSerializer})
    @action(detail=True, methods=["post"])
    def examiners(self, request, public_id=None):
        sitting = self._sitting(organise=True)
        data = self._data(ExaminerSerializer, request)
        room = get_room_for(request.user, sitting, data["room"])
        user = get_user_model().objects.filter(username=data["username"]).first()
        if user is None:
            raise Http404
        services.examiner_appoint(
            room=room,
            user=user,
            is_chief=data["is_chief"],
            acting_user=request.user,
            request=request,
        )
        return Response(data, status=201)

    @extend_schema(request=CheckInSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"], url_path=r"rooms/(?P<number>\d+)/check-in")
    def check_in(self, request, public_id=None, number=None):
        """Check a candidate in at the room's door by the ticket number (from the QR
        code or typed): 400 with the reason for a wrong room, time, or a used ticket."""
        sitting = self._sitting()
        data = self._data(CheckInSerializer, request)
        candidate = services.check_in(
            room=get_room_for(request.user, sitting, number),
            scanned=data["ticket"],
            method=data["method"],
            acting_user=request.user,
            request=request,
        )
        return Response(CandidateSerializer(candidate).data)

    @extend_schema(request=None, responses=CandidateSerializer(many=True))
    @action(detail=True, methods=["get"], url_path=r"rooms/(?P<number>\d+)/candidates")
    def room_candidates(self, request, public_id=None, number=None):
        sitting = self._sitting()
        room = get_room_for(request.user, sitting, number)
        people = room.candidates.filter(seat__isnull=False).select_related(
            "staff__department", "room"
        )
        return Response(CandidateSerializer(people, many=True).data)

    @extend_schema(request=ScoresSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"], url_path=f"candidates/(?P<candidate_id>{LOOKUP})/scores")
    def scores(self, request, public_id=None, candidate_id=None):
        """An examiner's scores for a candidate of their room, every rubric criterion."""
        sitting = self._sitting()
        candidate = services.practical_score_record(
            candidate=self._candidate(sitting, candidate_id),
            scores=self._data(ScoresSerializer, request)["scores"],
            acting_user=request.user,
            request=request,
        )
        return Response(CandidateSerializer(candidate).data)

    @extend_schema(request=NoteSerializer, responses=CandidateSerializer)
    @action(
        detail=True, methods=["post"], url_path=f"candidates/(?P<candidate_id>{LOOKUP})/resolve"
    )
    def resolve(self, request, public_id=None, candidate_id=None):
        sitting = self._sitting()
        candidate = services.practical_flag_resolve(
            candidate=self._candidate(sitting, candidate_id),
            note=self._data(NoteSerializer, request)["note"],
            acting_user=request.user,
            request=request,
        )
        return Response(CandidateSerializer(candidate).data)

    @extend_schema(request=None, responses=RoomSerializer)
    @action(detail=True, methods=["post"], url_path=r"rooms/(?P<number>\d+)/sign-off")
    def sign_off(self, request, public_id=None, number=None):
        sitting = self._sitting()
        room = services.room_sign_off(
            room=get_room_for(request.user, sitting, number),
            acting_user=request.user,
            request=request,
        )
        return Response(RoomSerializer(room).data)

    @extend_schema(request=ReviewPanelSerializer, responses=CandidateSerializer)
    @action(detail=True, methods=["post"], url_path=f"candidates/(?P<candidate_id>{LOOKUP})/review")
    def review(self, request, public_id=None, candidate_id=None):
        sitting = self._sitting(organise=True)
        candidate = self._candidate(sitting, candidate_id)
        services.review_panel_record(
            candidate=candidate,
            acting_user=request.user,
            request=request,
            **self._data(ReviewPanelSerializer, request),
        )
        return Response(CandidateSerializer(candidate).data)

    @extend_schema(request=None, responses=ResultsSerializer)
    @action(detail=True, methods=["post"])
    def results(self, request, public_id=None):
        summary = services.sitting_results_compute(
            sitting=self._sitting(organise=True), acting_user=request.user, request=request
        )
        return Response(ResultsSerializer(summary.__dict__).data)

    @extend_schema(request=None, responses={202: SittingSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, public_id=None):
        """Issue the certificates of every passed candidate in the background; poll the
        sitting for `issue_done` of `issue_total`."""
        sitting = services.sitting_issue_request(
            sitting=self._sitting(organise=True), acting_user=request.user, request=request
        )
        return Response(SittingSerializer(sitting).data, status=202)

    # --- printed papers: the same documents as the sitting page's links ---------------

    @extend_schema(
        request=None,
        parameters=[_format_parameter("pdf", "zip")],
        responses={(200, "application/pdf"): bytes, (200, "application/zip"): bytes},
    )
    @action(detail=True, methods=["get"], url_path="tickets/(?P<fmt>pdf|zip)")
    def tickets(self, request, public_id=None, fmt=None):
        """Every seated candidate's admission ticket (准考证, with its QR code): one PDF,
        or a ZIP of one PDF per candidate. The sitting's organisers only."""
        sitting = self._sitting(organise=True)
        people = list(seated_candidates(sitting))
        if not people:
            raise ValidationError(MSG_NOT_SEATED)
        if fmt == "zip":
            return _file(
                tickets_zip(sitting, people), "application/zip", f"tickets-{sitting.pk}.zip"
            )
        return _file(tickets_pdf(sitting, people), "application/pdf", f"tickets-{sitting.pk}.pdf")

    @extend_schema(request=None, responses={(200, "application/pdf"): bytes})
    @action(
        detail=True,
        methods=["get"],
        url_path=f"candidates/(?P<candidate_id>{LOOKUP})/ticket",
    )
    def ticket(self, request, public_id=None, candidate_id=None):
        """One seated candidate's admission ticket (their unit's readers and the
        organisers)."""
        sitting = self._sitting()
        candidate = self._candidate(sitting, candidate_id)
        if candidate.status != CandidateStatus.CONFIRMED or candidate.seat is None:
            raise Http404
        return _file(
            tickets_pdf(sitting, [candidate]), "application/pdf", f"{candidate.ticket_number}.pdf"
        )

    @extend_schema(
        request=None,
        parameters=[_format_parameter("pdf", "xlsx")],
        responses={(200, "application/pdf"): bytes, (200, XLSX_CONTENT_TYPE): bytes},
    )
    @action(
        detail=True,
        methods=["get"],
        url_path=r"rooms/(?P<number>\d+)/sign-in/(?P<fmt>pdf|xlsx)",
    )
    def sign_in(self, request, public_id=None, number=None, fmt=None):
        """A room's sign-in sheet (签到表), PDF or xlsx: the organisers and the room's
        examiners."""
        sitting = self._sitting()
        room = get_room_for(request.user, sitting, number)
        if fmt == "xlsx":
            return _file(sign_in_xlsx(room), XLSX_CONTENT_TYPE, f"sign-in-{room.number:02d}.xlsx")
        return _file(sign_in_pdf(room), "application/pdf", f"sign-in-{room.number:02d}.pdf")


def _file(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


class ExaminerRoomsView(APIView):
    """The rooms the signed-in examiner is assigned to."""

    @extend_schema(responses=ExaminerRoomSerializer(many=True))
    def get(self, request):
        rooms = rooms_examined_by(request.user).select_related("sitting").order_by("pk")
        return Response(ExaminerRoomSerializer(rooms, many=True).data)
