"""Scoring rules for each question type."""

from decimal import Decimal

import pytest

from exams.scoring import score_answer

TEN = Decimal(10)


@pytest.mark.parametrize(
    ("answer", "partial", "expected"),
    [
        (["A", "C"], True, 10),
        (["C", "A"], False, 10),
        (["A"], True, 5),
        (["A"], False, 0),
        (["A", "B"], True, 0),
        (["A", "B", "C"], True, 0),
        ([], True, 0),
        (None, True, 0),
    ],
)
def test_multiple_choice_all_or_nothing_or_half_for_a_correct_subset(answer, partial, expected):
    assert score_answer(
        qtype="multiple", key=["A", "C"], answer=answer, points=TEN, partial_credit=partial
    ) == Decimal(expected)


def test_single_choice_and_true_false():
    assert (
        score_answer(qtype="single", key=["B"], answer="B", points=TEN, partial_credit=True) == TEN
    )
    assert (
        score_answer(qtype="single", key=["B"], answer=["b"], points=TEN, partial_credit=True)
        == TEN
    )
    assert (
        score_answer(qtype="true_false", key=["A"], answer="B", points=TEN, partial_credit=True)
        == 0
    )


def test_fill_in_the_blank_accepts_any_listed_answer_normalised():
    key = [["一网通办", "一网通辦"], ["12345"]]
    assert (
        score_answer(
            qtype="fill_blank",
            key=key,
            answer=[" 一网 通办 ", "１２３４５"],
            points=TEN,
            partial_credit=True,
        )
        == TEN
    )
    assert score_answer(
        qtype="fill_blank", key=key, answer=["一网通辦", "0"], points=TEN, partial_credit=True
    ) == Decimal(5)


def test_open_questions_wait_for_a_person():
    assert (
        score_answer(qtype="short_answer", key=[], answer="文字", points=TEN, partial_credit=True)
        is None
    )
    assert (
        score_answer(qtype="scenario", key=[], answer="文字", points=TEN, partial_credit=True)
        is None
    )
