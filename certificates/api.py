"""REST endpoints for certificates, over the same access functions, selectors and services."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from organisation.access import get_department_for, get_staff_for, require_unit_reader

from . import services
from .access import (
    assessments_managed_by,
    certificates_visible_to,
    get_assessment_for,
    get_certificate_for,
)
from .dashboard import dashboard_build
from .models import Assessment, Certificate, CertificateSource, SkillLevel
from .ratelimit import rate_limited
from .selectors import certificate_list, certificate_verify
from .views import VERIFY_LIMIT_PER_MINUTE, too_many_message


class CertificateSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    level = serializers.IntegerField(source="level.code")
    level_name = serializers.CharField(source="level.name")
    unit = serializers.CharField(source="staff.department.code")
    status = serializers.CharField()

    class Meta:
        model = Certificate
        fields = [
            "id",
            "number",
            "holder_name",
            "id_number_masked",
            "unit",
            "occupation",
            "work_type",
            "level",
            "level_name",
            "issue_date",
            "expires_on",
            "assessment_body",
            "source",
            "status",
            "revoked_on",
            "revoked_reason",
        ]


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class CertificateViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CertificateSerializer
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        queryset = certificates_visible_to(self.request.user)
        unit = self.request.query_params.get("unit")
        if unit:
            department = get_department_for(self.request.user, unit)
            queryset = queryset.filter(staff__department__path__startswith=department.path)
        return certificate_list(queryset=queryset)

    def get_object(self):
        return get_certificate_for(self.request.user, self.kwargs["public_id"])

    @extend_schema(request=RevokeSerializer, responses=CertificateSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, public_id=None):
        """Revoke with a reason (administrators)."""
        certificate = get_certificate_for(request.user, public_id, write=True)
        serializer = RevokeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.certificate_revoke(
            certificate=certificate,
            reason=serializer.validated_data["reason"],
            acting_user=request.user,
            request=request,
        )
        return Response(CertificateSerializer(certificate).data)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, public_id=None):
        certificate = self.get_object()
        if certificate.source != CertificateSource.ISSUED:
            raise Http404
        pdf = services.certificate_pdf_get(certificate=certificate)  # stored once rendered
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
        return response


class AssessmentSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    candidate = serializers.UUIDField(source="candidate.public_id", read_only=True)
    candidate_name = serializers.CharField(source="candidate.name", read_only=True)
    level = serializers.IntegerField(source="level.code", read_only=True)
    certificate = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "candidate",
            "candidate_name",
            "level",
            "assessed_on",
            "theory_score",
            "theory_source",
            "theory_attempt_ref",
            "practical_score",
            "practical_source",
            "review_passed",
            "review_note",
            "status",
            "certificate",
        ]

    def get_certificate(self, obj) -> str | None:
        certificate = getattr(obj, "certificate", None)
        return certificate.number if certificate else None


class AssessmentCreateSerializer(serializers.Serializer):
    candidate = serializers.UUIDField(help_text="staff public id")
    level = serializers.IntegerField(min_value=1, max_value=5)
    assessed_on = serializers.DateField(required=False, allow_null=True)


class ScoreSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=5, decimal_places=1, min_value=0, max_value=100)
    source_label = serializers.CharField(max_length=100, required=False, allow_blank=True)
    attempt_ref = serializers.CharField(max_length=64, required=False, allow_blank=True)


class ReviewSerializer(serializers.Serializer):
    passed = serializers.BooleanField()
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class AssessmentViewSet(viewsets.ReadOnlyModelViewSet):
    """Assessments in the user's units (coordinators and administrators)."""

    serializer_class = AssessmentSerializer
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_queryset(self):
        return (
            assessments_managed_by(self.request.user)
            .select_related("candidate", "level", "certificate")
            .order_by("-assessed_on", "-pk")
        )

    def get_object(self):
        return get_assessment_for(self.request.user, self.kwargs["public_id"], write=True)

    @extend_schema(request=AssessmentCreateSerializer, responses=AssessmentSerializer)
    def create(self, request):
        serializer = AssessmentCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        candidate = get_staff_for(request.user, data["candidate"], write=True)
        level = SkillLevel.objects.filter(code=data["level"]).first()
        if level is None:
            raise Http404
        assessment = services.assessment_create(
            candidate=candidate,
            level=level,
            assessed_on=data.get("assessed_on"),
            acting_user=request.user,
        )
        return Response(AssessmentSerializer(assessment).data, status=201)

    def _score(self, request, record, **extra):
        assessment = self.get_object()
        serializer = ScoreSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record(
            assessment=assessment,
            score=data["score"],
            source_label=data.get("source_label") or "API",
            acting_user=request.user,
            **({"attempt_ref": data.get("attempt_ref", "")} if extra.get("with_ref") else {}),
        )
        return Response(AssessmentSerializer(assessment).data)

    @extend_schema(request=ScoreSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def theory(self, request, public_id=None):
        """Record the theory exam score (attempt_ref: the exam engine's attempt id)."""
        return self._score(request, services.assessment_record_theory, with_ref=True)

    @extend_schema(request=ScoreSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def practical(self, request, public_id=None):
        return self._score(request, services.assessment_record_practical)

    @extend_schema(request=ReviewSerializer, responses=AssessmentSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, public_id=None):
        assessment = self.get_object()
        serializer = ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.assessment_record_review(
            assessment=assessment,
            passed=serializer.validated_data["passed"],
            note=serializer.validated_data.get("note", ""),
            acting_user=request.user,
        )
        return Response(AssessmentSerializer(assessment).data)

    @extend_schema(request=None, responses={201: CertificateSerializer})
    @action(detail=True, methods=["post"])
    def issue(self, request, public_id=None):
        """Issue the certificate of a passed assessment."""
        certificate = services.certificate_issue(
            assessment=self.get_object(), acting_user=request.user, request=request
        )
        return Response(CertificateSerializer(certificate).data, status=201)


class VerifyRequestSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, required=False)
    code = serializers.CharField(max_length=40)


class VerifyResultSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    name = serializers.CharField(required=False)
    id_number = serializers.CharField(required=False, help_text="masked: first 3 and last 4")
    number = serializers.CharField(required=False)
    level = serializers.CharField(required=False)
    issue_date = serializers.DateField(required=False)
    expires_on = serializers.DateField(required=False, allow_null=True)
    status = serializers.CharField(required=False)
    status_label = serializers.CharField(required=False)


def _verify_response(request, *, code: str, number: str | None) -> Response:
    if rate_limited(request, scope="verify", limit=VERIFY_LIMIT_PER_MINUTE):
        return Response({"detail": too_many_message(), "code": "rate_limited"}, status=429)
    result = certificate_verify(code=code, number=number)
    if result is None:
        return Response({"found": False}, status=404, headers={"Cache-Control": "no-store"})
    return Response(
        {
            "found": True,
            "name": result.masked_name,
            "id_number": result.masked_id_number,
            "number": result.number,
            "level": result.level,
            "issue_date": result.issue_date,
            "expires_on": result.expires_on,
            "status": result.status,
            "status_label": result.status_label,
        },
        headers={"Cache-Control": "no-store"},
    )


class PublicVerifyView(APIView):
    """Public (no sign-in): number + verification code. Rate-limited per IP."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=VerifyRequestSerializer,
        responses={200: VerifyResultSerializer, 404: VerifyResultSerializer},
    )
    def post(self, request):
        serializer = VerifyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return _verify_response(request, code=data["code"], number=data.get("number", ""))


class PublicVerifyCodeView(APIView):
    """Public (no sign-in): the QR code's verification code alone."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses={200: VerifyResultSerializer, 404: VerifyResultSerializer})
    def get(self, request, code):
        return _verify_response(request, code=code, number=None)


class UnitRateSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="department_id")
    code = serializers.CharField()
    name = serializers.CharField()
    depth = serializers.IntegerField()
    window_staff = serializers.IntegerField()
    certified = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    gap = serializers.IntegerField()
    card = serializers.CharField()
    forecast = serializers.DateField(allow_null=True)


class RatesView(APIView):
    @extend_schema(responses=UnitRateSerializer(many=True))
    def get(self, request, department_id):
        """The certified rate of a unit and of every unit below it (tree order)."""
        require_unit_reader(request.user)
        department = get_department_for(request.user, department_id)
        board = dashboard_build(user=request.user, department=department)
        return Response(UnitRateSerializer(board.all_units, many=True).data)
