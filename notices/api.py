"""REST endpoints of the notices app, over the same selectors and services as the pages
(`views.py`): a person's outside channel, and the coordinators' delivery log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import ErrorSerializer
from organisation.access import require_coordinator

from .forms import DeliveryFilterForm
from .models import Channel, Delivery, DeliveryStatus
from .selectors import deliveries_visible_to
from .services import channel_choice, channel_preference_set


class DeliverySerializer(serializers.ModelSerializer):
    queued_at = serializers.DateTimeField(source="created_at")
    person = serializers.SerializerMethodField()
    unit = serializers.CharField(source="department.name", default="")
    channel_label = serializers.CharField(source="get_channel_display")
    recipient = serializers.CharField(source="recipient_masked")
    status_label = serializers.CharField(source="get_status_display")
    reason_label = serializers.SerializerMethodField()
    provider_answer = serializers.CharField()

    class Meta:
        model = Delivery
        fields = [
            "id",
            "queued_at",
            "person",
            "unit",
            "channel",
            "channel_label",
            "recipient",
            "title",
            "status",
            "status_label",
            "attempts",
            "sent_at",
            "next_try_at",
            "reason",
            "reason_label",
            "provider_answer",
        ]

    def get_person(self, obj) -> str:
        return obj.user.get_full_name() or obj.user.get_username()

    def get_reason_label(self, obj) -> str:
        return obj.get_reason_display() if obj.reason else ""


@extend_schema(
    parameters=[
        OpenApiParameter("status", str, enum=list(DeliveryStatus.values), required=False),
        OpenApiParameter("channel", str, enum=list(Channel.values), required=False),
    ],
    responses={200: DeliverySerializer(many=True), 400: ErrorSerializer, 403: ErrorSerializer},
)
class DeliveryListView(generics.ListAPIView):
    """The delivery log of the units the user coordinates (or administers), newest
    first, as on the page; `status` and `channel` filter it."""

    serializer_class = DeliverySerializer

    def get_queryset(self):
        require_coordinator(self.request.user)
        form = DeliveryFilterForm(self.request.query_params)
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return deliveries_visible_to(
            self.request.user,
            status=form.cleaned_data["status"],
            channel=form.cleaned_data["channel"],
        )


class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class PreferenceSerializer(serializers.Serializer):
    channel = serializers.CharField(
        allow_blank=True, help_text='The outside channel ("" for in-app only).'
    )
    available = ChoiceSerializer(many=True, read_only=True)
    email = serializers.CharField(read_only=True)
    mobile = serializers.CharField(read_only=True, help_text="Masked.")


def _preference(user) -> dict:
    choice = channel_choice(user=user)
    return {
        "channel": choice.channel,
        "available": [{"value": c, "label": Channel(c).label} for c in choice.available],
        "email": choice.email,
        "mobile": choice.mobile,
    }


class PreferenceView(APIView):
    """The signed-in person's outside channel for notices, among those open to them
    (e-mail with an address; SMS, WeCom, DingTalk where their unit set them up)."""

    @extend_schema(responses=PreferenceSerializer)
    def get(self, request):
        return Response(PreferenceSerializer(_preference(request.user)).data)

    @extend_schema(
        request=PreferenceSerializer,
        responses={200: PreferenceSerializer, 400: ErrorSerializer},
    )
    def put(self, request):
        serializer = PreferenceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            channel_preference_set(
                user=request.user, channel=serializer.validated_data["channel"], request=request
            )
        except ValidationError as error:
            raise ValidationError({"channel": error.error_list}) from None
        return Response(PreferenceSerializer(_preference(request.user)).data)
