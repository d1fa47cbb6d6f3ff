"""The satisfaction questionnaire: one anonymous answer per person, ratings 1-5 only,
aggregates shown from five answers, per class, module, trainer and unit."""

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from training import selectors, services
from training.exports import evaluation_xlsx
from training.models import (
    Enrolment,
    EvaluationQuestion,
    EvaluationRating,
    EvaluationReceipt,
    EvaluationResponse,
)
from training.services import common as msg

from ..factories import make_learner
from .class_helpers import schedule
from .helpers import make_module, make_programme, make_track

pytestmark = pytest.mark.django_db


def _ratings(value=4):
    return {q.pk: value for q in EvaluationQuestion.objects.filter(is_active=True)}


@pytest.fixture
def attended(coordinator_a, city):
    """A closed class of six people who all attended."""
    people = [make_learner(city.township_a1)[1] for _ in range(6)]
    klass = schedule(coordinator_a, city.county_a, people=people)
    now = klass.starts_at
    for staff in people:
        services.class_check_in(
            training_class=klass,
            staff=staff,
            token=services.class_code(training_class=klass, now=now),
            now=now,
        )
    services.class_close(training_class=klass, actor=coordinator_a, now=klass.ends_at)
    return klass, people


def test_the_default_questions_exist():
    aspects = set(EvaluationQuestion.objects.values_list("aspect", flat=True))
    assert {"content", "trainer", "organisation", "usefulness"} <= aspects


def test_an_answer_is_anonymous_and_once_per_person(attended):
    klass, people = attended
    response = services.evaluation_submit(
        staff=people[0], training_class=klass, ratings=_ratings(5), comment="很实用"
    )
    assert {f.name for f in EvaluationResponse._meta.get_fields()}.isdisjoint({"staff"})
    assert response.department_id == people[0].department_id
    assert response.trainer_label == "王老师"
    with pytest.raises(ValidationError) as error:
        services.evaluation_submit(staff=people[0], training_class=klass, ratings=_ratings(1))
    assert [str(m) for m in error.value.messages] == [str(msg.MSG_EVALUATION_ALREADY)]
    assert EvaluationResponse.objects.count() == 1
    assert EvaluationReceipt.objects.count() == 1


@pytest.mark.parametrize("bad", [6, 0, "4.5", "五", None])
def test_a_rating_outside_one_to_five_is_refused_and_nothing_is_kept(attended, bad):
    klass, people = attended
    ratings = _ratings(4)
    ratings[next(iter(ratings))] = bad
    with pytest.raises(ValidationError) as error:
        services.evaluation_submit(staff=people[0], training_class=klass, ratings=ratings)
    expected = msg.MSG_RATING_MISSING if bad is None else msg.MSG_RATING_RANGE
    assert [str(m) for m in error.value.messages] == [str(expected)]
    assert not EvaluationResponse.objects.exists()
    assert not EvaluationReceipt.objects.exists()
    assert not EvaluationRating.objects.exists()


def test_only_those_who_attended_rate_and_only_after_the_class(coordinator_a, city):
    _u, came = make_learner(city.township_a1)
    _u, stayed_away = make_learner(city.township_a1)
    klass = schedule(coordinator_a, city.county_a, people=[came, stayed_away])
    now = klass.starts_at
    services.class_check_in(
        training_class=klass,
        staff=came,
        token=services.class_code(training_class=klass, now=now),
        now=now,
    )
    with pytest.raises(ValidationError) as error:
        services.evaluation_submit(staff=came, training_class=klass, ratings=_ratings(), now=now)
    assert error.value.error_list[0].code == "too_early"
    with pytest.raises(ValidationError) as error:
        services.evaluation_submit(
            staff=stayed_away, training_class=klass, ratings=_ratings(), now=klass.ends_at
        )
    assert error.value.error_list[0].code == "not_attended"
    assert not EvaluationResponse.objects.exists()


def test_aggregates_appear_only_from_five_answers(attended, coordinator_a):
    klass, people = attended
    for n, staff in enumerate(people[:4]):
        services.evaluation_submit(
            staff=staff, training_class=klass, ratings=_ratings(3 + n % 2), comment=f"意见{n}"
        )
    summary = selectors.class_evaluation(user=coordinator_a, training_class=klass)
    assert summary.count == 4 and not summary.shown
    assert summary.averages == [] and summary.comments == [] and summary.overall is None

    services.evaluation_submit(staff=people[4], training_class=klass, ratings=_ratings(5))
    summary = selectors.class_evaluation(user=coordinator_a, training_class=klass)
    assert summary.count == 5 and summary.shown
    assert summary.overall == Decimal("3.80")  # (3 + 4 + 3 + 4 + 5) / 5
    assert sorted(summary.comments) == ["意见0", "意见1", "意见2", "意见3"]

    report = selectors.evaluation_report(user=coordinator_a)
    assert [s.shown for s in report.by_class] == [True]
    assert [(s.label, s.shown) for s in report.by_trainer] == [("王老师", True)]
    assert [(s.label, s.count) for s in report.by_unit] == [("甲一镇", 5)]
    assert len(report.trend) == 1 and report.trend[0].overall == Decimal("3.80")

    workbook = load_workbook(io.BytesIO(evaluation_xlsx(report)))
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows[1][0].startswith("一网通办平台实操培训") and rows[1][1] == 5
    assert rows[1][-1] == 3.8


def test_a_coordinator_of_another_county_sees_nothing(attended, city):
    from organisation.models import Role

    from ..factories import make_user_with_role

    klass, people = attended
    for staff in people[:5]:
        services.evaluation_submit(staff=staff, training_class=klass, ratings=_ratings())
    other = make_user_with_role(Role.COORDINATOR, city.county_b)
    assert selectors.class_evaluation(user=other, training_class=klass).count == 0
    assert selectors.evaluation_report(user=other).by_class == []


def test_a_weekly_module_can_be_rated_by_its_enrolled_learners(city):
    _u, staff = make_learner(city.township_a1)
    _u, outsider = make_learner(city.township_a1)
    track = make_track(make_programme(city.county_a))
    Enrolment.objects.create(staff=staff, track=track, enrolled_at=timezone.now())
    module = make_module(track)
    services.evaluation_submit(staff=staff, module=module, ratings=_ratings(4))
    with pytest.raises(Exception):  # noqa: B017 (PermissionDenied: not enrolled)
        services.evaluation_submit(staff=outsider, module=module, ratings=_ratings(4))
    assert EvaluationResponse.objects.filter(module=module).count() == 1


def test_an_emptied_questionnaire_gets_its_default_questions_back(db):
    """The default ratings come from a data migration; if the table is ever empty (an
    administrator deleted them all, a flushed database), asking for the questions puts
    the defaults back, so a rating always has something to rate."""
    from training.models import EvaluationQuestion
    from training.services.evaluations import DEFAULT_QUESTIONS, evaluation_questions

    EvaluationQuestion.objects.all().delete()
    questions = evaluation_questions()
    assert [q.aspect for q in questions] == [aspect for aspect, _text in DEFAULT_QUESTIONS]
    assert len(evaluation_questions()) == len(DEFAULT_QUESTIONS)  # not added twice


def test_a_summary_without_ratings_shows_a_dash_not_none():
    from django.template.loader import render_to_string

    from training.selectors.evaluations import EvaluationSummary

    html = render_to_string(
        "training/partials/evaluation_summary.html",
        {"s": EvaluationSummary(key="1", label="x", count=5, shown=True)},
    )
    assert "None" not in html and "—" in html
