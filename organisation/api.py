"""REST endpoints for units and staff, over the same access functions and services."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from . import selectors, services
from .access import get_department_for, get_staff_for, user_roles
from .models import Department, Staff


class DepartmentSerializer(serializers.ModelSerializer):
    parent_id = serializers.SerializerMethodField()

    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "depth", "parent_id"]

    def get_parent_id(self, obj) -> int | None:
        parent = self.context.get("parents", {}).get(obj.path[: -Department.steplen])
        return parent


class StaffSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    department = serializers.CharField(source="department.code", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True)
    id_number = serializers.CharField(source="id_number_masked", read_only=True)

    class Meta:
        model = Staff
        fields = [
            "id",
            "name",
            "staff_number",
            "id_number",
            "mobile",
            "department",
            "department_name",
            "post",
            "is_window_staff",
            "status",
            "hire_date",
            "left_on",
        ]


class StaffCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=64)
    id_number = serializers.CharField(max_length=24, write_only=True)
    staff_number = serializers.CharField(max_length=32)
    department = serializers.IntegerField(help_text="unit id")
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    post = serializers.CharField(max_length=64, required=False, allow_blank=True)
    is_window_staff = serializers.BooleanField(default=True)
    hire_date = serializers.DateField(required=False, allow_null=True)


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer

    def get_queryset(self):
        return selectors.department_list(user=self.request.user)

    def get_object(self):
        return get_department_for(self.request.user, self.kwargs["pk"])

    def get_serializer_context(self):
        context = super().get_serializer_context()
        # Parent ids by path, for the page being serialised: one extra query.
        context["parents"] = dict(Department.objects.values_list("path", "pk"))
        return context


class StaffViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    lookup_field = "public_id"
    lookup_value_regex = "[0-9a-fA-F-]{32,36}"

    def get_serializer_class(self):
        return StaffCreateSerializer if self.action == "create" else StaffSerializer

    def get_queryset(self):
        params = self.request.query_params
        department = None
        if params.get("department"):
            department = get_department_for(self.request.user, params["department"])
        return selectors.staff_list(
            user=self.request.user,
            department=department,
            search=params.get("search", "").strip(),
            status=params.get("status", ""),
        )

    def get_object(self):
        return get_staff_for(self.request.user, self.kwargs["public_id"])

    @extend_schema(request=StaffCreateSerializer, responses=StaffSerializer)
    def create(self, request, *args, **kwargs):
        serializer = StaffCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data["department"] = get_department_for(request.user, data["department"], write=True)
        staff = services.staff_create(acting_user=request.user, request=request, **data)
        return Response(StaffSerializer(staff).data, status=201)

    @extend_schema(
        request=None,
        responses={200: {"type": "object", "properties": {"id_number": {"type": "string"}}}},
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, public_id=None):
        """The full ID number (administrators only; audited)."""
        staff = self.get_object()
        number = services.staff_reveal_id_number(
            staff=staff, acting_user=request.user, request=request
        )
        return Response({"id_number": number}, headers={"Cache-Control": "no-store"})


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    staff = StaffSerializer(allow_null=True)


class MeView(APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = request.user
        staff = Staff.objects.select_related("department").filter(user=user).first()
        return Response(
            MeSerializer(
                {
                    "username": user.get_username(),
                    "name": user.get_full_name(),
                    "roles": sorted(user_roles(user).roles),
                    "staff": staff,
                }
            ).data
        )
