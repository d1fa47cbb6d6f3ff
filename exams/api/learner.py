"""REST endpoints for taking exams, over the same services as the pages.

The save endpoint is the hottest path of exam day: it authenticates, runs one
conditional UPDATE and answers; it touches nothing else.
"""

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import Conflict

from .. import selectors, services
from ..access import get_own_attempt, get_session_for_learner, learner_staff
from ..messages import MSG_TIME_OVER

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
        "items": ItemSerializer.__class__(many=True),
    },
)
ResultSerializer = inline_serializer(
    "ExamResult",
    {
        "id": serializers.UUIDField(),
        "title": serializers.CharField(),
        "status": serializers.CharField(),
        "score_visible": serializers.BooleanField(),
        "percent": serializers.CharField(allow_null=True),
        "passed": serializers.BooleanField(allow_null=True),
        "knowledge_points": serializers.ListField(child=serializers.DictField()),
    },
)


def _clean_text(value: str, limit: int) -> str:
    # NUL and lone surrogates cannot be stored (PostgreSQL refuses them in jsonb).
    text = value.encode("utf-8", "ignore").decode("utf-8").replace("\x00", "")
    if len(text) > limit:
        raise serializers.ValidationError(_("The answer is too long."))
    return text


class SaveSerializer(serializers.Serializer):
    item = serializers.IntegerField(min_value=1, max_value=1000)
    answer = serializers.JSONField(allow_null=True)
    seq = serializers.IntegerField(min_value=1, max_value=2_000_000_000)

    def validate_answer(self, value):
        """An answer is empty, a text, or a short list of texts (choices or blanks)."""
        if value is None:
            return None
        if isinstance(value, str):
            return _clean_text(value, 10_000)
        if isinstance(value, list) and len(value) <= 20 and all(isinstance(v, str) for v in value):
            return [_clean_text(v, 1_000) for v in value]
        raise serializers.ValidationError(_("An answer is a text or a list of texts."))


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
        "score_visible": visible,
        "percent": str(attempt.percent) if visible and attempt.percent is not None else None,
        "passed": attempt.passed if visible else None,
        "knowledge_points": [{"id": k, "name": n, "percent": p} for k, (n, p) in points.items()],
    }


class StartView(APIView):
    @extend_schema(request=None, responses=AttemptSerializer)
    def post(self, request, public_id):
        session = get_session_for_learner(request.user, public_id)
        # Not open, not on the list, no attempts left: a Conflict, answered 409 by
        # core.api.exception_handler.
        attempt = services.attempt_start(session=session, staff=learner_staff(request.user))
        return Response(selectors.attempt_payload(attempt))


class AttemptView(APIView):
    @extend_schema(responses={200: AttemptSerializer})
    def get(self, request, public_id):
        """The attempt in progress (to resume it), or its result once finished."""
        attempt = get_own_attempt(request.user, public_id)
        if attempt.is_finished:
            return Response(_result(attempt))
        return Response(selectors.attempt_payload(attempt))


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
        )
        body = {"saved": result.saved, "seq": result.seq, "reason": result.reason}
        if result.reason == "missing":
            get_own_attempt(request.user, public_id)  # someone else's: an audited 404
            raise Http404  # no such question on the paper
        if result.reason == "closed":
            raise Conflict(MSG_TIME_OVER, data=body)
        return Response(body)


class SubmitView(APIView):
    @extend_schema(request=None, responses=ResultSerializer)
    def post(self, request, public_id):
        attempt = get_own_attempt(request.user, public_id)
        attempt = services.attempt_submit(attempt=attempt)
        return Response(_result(attempt))


class LeaveView(APIView):
    throttle_classes: list = []

    @extend_schema(request=None, responses={204: None})
    def post(self, request, public_id):
        if not services.attempt_record_leave(attempt_id=public_id, user_id=request.user.pk):
            get_own_attempt(request.user, public_id)  # someone else's: 404 like a missing one
        return Response(status=status.HTTP_204_NO_CONTENT)
