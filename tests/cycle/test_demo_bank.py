"""The demo bank is deep enough for every demo blueprint (issue 14): every rule the
demo's exams ask (the monthly exam, the assessment's theory, the
follow-up checks and weekly quizzes per knowledge point) finds at least three times
the questions it draws, and no two knowledge points are near-duplicates."""

import difflib
import itertools

import pytest

from certificates.defaults import THEORY_BLUEPRINT
from exams.demo import seed_bank
from exams.models import KnowledgePoint, Question, QuestionStatus
from training.exams_adapter import FOLLOWUP_PER_POINT, MONTHLY_BLUEPRINT

pytestmark = pytest.mark.django_db

OBJECTIVE = ("single", "multiple", "true_false")


def active(**filters) -> int:
    return Question.objects.filter(status=QuestionStatus.ACTIVE, **filters).count()


@pytest.mark.parametrize(
    "blueprint", [MONTHLY_BLUEPRINT, THEORY_BLUEPRINT], ids=["monthly", "theory"]
)
def test_the_city_wide_blueprints_find_three_times_what_they_ask(blueprint):
    seed_bank()
    for rule in blueprint:
        filters = {"type": rule["type"]}
        if rule.get("knowledge_point_id"):
            filters["knowledge_point_id"] = rule["knowledge_point_id"]
        assert active(**filters) >= 3 * rule["count"], rule


def test_every_point_has_three_checks_and_three_quizzes_worth_of_questions():
    seed_bank()
    points = list(KnowledgePoint.objects.all())
    assert len(points) >= 5
    for point in points:
        objective = active(knowledge_point=point, type__in=OBJECTIVE)
        # A follow-up check asks 5 per weak point; a one-point weekly quiz asks 10.
        assert objective >= 3 * max(FOLLOWUP_PER_POINT, 10), (point.name, objective)


def test_no_two_knowledge_points_are_near_duplicates():
    seed_bank()
    names = list(KnowledgePoint.objects.values_list("name", flat=True))
    close = [
        (a, b)
        for a, b in itertools.combinations(names, 2)
        if difflib.SequenceMatcher(None, a, b).ratio() >= 0.8
    ]
    assert close == []
