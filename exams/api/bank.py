"""REST, read-only: the question bank for coordinators and administrators, with the
same filters as the page. Answer keys are included: nobody else reaches these
endpoints (learners, managers and accounts without a role get 404)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers

from .. import question_io, selectors
from ..access import get_question_for, questions_visible_to, require_bank_editor
from ..models import Question, QuestionStatus, QuestionType


class KnowledgePointRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    path = serializers.CharField()


class BankQuestionSerializer(serializers.ModelSerializer):
    id = serializers.UUIDField(source="public_id", read_only=True)
    options = serializers.ListField(child=serializers.CharField(), help_text="texts of A, B, C…")
    answer = serializers.JSONField(
        help_text="option letters; for fill in the blank a list of blanks, each a list "
        "of accepted answers; empty for questions graded by a person"
    )
    rubric = serializers.ListField(
        child=serializers.DictField(), help_text='scoring points: [{"item", "points"}]'
    )
    knowledge_point = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = [
            "id",
            "type",
            "stem",
            "options",
            "answer",
            "rubric",
            "explanation",
            "knowledge_point",
            "difficulty",
            "status",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(KnowledgePointRefSerializer)
    def get_knowledge_point(self, obj) -> dict:
        paths = self.context.get("paths") or {}
        point = obj.knowledge_point
        return {"id": point.pk, "name": point.name, "path": paths.get(point.pk, point.name)}


class BankFilterSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=QuestionType.choices, required=False)
    knowledge_point = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text="with its sub-points"
    )
    difficulty = serializers.IntegerField(required=False, min_value=1, max_value=5)
    status = serializers.ChoiceField(choices=QuestionStatus.choices, required=False)
    q = serializers.CharField(required=False, max_length=100, help_text="words in the question")


class BankQuestionListView(generics.ListAPIView):
    serializer_class = BankQuestionSerializer

    def get_queryset(self):
        require_bank_editor(self.request.user)
        filters = BankFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        return selectors.bank_questions(
            queryset=questions_visible_to(self.request.user),
            type=data.get("type", ""),
            point_id=data.get("knowledge_point"),
            difficulty=data.get("difficulty"),
            status=data.get("status", ""),
            text=data.get("q", ""),
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "paths": question_io.point_paths()}

    @extend_schema(parameters=[BankFilterSerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class BankQuestionDetailView(generics.RetrieveAPIView):
    serializer_class = BankQuestionSerializer

    def get_object(self):
        require_bank_editor(self.request.user)
        return get_question_for(self.request.user, self.kwargs["public_id"])

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "paths": question_io.point_paths()}
