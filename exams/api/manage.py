"""REST endpoints for coordinators and managers: sessions, results, item analysis and
grading, over the same access functions, selectors and services as the pages.

Scoped through exams.access: a session outside the user's subtree is a 404, as is a
missing one. The grading queue is anonymous: a candidate number, never a name.
"""

from __future__ import annotations

from decimal import Decimal

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from organisation.access import departments_visible_to

from .. import selectors, services
from ..access import get_item_for_grading, get_session_for
from ..models import LEAVE_LIMIT_MAX, ExamSession
from ..selectors import candidate_number


class RuleSerializer(serializers.Serializer):
    type = serializers.CharField()
    count = serializers.IntegerField()
    knowledge_point = serializers.CharField(source="knowledge_point.name", allow_null=True)
    difficulty = serializers.IntegerField(allow_null=True)
    points = serializers.DecimalField(max_digits=5, decimal_places=1)


class SessionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    department = serializers.CharField(source="department.name", read_only=True)
    # Plain strings, not enums: the codes are documented in exams.models.
    kind = serializers.CharField(read_only=True)
    counting = serializers.CharField(read_only=True)

    class Meta:
        model = ExamSession
        fields = [
            "id",
            "title",
            "kind",
            "department",
            "opens_at",
            "closes_at",
            "duration_minutes",
            "doors_open_minutes",
            "attempts_allowed",
            "counting",
            "pass_mark",
            "published",
        ]
        read_only_fields = fields


class SessionDetailSerializer(SessionSerializer):
    show_score = serializers.CharField(read_only=True)
    show_answers = serializers.CharField(read_only=True)
    rules = RuleSerializer(many=True, read_only=True, source="rules_list")
    audience = serializers.IntegerField(read_only=True)
    shortages = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = [
            *SessionSerializer.Meta.fields,
            "window_staff_only",
            "partial_credit",
            "shuffle_questions",
            "shuffle_options",
            "show_score",
            "show_answers",
            "one_device",
            "leave_limit",
            "leave_auto_submit",
            "no_copy",
            "papers_prepared_at",
            "rules",
            "audience",
            "shortages",
        ]
        read_only_fields = fields


class IntegritySerializer(serializers.Serializer):
    """The integrity options a coordinator may change (before the exam opens)."""

    one_device = serializers.BooleanField(required=False)
    leave_limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=LEAVE_LIMIT_MAX
    )
    leave_auto_submit = serializers.BooleanField(required=False)
    no_copy = serializers.BooleanField(required=False)


class DeviceSwitchSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    device = serializers.CharField(source="summary")
    ip = serializers.CharField(source="ip_masked")


class IntegrityRowSerializer(serializers.Serializer):
    attempt = serializers.UUIDField(source="public_id")
    staff_number = serializers.CharField(source="staff.staff_number")
    name = serializers.CharField(source="staff.name")
    unit = serializers.CharField(source="staff.department.name")
    status = serializers.CharField()
    leave_count = serializers.IntegerField()
    leave_handed_in = serializers.BooleanField()
    device_switches = DeviceSwitchSerializer(many=True, source="device_switches.all")


class PointScoreSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    percent = serializers.FloatField()


class ResultRowSerializer(serializers.Serializer):
    attempt = serializers.UUIDField()
    staff_number = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    status = serializers.CharField()
    score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    max_score = serializers.DecimalField(max_digits=7, decimal_places=2)
    percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)
    leave_count = serializers.IntegerField()
    leave_handed_in = serializers.BooleanField()
    switch_count = serializers.IntegerField()
    started_at = serializers.DateTimeField(allow_null=True)
    finished_at = serializers.DateTimeField(allow_null=True)
    knowledge_points = PointScoreSerializer(many=True)


