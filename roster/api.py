"""REST endpoints for roster import, over the same access functions and services."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .access import get_roster_import_for, require_importer
from .models import RosterImport


class RosterImportSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    status = serializers.CharField(
        read_only=True,
        help_text="queued, checking, refused, invalid, ready, committing, committed or failed",
    )

    class Meta:
        model = RosterImport
        fields = [
            "id",
            "filename",
            "sha256",
            "sheet",
            "sync_mode",
            "status",
            "error_code",
            "message",
            "rows_total",
            "rows_done",
            "percent",
            "created_by",
            "department",
            "created_at",
            "checked_at",
            "committed_at",
        ]


class RosterImportDetailSerializer(RosterImportSerializer):
    class Meta(RosterImportSerializer.Meta):
        fields = [*RosterImportSerializer.Meta.fields, "report"]


class UploadSerializer(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)
    sheet = serializers.CharField(required=False, allow_blank=True, max_length=100)
    sync = serializers.BooleanField(required=False, default=False)


class CommitSerializer(serializers.Serializer):
    confirm_transfers = serializers.BooleanField(required=False, default=False)
    skip_invalid = serializers.BooleanField(
        required=False,
        default=False,
        help_text="import the valid rows and leave the rows with errors out",
    )


class RosterImportListView(APIView):
    """GET: the import history. POST (multipart): upload a roster; answers with the
    dry-run report (or, for a large file, the queued import to poll)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(responses=RosterImportSerializer(many=True))
    def get(self, request):
        require_importer(request.user)
        queryset = selectors.roster_import_list(user=request.user)[:100]
        return Response(RosterImportSerializer(queryset, many=True).data)

    @extend_schema(request=UploadSerializer, responses=RosterImportDetailSerializer)
    def post(self, request):
        require_importer(request.user)
        serializer = UploadSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        record = services.roster_upload(
            file=data["file"],
            filename=data["file"].name,
            acting_user=request.user,
            sheet=data.get("sheet") or None,
            sync=data["sync"],
            request=request,
        )
        code = status.HTTP_422_UNPROCESSABLE_ENTITY if record.status == "refused" else 201
        return Response(RosterImportDetailSerializer(record).data, status=code)


class RosterImportDetailView(APIView):
    """The import with its report; poll it while `status` is queued/checking/committing."""

    @extend_schema(responses=RosterImportDetailSerializer)
    def get(self, request, public_id):
        require_importer(request.user)
        record = get_roster_import_for(request.user, public_id)
        return Response(RosterImportDetailSerializer(record).data)


class RosterImportCommitView(APIView):
    @extend_schema(request=CommitSerializer, responses=RosterImportDetailSerializer)
    def post(self, request, public_id):
        require_importer(request.user)
        record = get_roster_import_for(request.user, public_id)
        serializer = CommitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        record = services.roster_commit_start(
            roster_import=record,
            acting_user=request.user,
            confirm_transfers=serializer.validated_data["confirm_transfers"],
            skip_invalid=serializer.validated_data["skip_invalid"],
            request=request,
        )
        return Response(RosterImportDetailSerializer(record).data)
