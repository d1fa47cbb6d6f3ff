"""REST endpoints of in-person classes and evaluations, over the same access functions,
services and selectors as the pages (`views_classes`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import ErrorSerializer
from organisation.access import (
    departments_managed_by,
    get_department_for,
    get_scoped_or_404,
    require_coordinator,
    require_unit_reader,
    staff_visible_to,
)
from organisation.models import Staff

from . import exams_adapter, selectors, services
from .access import (
    get_class_for,
    get_class_for_learner,
    get_module_for_learner,
    learner_staff_or_404,
    programmes_schedulable_by,
    tracks_assignable_by,
)
from .services.enrolment import MSG_ASSIGN_UNKNOWN

# --- serializers -----------------------------------------------------------------------


class ClassSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="public_id")
    title = serializers.CharField()
    unit = serializers.CharField(source="department.name")
    trainer = serializers.CharField(source="trainer_label")
    venue = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    hours = serializers.DecimalField(max_digits=5, decimal_places=2)
    knowledge_points = serializers.ListField(child=serializers.CharField())
    closed_at = serializers.DateTimeField(allow_null=True)


class ClassCreateSerializer(serializers.Serializer):
    department = serializers.IntegerField(help_text="Organising unit (id).")
    programme = serializers.IntegerField(help_text="Programme whose credit table applies.")
    title = serializers.CharField(allow_blank=True)
    venue = serializers.CharField(allow_blank=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    capacity = serializers.IntegerField()
    trainer_staff_number = serializers.CharField(required=False, allow_blank=True)
    trainer_name = serializers.CharField(required=False, allow_blank=True, default="")
    knowledge_point_ids = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    audience_units = serializers.ListField(
        child=serializers.IntegerField(), required=False, default=list
    )
    audience_posts = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
    audience_staff_numbers = serializers.ListField(
        child=serializers.CharField(), required=False, default=list
    )
    audience_track = serializers.IntegerField(required=False, allow_null=True, default=None)


class AttendanceRowSerializer(serializers.Serializer):
    staff = serializers.UUIDField()
    name = serializers.CharField()
    staff_number = serializers.CharField()
    unit = serializers.CharField()
    state = serializers.ChoiceField(choices=list(selectors.Attendance.LABELS))
    left_early = serializers.BooleanField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)
    hours_credited = serializers.DecimalField(max_digits=5, decimal_places=2)
    excuse_reason = serializers.CharField()


class ClassDetailSerializer(ClassSerializer):
    attendance = AttendanceRowSerializer(many=True)


class CodeSerializer(serializers.Serializer):
    code = serializers.CharField()
    url = serializers.CharField()
    seconds_left = serializers.IntegerField()
    open = serializers.BooleanField()


class CodeInputSerializer(serializers.Serializer):
    code = serializers.CharField(allow_blank=True)


class MyAttendanceSerializer(serializers.Serializer):
    state = serializers.CharField()
    checked_in_at = serializers.DateTimeField(allow_null=True)
    checked_out_at = serializers.DateTimeField(allow_null=True)
    hours_credited = serializers.DecimalField(max_digits=5, decimal_places=2)


class ExcuseSerializer(serializers.Serializer):
    staff = serializers.UUIDField()
    reason = serializers.CharField(allow_blank=True)


class RatingSerializer(serializers.Serializer):
    ratings = serializers.DictField(
        child=serializers.JSONField(), help_text="Question id -> a whole number 1-5."
    )
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SummarySerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    shown = serializers.BooleanField(help_text="False below the minimum number of answers.")
    averages = serializers.DictField(child=serializers.DecimalField(max_digits=4, decimal_places=2))
    overall = serializers.DecimalField(max_digits=4, decimal_places=2, allow_null=True)
    comments = serializers.ListField(child=serializers.CharField())


class ReportSerializer(serializers.Serializer):
    min_answers = serializers.IntegerField()
    questions = serializers.ListField(child=serializers.DictField())
    by_class = SummarySerializer(many=True)
    by_module = SummarySerializer(many=True)
    by_trainer = SummarySerializer(many=True)
    by_unit = SummarySerializer(many=True)
    trend = SummarySerializer(many=True)


def _rows(training_class) -> list[dict]:
    return [
        {
            "staff": r.staff.public_id,
            "name": r.staff.name,
            "staff_number": r.staff.staff_number,
            "unit": r.staff.department.name,
            "state": r.state,
            "left_early": r.left_early,
            "checked_in_at": r.attendance.checked_in_at,
            "checked_out_at": r.attendance.checked_out_at,
            "hours_credited": r.attendance.hours_credited,
            "excuse_reason": r.attendance.excuse_reason,
        }
        for r in selectors.attendance_list(training_class=training_class).rows
    ]


def _detail(training_class) -> dict:
    data = ClassSerializer(training_class).data
    data["attendance"] = AttendanceRowSerializer(_rows(training_class), many=True).data
    return data


def _summary(s: selectors.EvaluationSummary) -> dict:
    return {
        "key": s.key,
        "label": s.label,
        "count": s.count,
        "shown": s.shown,
        "averages": {str(q.pk): avg for q, avg in s.averages if avg is not None},
        "overall": s.overall,
        "comments": s.comments,
    }


# --- coordinators ----------------------------------------------------------------------


class ClassListApi(APIView):
    """Classes of the caller's units (GET); schedule one (POST, coordinators)."""

    @extend_schema(responses={200: ClassSerializer(many=True), 404: ErrorSerializer})
    def get(self, request):
        require_unit_reader(request.user)
        classes = selectors.classes_for_coordinator(user=request.user)[:200]
        return Response(ClassSerializer(classes, many=True).data)

    @extend_schema(
        request=ClassCreateSerializer,
        responses={201: ClassDetailSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request):
        require_coordinator(request.user)
        serializer = ClassCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        department = get_department_for(request.user, data["department"], write=True)
        programme = get_scoped_or_404(
            programmes_schedulable_by(request.user),
            user=request.user,
            kind="training.programme",
            pk=data["programme"],
        )
        trainer = None
        if data.get("trainer_staff_number"):
            trainer = (
                staff_visible_to(request.user)
                .filter(staff_number=data["trainer_staff_number"])
                .first()
            )
            if trainer is None:
                raise ValidationError(
                    {"trainer": [MSG_ASSIGN_UNKNOWN % {"numbers": data["trainer_staff_number"]}]}
                )
        managed = departments_managed_by(request.user)
        units = list(managed.filter(pk__in=data["audience_units"]))
        named = list(
            Staff.objects.filter(
                department__in=managed, staff_number__in=data["audience_staff_numbers"]
            ).select_related("department")
        )
        unknown = sorted(set(data["audience_staff_numbers"]) - {s.staff_number for s in named})
        if unknown or len(units) != len(set(data["audience_units"])):
            raise ValidationError(
                {"audience": [MSG_ASSIGN_UNKNOWN % {"numbers": "、".join(unknown) or "—"}]}
            )
        track = None
        if data["audience_track"]:
            track = tracks_assignable_by(request.user).filter(pk=data["audience_track"]).first()
        points = dict(exams_adapter.knowledge_point_choices())
        training_class = services.class_schedule(
            actor=request.user,
            department=department,
            programme=programme,
            title=data["title"],
            venue=data["venue"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            capacity=data["capacity"],
            trainer=trainer,
            trainer_name=data["trainer_name"],
            knowledge_points=[
                (pk, points[pk]) for pk in data["knowledge_point_ids"] if pk in points
            ],
            audience_departments=units,
            audience_posts=data["audience_posts"],
            audience_staff=named,
            audience_track=track,
            request=request,
        )
        return Response(_detail(training_class), status=201)


class ClassDetailApi(APIView):
    """One class with its attendance list (present, late, absent, excused)."""

    @extend_schema(responses={200: ClassDetailSerializer, 404: ErrorSerializer})
    def get(self, request, public_id):
        return Response(_detail(get_class_for(request.user, public_id)))


class ClassCodeApi(APIView):
    """The current check-in code (for a trainer's own screen); changes every 30 s."""

    @extend_schema(responses={200: CodeSerializer, 404: ErrorSerializer})
    def get(self, request, public_id):
        training_class = get_class_for(request.user, public_id, write=True)
        code = services.class_code(training_class=training_class)
        path = reverse("training:class_checkin", args=[training_class.public_id])
        return Response(
            {
                "code": code,
                "url": request.build_absolute_uri(f"{path}?code={code}"),
                "seconds_left": services.class_code_seconds_left(),
                "open": services.checkin_is_open(training_class, timezone.now()),
            }
        )


class ClassCloseApi(APIView):
    @extend_schema(
        request=None,
        responses={200: ClassDetailSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request, public_id):
        training_class = get_class_for(request.user, public_id, write=True)
        services.class_close(training_class=training_class, actor=request.user, request=request)
        return Response(_detail(training_class))


class ClassExcuseApi(APIView):
    @extend_schema(
        request=ExcuseSerializer,
        responses={200: ClassDetailSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request, public_id):
        training_class = get_class_for(request.user, public_id, write=True)
        serializer = ExcuseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attendance = (
            training_class.attendances.filter(staff__public_id=serializer.validated_data["staff"])
            .select_related("staff")
            .first()
        )
        if attendance is None:
            raise Http404
        services.class_excuse(
            training_class=training_class,
            staff=attendance.staff,
            reason=serializer.validated_data["reason"],
            actor=request.user,
            request=request,
        )
        return Response(_detail(training_class))


class ClassEvaluationApi(APIView):
    """The class's evaluation in aggregate (nothing but the count below 5 answers)."""

    @extend_schema(responses={200: SummarySerializer, 404: ErrorSerializer})
    def get(self, request, public_id):
        training_class = get_class_for(request.user, public_id)
        return Response(
            _summary(selectors.class_evaluation(user=request.user, training_class=training_class))
        )


class EvaluationReportApi(APIView):
    """Evaluation results by class, module, trainer, unit and month (readers)."""

    @extend_schema(responses={200: ReportSerializer, 404: ErrorSerializer})
    def get(self, request):
        require_unit_reader(request.user)
        report = selectors.evaluation_report(user=request.user)
        return Response(
            {
                "min_answers": report.min_answers,
                "questions": [
                    {"id": q.pk, "text": q.text, "aspect": q.aspect, "active": q.is_active}
                    for q in report.questions
                ],
                "by_class": [_summary(s) for s in report.by_class],
                "by_module": [_summary(s) for s in report.by_module],
                "by_trainer": [_summary(s) for s in report.by_trainer],
                "by_unit": [_summary(s) for s in report.by_unit],
                "trend": [_summary(s) for s in report.trend],
            }
        )


# --- learners ------------------------------------------------------------------------------


def _mine(staff, training_class) -> dict:
    attendance = training_class.attendances.get(staff=staff)
    return {
        "state": selectors.attendance_state(attendance, training_class, timezone.now()),
        "checked_in_at": attendance.checked_in_at,
        "checked_out_at": attendance.checked_out_at,
        "hours_credited": attendance.hours_credited,
    }


class MyClassesApi(APIView):
    """The caller's upcoming classes."""

    @extend_schema(responses={200: ClassSerializer(many=True), 404: ErrorSerializer})
    def get(self, request):
        staff = learner_staff_or_404(request.user)
        classes = [c.training_class for c in selectors.upcoming_classes_for(staff=staff)]
        return Response(ClassSerializer(classes, many=True).data)


class ClassCheckInApi(APIView):
    """Check in with the code read from the trainer's screen."""

    @extend_schema(
        request=CodeInputSerializer,
        responses={200: MyAttendanceSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request, public_id):
        staff, training_class = get_class_for_learner(request.user, public_id)
        serializer = CodeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.class_check_in(
            training_class=training_class, staff=staff, token=serializer.validated_data["code"]
        )
        return Response(_mine(staff, training_class))


class ClassCheckOutApi(APIView):
    @extend_schema(
        request=None,
        responses={200: MyAttendanceSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request, public_id):
        staff, training_class = get_class_for_learner(request.user, public_id)
        services.class_check_out(training_class=training_class, staff=staff)
        return Response(_mine(staff, training_class))


def _rated(request, *, staff, training_class=None, module=None):
    serializer = RatingSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    services.evaluation_submit(
        staff=staff,
        training_class=training_class,
        module=module,
        ratings=serializer.validated_data["ratings"],
        comment=serializer.validated_data["comment"],
    )
    return Response(status=201)


class ClassRatingApi(APIView):
    """Answer the class's questionnaire (once; anonymous)."""

    @extend_schema(
        request=RatingSerializer,
        responses={201: None, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request, public_id):
        staff, training_class = get_class_for_learner(request.user, public_id)
        return _rated(request, staff=staff, training_class=training_class)


class ModuleRatingApi(APIView):
    """Answer a weekly module's questionnaire (once; anonymous)."""

    @extend_schema(
        request=RatingSerializer,
        responses={201: None, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def post(self, request, pk: int):
        staff, module = get_module_for_learner(request.user, pk)
        return _rated(request, staff=staff, module=module)
