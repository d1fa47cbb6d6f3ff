"""The reading heartbeat of a text lesson (study hours by time really spent)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .access import get_lesson_for_learner


class ReadingHeartbeatSerializer(serializers.Serializer):
    visible = serializers.BooleanField()
    active = serializers.BooleanField()


class LessonReadingHeartbeatApi(APIView):
    """POST every heartbeat interval while a text lesson's page is open."""

    @extend_schema(
        request=ReadingHeartbeatSerializer,
        responses=inline_serializer(
            "ReadingHeartbeatResult",
            {
                "credited_seconds": serializers.FloatField(),
                "read_seconds": serializers.FloatField(),
                "hours": serializers.DecimalField(max_digits=4, decimal_places=2),
                "interval": serializers.IntegerField(),
            },
        ),
    )
    def post(self, request, pk: int):
        staff, lesson = get_lesson_for_learner(request.user, pk)
        serializer = ReadingHeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.reading_heartbeat(staff=staff, lesson=lesson, **serializer.validated_data)
        return Response(
            {
                "credited_seconds": round(result.credited_seconds, 1),
                "read_seconds": round(result.read_seconds, 1),
                "hours": result.hours,
                "interval": services.heartbeat_seconds(),
            }
        )
