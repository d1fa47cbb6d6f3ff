"""REST endpoints for taking exams, over the same services as the pages.

The save endpoint is the hottest path of exam day: it authenticates, runs one
conditional UPDATE and answers; it touches nothing else.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import Conflict

from .. import selectors, services
from ..access import get_own_attempt, get_session_for_learner, learner_staff
from ..device import device_for, device_of, device_remember
from ..messages import MSG_OTHER_DEVICE, MSG_TIME_OVER
from ..validation import AnswerError, clean_answer

ItemSerializer = inline_serializer(
    "ExamItem",
    {
        "position": serializers.IntegerField(),
        "type": serializers.CharField(),
        "stem": serializers.CharField(),
        "options": serializers.ListField(child=serializers.DictField()),
        "points": serializers.CharField(),
        "answer": serializers.JSONField(allow_null=True),
        "seq": serializers.IntegerField(),
    },
)
AttemptSerializer = inline_serializer(
    "ExamAttempt",
    {
        "id": serializers.UUIDField(),
        "title": serializers.CharField(),
        "status": serializers.CharField(),
        "remaining_seconds": serializers.IntegerField(),
        "deadline": serializers.DateTimeField(allow_null=True),
        "integrity": inline_serializer(
            "ExamIntegrity",
            {
                "one_device": serializers.BooleanField(),
                "leave_limit": serializers.IntegerField(allow_null=True),
                "leave_auto_submit": serializers.BooleanField(),
                "leave_count": serializers.IntegerField(),
                "no_copy": serializers.BooleanField(),
            },
        ),
        "items": ItemSerializer.__class__(many=True),
    },
)
ResultSerializer = inline_serializer(
    "ExamResult",
    {
        "id": serializers.UUIDField(),
        "title": serializers.CharField(),
        "status": serializers.CharField(),
        "scoring": serializers.BooleanField(),
        "score_visible": serializers.BooleanField(),
        "percent": serializers.CharField(allow_null=True),
        "passed": serializers.BooleanField(allow_null=True),
        "knowledge_points": serializers.ListField(child=serializers.DictField()),
    },
)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": 10_000},
            {
                "type": "array",
                "items": {"type": "string", "maxLength": 1_000},
                "maxItems": 20,
            },
        ],
        "nullable": True,
    }
)
class AnswerField(serializers.JSONField):
    """Documents what `SaveSerializer.validate_answer` accepts (the schema said "any")."""


class SaveSerializer(serializers.Serializer):
    """Also answered without DRF by the lean save path (`exams.fastpath`), same rules."""

    item = serializers.IntegerField(min_value=1, max_value=1000)
    answer = AnswerField(allow_null=True)
    seq = serializers.IntegerField(min_value=1, max_value=2_000_000_000)

    def validate_answer(self, value):
        try:
            return clean_answer(value)
        except AnswerError as exc:
            raise serializers.ValidationError(str(exc)) from exc


SaveResultSerializer = inline_serializer(
    "ExamSaveResult",
    {
        "saved": serializers.BooleanField(),
        "seq": serializers.IntegerField(),
        "reason": serializers.CharField(),
    },
)


def _result(attempt) -> dict:
    visible = selectors.learner_may_see_score(attempt)
    points = selectors.knowledge_point_scores(attempt.items.all()) if visible else {}
    return {
        "id": str(attempt.public_id),
        "title": attempt.session.title,
        "status": attempt.status,
        "scoring": attempt.is_scoring,  # handed in; scored within seconds
        "score_visible": visible,
        "percent": str(attempt.percent) if visible and attempt.percent is not None else None,
        "passed": attempt.passed if visible else None,
        "knowledge_points": [{"id": k, "name": n, "percent": p} for k, (n, p) in points.items()],
    }


class StartView(APIView):
    @extend_schema(request=None, responses=AttemptSerializer)
    def post(self, request, public_id):
        """Start or resume. With one device at a time, the device starting (the
        `exam_device` cookie, set here when missing, or an `X-Exam-Device` header) takes
        the attempt over."""
        session = get_session_for_learner(request.user, public_id)
        device, new = device_for(request) if session.one_device else ("", False)
        # Not open, not on the list, no attempts left: a Conflict, answered 409 by
        # core.api.exception_handler.
        attempt = services.attempt_start(
            session=session, staff=learner_staff(request.user), device=device, request=request
        )
        prepared = selectors.attempt_payload_json(attempt)
        if prepared is not None:  # a mass start: the paper as it was prepared
            response = HttpResponse(prepared, content_type="application/json")
        else:
            response = Response(selectors.attempt_payload(attempt))
        if new:
            device_remember(response, device)
        return response


def _refuse_other_device(attempt, request) -> None:
    if not attempt.is_finished and attempt.held_elsewhere(device_of(request)):
        raise Conflict(MSG_OTHER_DEVICE, data={"reason": "device"})


class AttemptView(APIView):
    @extend_schema(responses={200: AttemptSerializer})
    def get(self, request, public_id):
        """The attempt in progress, or its result once finished. 409 (reason "device")
        when another device has taken it over: start again to take it back."""
        attempt = get_own_attempt(request.user, public_id)
        attempt = services.attempt_score_if_waiting(
            attempt=attempt, grace_seconds=settings.EXAM_SCORING_GRACE_SECONDS
        )
        if attempt.is_finished:
            return Response(_result(attempt))
        _refuse_other_device(attempt, request)
        return Response(selectors.attempt_payload(attempt))


DeviceConflictSerializer = inline_serializer(
    "ExamDeviceConflict",
    {"detail": serializers.CharField(), "reason": serializers.CharField()},
)
StateSerializer = inline_serializer(
    "ExamAttemptState",
    {
        "status": serializers.CharField(),
        "remaining_seconds": serializers.IntegerField(),
        "leave_count": serializers.IntegerField(),
        "leave_limit": serializers.IntegerField(allow_null=True),
        "answers": serializers.ListField(
            child=inline_serializer(
                "ExamStoredAnswer",
                {
                    "position": serializers.IntegerField(),
                    "answer": serializers.JSONField(allow_null=True),
                    "seq": serializers.IntegerField(),
                },
            ),
            required=False,
            help_text="With ?after=N: the answers stored by saves numbered above N.",
        ),
    },
)


class StateView(APIView):
    """The exam page's light check when it comes back into view: still this device's,
    still open, how long is left. 409 (reason "device") when another device holds it.
    With `?after=N`, also the answers stored by saves numbered above N: a page that was
    rendered while one of its saves was still being stored asks for what it missed."""

    throttle_classes: list = []

    @extend_schema(
        parameters=[OpenApiParameter("after", int, required=False)],
        responses={200: StateSerializer, 409: DeviceConflictSerializer},
    )
    def get(self, request, public_id):
        attempt = get_own_attempt(request.user, public_id)
        _refuse_other_device(attempt, request)
        state = {
            "status": attempt.status,
            "remaining_seconds": selectors.remaining_seconds(attempt),
            "leave_count": attempt.leave_count,
            "leave_limit": attempt.session.leave_limit,
        }
        after = request.query_params.get("after", "")
        if after.isdigit():
            state["answers"] = [
                {"position": position, "answer": answer, "seq": seq}
                for position, answer, seq in attempt.items.filter(seq__gt=int(after))
                .order_by("position")
                .values_list("position", "answer", "seq")
            ]
        return Response(state)


class SaveView(APIView):
    throttle_classes: list = []  # saves are cheap and already bounded by the UI

    @extend_schema(
        request=SaveSerializer, responses={200: SaveResultSerializer, 409: SaveResultSerializer}
    )
    def post(self, request, public_id):
        data = SaveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.attempt_save(
            attempt_id=public_id,
            user_id=request.user.pk,
            position=data.validated_data["item"],
            answer=data.validated_data["answer"],
            seq=data.validated_data["seq"],
            device=device_of(request),
        )
        body = {"saved": result.saved, "seq": result.seq, "reason": result.reason}
        if result.reason == "missing":
            get_own_attempt(request.user, public_id)  # someone else's: an audited 404
            raise Http404  # no such question on the paper
        if result.reason == "closed":
            raise Conflict(MSG_TIME_OVER, data=body)
        if result.reason == "device":
            raise Conflict(MSG_OTHER_DEVICE, data=body)
        return Response(body)


class SubmitView(APIView):
    @extend_schema(request=None, responses=ResultSerializer)
    def post(self, request, public_id):
        attempt = get_own_attempt(request.user, public_id)
        attempt = services.attempt_submit(attempt=attempt, device=device_of(request))
        return Response(_result(attempt))


LeaveSerializer = inline_serializer(
    "ExamLeave",
    {
        "leave_count": serializers.IntegerField(),
        "leave_limit": serializers.IntegerField(allow_null=True),
        "left": serializers.IntegerField(allow_null=True),
        "handed_in": serializers.BooleanField(),
        "message": serializers.CharField(),
    },
)


class LeaveView(APIView):
    """One leaving of the exam page (another tab, app or window), counted for the
    coordinator; past the session's limit the attempt may be handed in. The answer
    carries the warning the learner reads (empty when the session has no limit)."""

    throttle_classes: list = []

    @extend_schema(request=None, responses={200: LeaveSerializer, 409: DeviceConflictSerializer})
    def post(self, request, public_id):
        result = services.attempt_record_leave(
            attempt_id=public_id, user_id=request.user.pk, device=device_of(request)
        )
        if result is None:
            get_own_attempt(request.user, public_id)  # someone else's: 404 like a missing one
            raise Http404
        return Response(
            {
                "leave_count": result.count,
                "leave_limit": result.limit,
                "left": result.left,
                "handed_in": result.handed_in,
                "message": selectors.leave_message(result),
            }
        )
