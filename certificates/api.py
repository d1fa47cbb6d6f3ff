"""REST endpoints for certificates, over the same access functions, selectors and services."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from organisation.access import get_department_for, user_roles

from . import services
from .access import certificates_visible_to, get_assessment_for, get_certificate_for
from .dashboard import dashboard_build
from .models import Certificate, CertificateSource
from .pdf import render_certificate_pdf
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

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, public_id=None):
        certificate = self.get_object()
        if certificate.source != CertificateSource.ISSUED:
            raise Http404
        response = HttpResponse(render_certificate_pdf(certificate), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
        return response


class IssueView(APIView):
    @extend_schema(request=None, responses=CertificateSerializer)
    def post(self, request, public_id):
        """Issue the certificate of a passed assessment."""
        assessment = get_assessment_for(request.user, public_id, write=True)
        certificate = services.certificate_issue(
            assessment=assessment, acting_user=request.user, request=request
        )
        return Response(CertificateSerializer(certificate).data, status=201)


class VerifyRequestSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40, required=False)
    code = serializers.CharField(max_length=40)


class VerifyResultSerializer(serializers.Serializer):
    found = serializers.BooleanField()
    name = serializers.CharField(required=False)
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

    @extend_schema(request=VerifyRequestSerializer, responses=VerifyResultSerializer)
    def post(self, request):
        serializer = VerifyRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        return _verify_response(request, code=data["code"], number=data.get("number", ""))


class PublicVerifyCodeView(APIView):
    """Public (no sign-in): the QR code's verification code alone."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(responses=VerifyResultSerializer)
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
        if not user_roles(request.user).can_read_units:
            raise Http404
        department = get_department_for(request.user, department_id)
        board = dashboard_build(user=request.user, department=department)
        return Response(UnitRateSerializer(board.all_units, many=True).data)
