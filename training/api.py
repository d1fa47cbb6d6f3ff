"""REST endpoints of the training cycle, over the same access functions, services and
selectors as the HTML pages."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.schema import ErrorSerializer
from organisation.access import require_unit_reader

from . import selectors, services
from .access import get_lesson_for_learner, get_track_for, learner_staff_or_404


class HeartbeatSerializer(serializers.Serializer):
    position = serializers.FloatField(min_value=0)
    visible = serializers.BooleanField()
    active = serializers.BooleanField()
    playing = serializers.BooleanField(default=True)


class HeartbeatResultSerializer(serializers.Serializer):
    credited_seconds = serializers.FloatField()
    watched_seconds = serializers.FloatField()
    required_seconds = serializers.IntegerField()
    lesson_completed = serializers.BooleanField()
    module_completed = serializers.BooleanField()
    interval = serializers.IntegerField()


class ModuleStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    week = serializers.IntegerField()
    title = serializers.CharField()
    due_on = serializers.DateField()
    lessons_total = serializers.IntegerField()
    lessons_done = serializers.IntegerField()
    quiz_passed = serializers.BooleanField()
    completed = serializers.BooleanField()


class LearnerHomeSerializer(serializers.Serializer):
    next_step = inline_serializer(
        "NextStep",
        {
            "kind": serializers.CharField(),
            "title": serializers.CharField(),
            "url": serializers.CharField(),
            "detail": serializers.CharField(),
        },
    )
    current_modules = ModuleStatusSerializer(many=True)
    overdue_modules = ModuleStatusSerializer(many=True)
    modules_completed = serializers.IntegerField()
    modules_due = serializers.IntegerField()
    study_hours = serializers.DecimalField(max_digits=6, decimal_places=1)
    study_hours_target = serializers.DecimalField(max_digits=6, decimal_places=1)
    open_guidance_plan = serializers.UUIDField(allow_null=True)
    open_exams = serializers.ListField(child=serializers.DictField())
    upcoming_exams = serializers.ListField(child=serializers.DictField())
    results = serializers.ListField(child=serializers.DictField())
    mistakes_to_review = serializers.IntegerField()
    certificate = serializers.DictField(allow_null=True)


class CompletionMatrixSerializer(serializers.Serializer):
    track = serializers.DictField()
    weeks = serializers.ListField(child=serializers.DictField())
    rows = serializers.ListField(child=serializers.DictField())


class LessonHeartbeatApi(APIView):
    """POST every heartbeat interval while the lesson video page is open."""

    @extend_schema(request=HeartbeatSerializer, responses=HeartbeatResultSerializer)
    def post(self, request, pk: int):
        staff, lesson = get_lesson_for_learner(request.user, pk)
        serializer = HeartbeatSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        result = services.lesson_heartbeat(staff=staff, lesson=lesson, **serializer.validated_data)
        return Response(
            {
                "credited_seconds": round(result.credited_seconds, 1),
                "watched_seconds": round(result.watched_seconds, 1),
                "required_seconds": lesson.required_seconds,
                "lesson_completed": result.lesson_completed,
                "module_completed": result.module_completed,
                "interval": services.heartbeat_seconds(),
            }
        )


def _module_status(status: selectors.ModuleStatus) -> dict:
    return {
        "id": status.module.pk,
        "week": status.module.week,
        "title": status.module.title,
        "due_on": status.module.due_on,
        "lessons_total": status.lessons_total,
        "lessons_done": status.lessons_done,
        "quiz_passed": status.quiz_passed,
        "completed": status.is_completed,
    }


class LearnerHomeApi(APIView):
    """The learner's home data: next step, modules, study hours, exams, certificate."""

    # 404 for someone without a staff record (not a learner).
    @extend_schema(responses={200: LearnerHomeSerializer, 404: ErrorSerializer})
    def get(self, request):
        staff = learner_staff_or_404(request.user)
        home = selectors.learner_home(staff=staff)
        return Response(
            {
                "next_step": {
                    "kind": home.next_step.kind,
                    "title": str(home.next_step.title),
                    "url": home.next_step.url,
                    "detail": home.next_step.detail,
                },
                "current_modules": [_module_status(s) for s in home.current],
                "overdue_modules": [_module_status(s) for s in home.overdue],
                "modules_completed": home.modules_completed,
                "modules_due": home.modules_due,
                "study_hours": str(home.hours),
                "study_hours_target": str(home.hours_target),
                "open_guidance_plan": str(home.open_plan.public_id) if home.open_plan else None,
                "open_exams": [{"title": e.title, "url": e.url} for e in home.open_exams],
                "upcoming_exams": [
                    {"title": e.title, "url": e.url, "starts_at": e.starts_at}
                    for e in home.upcoming_exams
                ],
                "results": [
                    {"title": r.title, "score": r.score, "passed": r.passed, "at": r.at}
                    for r in home.results
                ],
                "mistakes_to_review": home.mistakes,
                "certificate": (
                    {"number": home.certificate.number, "level": home.certificate.level}
                    if home.certificate
                    else None
                ),
            }
        )


class CompletionMatrixApi(APIView):
    """People × weeks for one track, scoped to the caller's units."""

    @extend_schema(responses=CompletionMatrixSerializer)
    def get(self, request, pk: int):
        require_unit_reader(request.user)
        track = get_track_for(request.user, pk)
        matrix = selectors.completion_matrix(
            user=request.user, track=track, today=timezone.localdate()
        )
        return Response(
            {
                "track": {"id": track.pk, "name": track.name},
                "weeks": [{"id": m.pk, "week": m.week, "due_on": m.due_on} for m in matrix.modules],
                "rows": [
                    {
                        "staff": str(row.staff.public_id),
                        "name": row.staff.name,
                        "unit": row.staff.department.name,
                        "cells": [state for state, _label in row.cells],
                        "done": row.done,
                        "hours": str(row.hours),
                    }
                    for row in matrix.rows
                ],
            }
        )