class ItemStatsSerializer(serializers.Serializer):
    question_id = serializers.IntegerField(allow_null=True)
    stem = serializers.CharField()
    knowledge_point = serializers.CharField(allow_blank=True)
    n = serializers.IntegerField()
    facility = serializers.FloatField()
    discrimination = serializers.FloatField(allow_null=True)
    option_counts = serializers.DictField(child=serializers.IntegerField())
    flags = serializers.ListField(child=serializers.CharField())


class BucketSerializer(serializers.Serializer):
    range = serializers.CharField()
    count = serializers.IntegerField()


class ExamUnitPassRateSerializer(serializers.Serializer):
    unit = serializers.CharField()
    attempts = serializers.IntegerField()
    pass_rate = serializers.FloatField()


class AnalysisSerializer(serializers.Serializer):
    attempts = serializers.IntegerField()
    mean = serializers.FloatField()
    pass_rate = serializers.FloatField()
    kr20 = serializers.FloatField(allow_null=True)
    distribution = BucketSerializer(many=True)
    by_unit = ExamUnitPassRateSerializer(many=True)
    items = ItemStatsSerializer(many=True)


class QueueItemSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    candidate = serializers.CharField()
    stem = serializers.CharField()
    answer = serializers.JSONField(allow_null=True)
    points = serializers.DecimalField(max_digits=5, decimal_places=1)
    rubric = serializers.JSONField()


class GradeSerializer(serializers.Serializer):
    # A number (one decimal): the schema of a string decimal allowed "", refused here.
    points = serializers.DecimalField(
        max_digits=5, decimal_places=1, min_value=Decimal(0), coerce_to_string=False
    )
    rubric_scores = serializers.ListField(
        child=serializers.DecimalField(
            max_digits=5, decimal_places=1, min_value=Decimal(0), coerce_to_string=False
        ),
        required=False,
        max_length=50,
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class GradedSerializer(serializers.Serializer):
    item = serializers.IntegerField()
    candidate = serializers.CharField()
    awarded = serializers.DecimalField(max_digits=5, decimal_places=1)
    attempt_score = serializers.DecimalField(max_digits=7, decimal_places=2, allow_null=True)
    attempt_percent = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True)
    attempt_passed = serializers.BooleanField(allow_null=True)
    needs_grading = serializers.BooleanField()


class SessionListApi(generics.ListAPIView):
    """Sessions organised in the user's subtree (coordinators, managers, administrators);
    an empty list for anyone else."""

    serializer_class = SessionSerializer

    def get_queryset(self):
        return selectors.sessions_for_staff_roles(self.request.user)


def _detail(session) -> dict:
    session.audience = selectors.audience_count(session=session)
    session.shortages = [s.message() for s in services.blueprint_check(session=session)]
    session.rules_list = list(session.rules.select_related("knowledge_point"))
    return SessionDetailSerializer(session).data


class SessionDetailApi(APIView):
    @extend_schema(responses=SessionDetailSerializer)
    def get(self, request, public_id):
        session = get_session_for(request.user, public_id)
        return Response(_detail(session))

    @extend_schema(request=IntegritySerializer, responses=SessionDetailSerializer)
    def patch(self, request, public_id):
        """Change the integrity options (coordinators of the organising unit; before the
        exam opens, like every setting that changes how it is sat)."""
        session = get_session_for(request.user, public_id, write=True)
        body = IntegritySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        session = services.exam_session_update(
            session=session,
            fields=dict(body.validated_data),
            acting_user=request.user,
            request=request,
        )
        return Response(_detail(session))


class SessionIntegrityApi(generics.ListAPIView):
    """Attempts of the user's people that left the page or changed device, with each
    switch (time, browser, masked address); paginated."""

    serializer_class = IntegrityRowSerializer

    def list(self, request, public_id):
        session = get_session_for(request.user, public_id)
        rows = selectors.integrity_report(session=session, user=request.user)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(IntegrityRowSerializer(page, many=True).data)


class SessionResultsApi(generics.ListAPIView):
    """The attempt that counts per person, in unit and staff-number order (paginated)."""

    serializer_class = ResultRowSerializer

    def list(self, request, public_id):
        session = get_session_for(request.user, public_id)
        rows = selectors.visible_results(session=session, user=request.user)
        page = self.paginate_queryset(rows)
        data = [
            {
                "attempt": r["attempt"].public_id,
                "staff_number": r["attempt"].staff.staff_number,
                "name": r["attempt"].staff.name,
                "unit": r["attempt"].staff.department.name,
                "status": r["attempt"].status,
                "score": r["attempt"].score,
                "max_score": r["attempt"].max_score,
                "percent": r["attempt"].percent,
                "passed": r["attempt"].passed,
                "leave_count": r["attempt"].leave_count,
                "leave_handed_in": r["attempt"].leave_handed_in,
                "switch_count": r["attempt"].switch_count,
                "started_at": r["attempt"].started_at,
                "finished_at": r["attempt"].finished_at,
                "knowledge_points": [
                    {"id": kp, "name": name, "percent": percent}
                    for kp, (name, percent) in r["points"].items()
                ],
            }
            for r in page
        ]
        return self.get_paginated_response(ResultRowSerializer(data, many=True).data)


class SessionAnalysisApi(APIView):
    @extend_schema(responses=AnalysisSerializer)
    def get(self, request, public_id):
        session = get_session_for(request.user, public_id)
        analysis = selectors.session_analysis(
            session=session, departments=departments_visible_to(request.user)
        )
        data = {
            "attempts": analysis.attempts,
            "mean": analysis.mean,
            "pass_rate": analysis.pass_rate,
            "kr20": analysis.kr20,
            "distribution": [{"range": r, "count": n} for r, n in analysis.distribution],
            "by_unit": analysis.by_unit,
            "items": [
                {
                    "question_id": i.question_id,
                    "stem": i.stem,
                    "knowledge_point": i.knowledge_point,
                    "n": i.n,
                    "facility": i.facility,
                    "discrimination": i.discrimination,
                    "option_counts": i.option_counts,
                    "flags": i.flags,
                }
                for i in analysis.items
            ],
        }
        return Response(AnalysisSerializer(data).data)


class GradingQueueApi(generics.ListAPIView):
    """Answers to one question still to grade, anonymous (coordinators of the session's
    unit only; paginated)."""

    serializer_class = QueueItemSerializer

    def list(self, request, public_id, question_id):
        session = get_session_for(request.user, public_id, write=True)
        pending = selectors.answers_to_grade(
            session=session, question_id=question_id, user=request.user
        ).only("pk", "attempt_id", "stem", "answer", "points", "rubric")
        page = self.paginate_queryset(pending)
        data = [
            {
                "item": i.pk,
                "candidate": candidate_number(i.attempt_id),
                "stem": i.stem,
                "answer": i.answer,
                "points": i.points,
                "rubric": i.rubric,
            }
            for i in page
        ]
        return self.get_paginated_response(QueueItemSerializer(data, many=True).data)


class GradeItemApi(APIView):
    @extend_schema(request=GradeSerializer, responses=GradedSerializer)
    def post(self, request, item_id):
        """Grade one answer of a finished attempt (audited; the attempt is re-totalled)."""
        item = get_item_for_grading(request.user, item_id)  # finished attempts only
        body = GradeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        item = services.item_grade(
            item=item,
            points=body.validated_data["points"],
            rubric_scores=[str(v) for v in body.validated_data.get("rubric_scores", [])],
            comment=body.validated_data.get("comment", ""),
            acting_user=request.user,
            request=request,
        )
        attempt = item.attempt
        attempt.refresh_from_db(fields=["score", "percent", "passed", "needs_grading"])
        data = {
            "item": item.pk,
            "candidate": candidate_number(attempt.pk),
            "awarded": item.awarded,
            "attempt_score": attempt.score,
            "attempt_percent": attempt.percent,
            "attempt_passed": attempt.passed,
            "needs_grading": attempt.needs_grading,
        }
        return Response(GradedSerializer(data).data)
